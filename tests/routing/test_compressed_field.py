"""The compressed JSON column that stores candidate tables."""

import json
import zlib

import pytest

from routing.fields import ZSTD_MAGIC, decode, encode

VALUE = [
    {"location_id": 7, "code": "loja-ção", "distance_km": 12.5, "scores": {}},
    {"location_id": None, "columnar": {"count": 2, "code": ["a", "b"]}},
]


def test_encode_writes_zstandard_frame():
    stored = encode(VALUE)

    assert stored[:4] == ZSTD_MAGIC
    assert decode(stored) == VALUE


def test_decode_reads_zlib_rows_written_before():
    earlier = zlib.compress(
        json.dumps(VALUE, separators=(",", ":"), ensure_ascii=False).encode(), 1
    )

    assert decode(earlier) == VALUE
    assert decode(memoryview(earlier)) == VALUE


def test_encode_writes_integer_keys_as_strings():
    assert decode(encode({1: "one"})) == {"1": "one"}


def test_encode_rejects_non_json_values():
    with pytest.raises(TypeError):
        encode({"when": object()})
