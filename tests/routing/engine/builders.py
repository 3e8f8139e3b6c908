"""Small builders for engine inputs; every argument has a plain default."""

from datetime import UTC, datetime
from decimal import Decimal

from routing.engine import Candidate, Line, OrderInput, Policy, Step

# A Wednesday, 15:00 in São Paulo.
NOW = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)

# Avenida Paulista, São Paulo.
PAULISTA = (-23.5614, -46.6559)
PINHEIROS = (-23.5673, -46.6929)
MOEMA = (-23.6006, -46.6650)
CAMPINAS = (-22.9056, -47.0608)
RIO = (-22.9068, -43.1729)
BELO_HORIZONTE = (-19.9370, -43.9340)


def line(index: int, sku: str, quantity: int = 1, price: str = "10.00") -> Line:
    return Line(index=index, sku_id=sku, quantity=quantity, unit_price=Decimal(price))


def order(
    lines=None,
    *,
    at=PAULISTA,
    postal_code="01310-100",
    city="São Paulo",
    state="SP",
    delivery_channel="delivery",
    pickup_location_id=None,
    promised_by=None,
    now=NOW,
) -> OrderInput:
    lines = tuple(lines if lines is not None else [line(0, "2001")])
    latitude, longitude = at if at is not None else (None, None)
    return OrderInput(
        order_id="1480140512345-01",
        lines=lines,
        value=sum((item.value for item in lines), Decimal(0)),
        latitude=latitude,
        longitude=longitude,
        postal_code=postal_code,
        city=city,
        state=state,
        delivery_channel=delivery_channel,
        pickup_location_id=pickup_location_id,
        promised_by=promised_by,
        now=now,
        sales_channel="1",
    )


def candidate(location_id: int, code: str, stock=None, *, at=PAULISTA, **fields):
    latitude, longitude = at if at is not None else (None, None)
    values = {
        "kind": "store",
        "status": "active",
        "latitude": latitude,
        "longitude": longitude,
        "state": "SP",
        "ships_from_store": True,
        "offers_pickup": True,
        "stock": {"2001": 5} if stock is None else stock,
    }
    values.update(fields)
    return Candidate(location_id=location_id, code=code, **values)


def policy(*steps: Step, **options) -> Policy:
    return Policy(steps=tuple(steps), **options)


def split_policy(*steps: Step, max_parts=3, allow_split=True, **options) -> Policy:
    return Policy(
        steps=(Step("filter", "stock", {"mode": "any"}), *steps),
        max_parts=max_parts,
        allow_split=allow_split,
        **options,
    )


def row(decision, code: str):
    """Return the candidate table row for a location code."""
    matches = [result for result in decision.candidates if result.code == code]
    assert len(matches) == 1, f"{code} appears {len(matches)} times"
    return matches[0]


def chosen_codes(decision) -> list[str]:
    codes = {result.location_id: result.code for result in decision.candidates}
    return [codes[part.location_id] for part in decision.parts]
