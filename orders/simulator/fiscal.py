"""NF-e access keys and the invoice packages VTEX keeps on an order."""

import random
from datetime import datetime

from orders.simulator.dates import document_date
from orders.simulator.network import NetworkLocation
from orders.simulator.records import SimulatorError

INVOICE_FIELDS = ("type", "invoiceNumber", "invoiceValue", "issuanceDate", "items")
NFE_MODEL = "55"
NFE_SERIES = "001"
# CFOP 5102 sells goods bought from third parties inside the state, 6102 to
# another state.
CFOP_SAME_STATE = "5102"
CFOP_OTHER_STATE = "6102"


def nfe_check_digit(first_43: str) -> int:
    """Mod-11 digit over the first 43 characters, weights 2 to 9 from the right.

    Each character is valued at its ASCII code minus 48, so digits keep their
    value. NOTE: valuing letters of an alphanumeric CNPJ this way follows the
    CNPJ's own rule and is an assumption for access keys.
    """
    total = 0
    for position, char in enumerate(reversed(first_43)):
        total += (ord(char) - 48) * (2 + position % 8)
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def nfe_key(
    issuer: NetworkLocation, issued_at: datetime, number: int, rng: random.Random
) -> str:
    """Build a 44-character key; positions 7 to 20 carry the issuer's CNPJ."""
    first_43 = (
        f"{issuer.state_code}{issued_at:%y%m}{issuer.cnpj}{NFE_MODEL}{NFE_SERIES}"
        f"{number:09d}1{rng.randrange(10**7, 10**8)}"
    )
    return f"{first_43}{nfe_check_digit(first_43)}"


def invoice_package(
    document: dict,
    issuer: NetworkLocation,
    issued_at: datetime,
    number: int,
    rng: random.Random,
) -> dict:
    """Build an output invoice for the whole order, as if the store sent it."""
    courier = document["shippingData"]["logisticsInfo"][0]["deliveryCompany"]
    customer_state = document["shippingData"]["address"]["state"]
    same_state = customer_state == issuer.state
    return {
        "items": [
            {
                "itemIndex": index,
                "quantity": item["quantity"],
                "price": item["sellingPrice"],
                "description": None,
                "unitMultiplier": item["unitMultiplier"],
            }
            for index, item in enumerate(document["items"])
        ],
        "courier": courier,
        "invoiceNumber": str(number),
        "invoiceValue": document["value"],
        "invoiceUrl": None,
        "issuanceDate": document_date(issued_at),
        "trackingNumber": f"SA{rng.randrange(10**9, 10**10)}BR",
        "invoiceKey": nfe_key(issuer, issued_at, number, rng),
        "trackingUrl": None,
        "embeddedInvoice": "",
        "type": "Output",
        "courierStatus": {"status": "unknown", "finished": False, "data": []},
        "cfop": CFOP_SAME_STATE if same_state else CFOP_OTHER_STATE,
        "restitutions": {},
        "volumes": 1,
        "EnableInferItems": False,
    }


def package_from_request(document: dict, body: dict) -> dict:
    """Turn an invoice notification body into the package VTEX stores."""
    index_by_sku = {}
    for index, item in enumerate(document.get("items") or []):
        index_by_sku.setdefault(str(item.get("id")), index)

    items = []
    for line in body.get("items") or []:
        items.append(
            {
                "itemIndex": index_by_sku.get(str(line.get("id"))),
                "quantity": line.get("quantity"),
                "price": line.get("price"),
                "description": line.get("description"),
                "unitMultiplier": None,
            }
        )
    return {
        "items": items,
        "courier": body.get("courier") or "",
        "invoiceNumber": str(body["invoiceNumber"]),
        "invoiceValue": int(body["invoiceValue"]),
        "invoiceUrl": body.get("invoiceUrl"),
        "issuanceDate": body["issuanceDate"],
        "trackingNumber": body.get("trackingNumber") or "",
        "invoiceKey": body.get("invoiceKey") or "",
        "trackingUrl": body.get("trackingUrl") or "",
        "embeddedInvoice": body.get("embeddedInvoice") or "",
        "type": body["type"],
        "courierStatus": None,
        "cfop": body.get("cfop"),
        "restitutions": {},
        "volumes": body.get("volumes"),
        "EnableInferItems": False,
    }


def add_package(document: dict, package: dict) -> None:
    """Attach an invoice to the document.

    An invoice number sent again replaces its package instead of adding one.
    NOTE: VTEX does not document what it does with a repeated invoice number.
    """
    attachment = document.get("packageAttachment") or {}
    packages = [
        existing
        for existing in attachment.get("packages") or []
        if existing.get("invoiceNumber") != package["invoiceNumber"]
    ]
    document["packageAttachment"] = {**attachment, "packages": [*packages, package]}


def invoiced_value(document: dict) -> int:
    """Sum the output (sale) invoices of the document, in cents."""
    packages = (document.get("packageAttachment") or {}).get("packages") or []
    return sum(
        int(package.get("invoiceValue") or 0)
        for package in packages
        if package.get("type") == "Output"
    )


def validate_invoice_request(body) -> None:
    """Reject an invoice notification body that VTEX would not accept."""
    if not isinstance(body, dict):
        raise SimulatorError(400, "Invalid body: expected a JSON object.")
    missing = [name for name in INVOICE_FIELDS if body.get(name) in (None, "")]
    if missing:
        raise SimulatorError(400, f"Missing invoice fields: {', '.join(missing)}.")
    if body["type"] not in ("Output", "Input"):
        raise SimulatorError(
            400, f"Invalid type {body['type']!r}: use Output (sale) or Input (return)."
        )
    value = body["invoiceValue"]
    if isinstance(value, bool) or not str(value).isdigit():
        raise SimulatorError(
            400,
            f"Invalid invoiceValue {value!r}: send the amount in cents as digits, "
            'for example "2499" for R$ 24,99.',
        )
    if not isinstance(body["items"], list):
        raise SimulatorError(400, "Invalid items: expected a list of invoiced SKUs.")
