"""A JSON value stored compressed, for large documents nothing queries inside."""

import threading
import zlib

import orjson
import zstandard
from django.db import models

# Zstandard's level 1: a 500-candidate table of about 50 kB of JSON compresses
# to some 14 kB in about 0.1 ms (zlib's fastest level took 0.35 ms for 15 kB).
COMPRESSION_LEVEL = 1
# Every Zstandard frame starts with these bytes (RFC 8878, section 3.1.1).
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# orjson rejects dict keys that are not strings unless this option makes it
# write them as strings, as the standard json module does.
DUMP_OPTIONS = orjson.OPT_NON_STR_KEYS

# Zstandard contexts must not be shared between threads.
_codecs = threading.local()


class CompressedJSONField(models.BinaryField):
    """A JSON-serialisable value kept as compressed UTF-8 JSON bytes.

    PostgreSQL parses every jsonb value it receives, and it compresses large
    ones again with its own slower codec. For routing candidate tables that
    was most of the cost of storing a decision. The value cannot be filtered
    on in SQL, which nothing needs. Values are written with Zstandard; values
    written earlier with zlib still read.
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
        return orjson.dumps(self.value_from_object(obj), option=DUMP_OPTIONS).decode()


def encode(value) -> bytes:
    """Serialise `value` as JSON and compress it with Zstandard.

    Raises TypeError for a value JSON cannot hold. NaN and infinities are
    written as null, where the json module would write invalid JSON.
    """
    return _compressor().compress(orjson.dumps(value, option=DUMP_OPTIONS))


def decode(data) -> object:
    """Return the value of bytes written by `encode`, or by the zlib form
    stored before."""
    data = bytes(data)
    if data[:4] == ZSTD_MAGIC:
        text = _decompressor().decompress(data)
    else:
        text = zlib.decompress(data)
    return orjson.loads(text)


def _compressor() -> zstandard.ZstdCompressor:
    compressor = getattr(_codecs, "compressor", None)
    if compressor is None:
        compressor = _codecs.compressor = zstandard.ZstdCompressor(
            level=COMPRESSION_LEVEL
        )
    return compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    decompressor = getattr(_codecs, "decompressor", None)
    if decompressor is None:
        decompressor = _codecs.decompressor = zstandard.ZstdDecompressor()
    return decompressor
