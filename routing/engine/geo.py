"""Great-circle distances and the placement of addresses without coordinates.

VTEX sends `geoCoordinates` as [longitude, latitude], and callers sometimes
pass the pair the wrong way round. A point outside Brazil whose swapped pair
falls inside is read swapped, and the engine records a note saying so.
"""

import functools
import math
from dataclasses import dataclass

from routing.engine import messages as m
from routing.engine.postal_codes import (
    capital_of,
    place_for_city,
    place_for_postal_code,
)

EARTH_RADIUS_KM = 6371.0088

# Bounding box of Brazil including its Atlantic islands (Fernando de Noronha,
# Trindade and Martim Vaz), with a small margin.
MIN_LATITUDE, MAX_LATITUDE = -34.0, 5.5
MIN_LONGITUDE, MAX_LONGITUDE = -74.1, -28.5

COORDINATES = "coordinates"
SWAPPED_COORDINATES = "swapped_coordinates"
POSTAL_CODE_CITY = "postal_code_city"
POSTAL_CODE_STATE = "postal_code_state"
CITY = "city"
STATE = "state"

# The subjects that callers of `locate` name an address with.
CUSTOMER = "Customer"
LOCATION_PREFIX = "Location "


@dataclass(frozen=True, slots=True)
class Point:
    """A resolved position, how it was found, and a note when it was estimated.

    The note is English text that fills a template of
    `routing.engine.messages`.
    """

    latitude: float
    longitude: float
    source: str
    note: str | None = None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres between two points."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = (
        math.sin(half_dphi) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def in_brazil(latitude: float, longitude: float) -> bool:
    return (
        MIN_LATITUDE <= latitude <= MAX_LATITUDE
        and MIN_LONGITUDE <= longitude <= MAX_LONGITUDE
    )


def parse_geo_coordinates(values) -> tuple[float | None, float | None]:
    """Split VTEX's `geoCoordinates` ([longitude, latitude], possibly empty).

    Returns (latitude, longitude), or (None, None) when the list does not hold
    two numbers.
    """
    if not values or len(values) != 2:
        return None, None
    try:
        longitude, latitude = float(values[0]), float(values[1])
    except (TypeError, ValueError):
        return None, None
    return latitude, longitude


@functools.lru_cache(maxsize=8192)
def locate(
    latitude: float | None,
    longitude: float | None,
    postal_code: str,
    city: str,
    state: str,
    subject: str,
) -> Point | None:
    """Place an address: coordinates first, then postal code, city and state.

    `subject` names the address in notes: "Customer" or "Location <code>".
    A note is the English text of a message from `routing.engine.messages`,
    so pages translate it like the engine's reasons. Returns None when nothing
    is usable.
    """
    rejected = None
    if latitude is not None and longitude is not None:
        if in_brazil(latitude, longitude):
            return Point(latitude, longitude, COORDINATES)
        coordinates = {"latitude": f"{latitude:g}", "longitude": f"{longitude:g}"}
        if in_brazil(longitude, latitude):
            note = _subject_message(
                subject, m.CUSTOMER_SWAPPED, m.LOCATION_SWAPPED, **coordinates
            )
            return Point(longitude, latitude, SWAPPED_COORDINATES, note.english())
        rejected = _subject_message(
            subject, m.CUSTOMER_OUTSIDE, m.LOCATION_OUTSIDE, **coordinates
        )

    missing = rejected or _subject_message(
        subject, m.CUSTOMER_NO_COORDINATES, m.LOCATION_NO_COORDINATES
    )
    found = place_for_postal_code(postal_code)
    if found is not None:
        place, is_own_city = found
        code = m.PLACED_POSTAL_CITY if is_own_city else m.PLACED_POSTAL_CAPITAL
        source = POSTAL_CODE_CITY if is_own_city else POSTAL_CODE_STATE
        note = m.message(
            code,
            missing=missing,
            city=place.city,
            state=place.state,
            postal_code=postal_code,
        )
        return Point(place.latitude, place.longitude, source, note.english())

    place = place_for_city(city, state)
    if place is not None:
        note = m.message(
            m.PLACED_CITY, missing=missing, city=place.city, state=place.state
        )
        return Point(place.latitude, place.longitude, CITY, note.english())

    place = capital_of(state)
    if place is not None:
        note = m.message(
            m.PLACED_CAPITAL, missing=missing, city=place.city, state=place.state
        )
        return Point(place.latitude, place.longitude, STATE, note.english())
    return None


def _subject_message(
    subject: str, customer_code: str, location_code: str, **params: str
) -> m.Message:
    """Return the customer's or the location's form of a note clause.

    A subject other than "Customer" is taken as "Location <code>". Without
    that prefix, the whole subject is the code.
    """
    if subject == CUSTOMER:
        return m.message(customer_code, **params)
    code = subject.removeprefix(LOCATION_PREFIX)
    return m.message(location_code, code=code, **params)
