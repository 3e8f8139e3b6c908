"""Calls to VTEX's Logistics API (inventory), made through a `VtexClient`.

Field names and formats follow VTEX's OpenAPI description of the Logistics API
("List inventory by SKU", vtex/openapi-schemas, `VTEX - Logistics API.json`).
"""

import re
from decimal import Decimal
from urllib.parse import quote

from orders.vtex.client import VtexClient, VtexError

# VTEX writes lead times as a .NET TimeSpan, `D.HH:MM:SS` ("1.00:00:00" is one
# day), and omits the day part below one day ("00:00:00").
LEAD_TIME = re.compile(
    r"^(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{2}):(?P<seconds>\d{2})"
    r"(?:\.\d+)?$"
)


def inventory_for_sku(client: VtexClient, sku_id: str) -> dict:
    """Fetch one SKU's balance in every warehouse (`GET
    /api/logistics/pvt/inventory/skus/{skuId}`).

    Returns the body as VTEX sends it: `{"skuId", "balance": [...]}`. Raises
    `VtexNotFound` on 404 and `VtexError` when the body has no `balance` list.
    """
    path = f"/api/logistics/pvt/inventory/skus/{quote(str(sku_id), safe='')}"
    body = client.request_json("GET", path)

    if not isinstance(body, dict) or not isinstance(body.get("balance"), list):
        raise VtexError(
            f"GET {path} returned an unexpected body: expected an object with "
            f"a balance list, got {type(body).__name__}"
        )
    return body


def lead_time_hours(value: str) -> Decimal:
    """Convert a VTEX lead time such as "1.02:30:00" into hours (26.5).

    Raises ValueError when the text is not in VTEX's `D.HH:MM:SS` format.
    """
    match = LEAD_TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"Invalid lead time {value!r}: expected D.HH:MM:SS, such as 1.00:00:00."
        )

    days = int(match["days"] or 0)
    hours = int(match["hours"])
    minutes = int(match["minutes"])
    seconds = int(match["seconds"])
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(
            f"Invalid lead time {value!r}: hours, minutes or seconds out of range."
        )
    total_seconds = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return Decimal(total_seconds) / Decimal(3600)
