"""A JSON value stored compressed, for large documents nothing queries inside."""

import json
import zlib

from django.db import models

# zlib's fastest level: a 500-candidate table of about 50 kB of JSON
# compresses to some 15 kB in a few tenths of a millisecond.
COMPRESSION_LEVEL = 1


class CompressedJSONField(models.BinaryField):
    """A JSON-serialisable value kept as zlib-compressed UTF-8 JSON bytes.

    PostgreSQL parses every jsonb value it receives, and it compresses large
    ones again with its own slower codec. For routing candidate tables that
    was most of the cost of storing a decision. The value cannot be filtered
    on in SQL, which nothing needs.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if not prepared:
            value = encode(value)
        return super().get_db_prep_value(value, connection, prepared=True)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decode(value)

    def to_python(self, value):
        if isinstance(value, (bytes, bytearray, memoryview)):
            return decode(value)
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


def encode(value) -> bytes:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode(), COMPRESSION_LEVEL)


def decode(data) -> object:
    return json.loads(zlib.decompress(bytes(data)))
