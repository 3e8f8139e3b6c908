"""List orders (`GET /api/oms/pvt/orders`): filters, paging, summary rows, stats.

VTEX documents at most 30 pages of at most 100 orders per query and a
default page size of 15. `paging.total` still counts every match, so a
client can tell that it must split its window.
"""

import math
import re
from datetime import datetime

from orders.simulator.dates import parse_date

MAX_PAGE = 30
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 15
CREATION_WINDOW = re.compile(r"^creationDate:\[(?P<start>.+?) TO (?P<end>.+?)\]$")


class ListRequestError(ValueError):
    """A query the list endpoint rejects with 400."""


def positive_int(params: dict, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ListRequestError(f"Invalid {name} {raw!r}: use a whole number from 1.")
    return value


def page_and_size(params: dict) -> tuple[int, int]:
    page = positive_int(params, "page", 1)
    if page > MAX_PAGE:
        # NOTE: VTEX documents the 30-page limit but not its error response;
        # this 400 with a message is a model of it.
        raise ListRequestError(
            f"Invalid page {page}: the list returns at most {MAX_PAGE} pages; "
            "narrow f_creationDate to list the remaining orders."
        )
    # NOTE: a larger per_page is cut to 100 here, because VTEX does not
    # document its response to one.
    per_page = min(positive_int(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return page, per_page


def creation_window(params: dict) -> tuple[datetime, datetime] | None:
    """Parse `creationDate:[A TO B]` with both ends included, or return None."""
    raw = params.get("f_creationDate")
    if not raw:
        return None
    match = CREATION_WINDOW.match(raw.strip())
    if match is None:
        raise ListRequestError(
            f"Invalid f_creationDate {raw!r}: use creationDate:[START TO END] with "
            "ISO 8601 dates, for example creationDate:[2026-05-01T00:00:00.000Z "
            "TO 2026-05-02T00:00:00.000Z]."
        )
    try:
        return parse_date(match["start"]), parse_date(match["end"])
    except ValueError as error:
        raise ListRequestError(f"Invalid f_creationDate {raw!r}: {error}.") from None


def is_descending(params: dict) -> bool:
    """Read `orderBy=creationDate,asc|desc`. VTEX lists newest first by default."""
    raw = params.get("orderBy") or "creationDate,desc"
    field, _, direction = raw.partition(",")
    if field != "creationDate" or direction not in ("asc", "desc"):
        raise ListRequestError(
            f"Invalid orderBy {raw!r}: use creationDate,asc or creationDate,desc."
        )
    return direction == "desc"


def status_filter(params: dict) -> set[str] | None:
    raw = params.get("f_status") or ""
    statuses = {status.strip() for status in raw.split(",") if status.strip()}
    return statuses or None


def summary_row(document: dict) -> dict:
    """Build the list row of an order from its Get order document.

    A custom document with odd nested shapes still gets a row with its
    top-level fields, as the list index does not parse the whole document.
    """
    try:
        return _full_row(document)
    except (AttributeError, TypeError, ValueError):
        return {
            key: document.get(source)
            for key, source in (
                ("orderId", "orderId"),
                ("creationDate", "creationDate"),
                ("totalValue", "value"),
                ("status", "status"),
                ("statusDescription", "statusDescription"),
                ("sequence", "sequence"),
                ("lastChange", "lastChange"),
            )
        } | {"totalItems": 0}


def _full_row(document: dict) -> dict:
    profile = document.get("clientProfileData") or {}
    items = document.get("items") or []
    transactions = (document.get("paymentData") or {}).get("transactions") or []
    payment_names = [
        payment.get("paymentSystemName")
        for transaction in transactions
        for payment in transaction.get("payments") or []
    ]
    logistics = (document.get("shippingData") or {}).get("logisticsInfo") or []
    estimates = sorted(
        entry["shippingEstimateDate"]
        for entry in logistics
        if entry.get("shippingEstimateDate")
    )
    packages = (document.get("packageAttachment") or {}).get("packages") or []
    client_name = f"{profile.get('firstName') or ''} {profile.get('lastName') or ''}"
    return {
        "orderId": document.get("orderId"),
        "creationDate": document.get("creationDate"),
        "clientName": client_name.strip(),
        "items": None,
        "totalValue": document.get("value"),
        "paymentNames": ", ".join(name for name in payment_names if name),
        "status": document.get("status"),
        "statusDescription": document.get("statusDescription"),
        "marketPlaceOrderId": document.get("marketplaceOrderId"),
        "sequence": document.get("sequence"),
        "salesChannel": document.get("salesChannel"),
        "affiliateId": document.get("affiliateId"),
        "origin": document.get("origin"),
        "workflowInErrorState": False,
        "workflowInRetry": False,
        "lastMessageUnread": None,
        "ShippingEstimatedDate": estimates[-1] if estimates else None,
        "ShippingEstimatedDateMax": estimates[-1] if estimates else None,
        "ShippingEstimatedDateMin": estimates[0] if estimates else None,
        "orderIsComplete": document.get("isCompleted", True),
        "listId": None,
        "listType": None,
        "authorizedDate": document.get("authorizedDate"),
        "callCenterOperatorName": None,
        "totalItems": sum(item.get("quantity") or 0 for item in items),
        "currencyCode": "BRL",
        "hostname": document.get("hostname"),
        "invoiceOutput": [
            package.get("invoiceNumber")
            for package in packages
            if package.get("type") == "Output"
        ]
        or None,
        "invoiceInput": None,
        "lastChange": document.get("lastChange"),
        "isAllDelivered": False,
        "isAnyDelivered": False,
        "giftCardProviders": None,
        "orderFormId": document.get("orderFormId"),
        "paymentApprovedDate": document.get("authorizedDate"),
        "readyForHandlingDate": None,
        "deliveryDates": None,
    }


def _field_stats(values: list[int]) -> dict:
    count = len(values)
    total = sum(values)
    squares = sum(value * value for value in values)
    mean = total / count if count else 0.0
    variance = squares / count - mean * mean if count else 0.0
    return {
        "Count": count,
        "Max": max(values, default=0),
        "Mean": mean,
        "Min": min(values, default=0),
        "Missing": 0,
        "StdDev": math.sqrt(max(variance, 0.0)),
        "Sum": total,
        "SumOfSquares": float(squares),
        "Facets": {},
    }


def list_response(rows: list[dict], page: int, per_page: int) -> dict:
    start = (page - 1) * per_page
    return {
        "list": rows[start : start + per_page],
        "facets": [],
        "paging": {
            "total": len(rows),
            "pages": math.ceil(len(rows) / per_page),
            "currentPage": page,
            "perPage": per_page,
        },
        "stats": {
            "stats": {
                "totalValue": _field_stats([row["totalValue"] or 0 for row in rows]),
                "totalItems": _field_stats([row["totalItems"] for row in rows]),
            }
        },
    }
