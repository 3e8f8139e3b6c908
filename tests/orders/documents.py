"""Recorded VTEX documents from tests/fixtures/vtex, loaded with exact decimals."""

import json
import re
from decimal import Decimal
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vtex"
DECIMAL_MARK = re.compile(r'"@decimal:([-0-9.Ee+]+)"')


def vtex_document(name: str, **changes) -> dict:
    document = json.loads((FIXTURES / f"{name}.json").read_text(), parse_float=Decimal)
    document.update(changes)
    return document


def vtex_text(document: dict) -> str:
    """Serialise with each Decimal written as the JSON number it was read from."""
    text = json.dumps(document, default=_mark_decimal)
    return DECIMAL_MARK.sub(r"\1", text)


def _mark_decimal(value):
    if isinstance(value, Decimal):
        return f"@decimal:{value}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def vtex_plain(document: dict) -> dict:
    """The document with plain JSON types, as the simulator stores it."""
    return json.loads(vtex_text(document))
