"""Great-circle distances and the placement of addresses without coordinates.

VTEX sends `geoCoordinates` as [longitude, latitude], and callers sometimes
pass the pair the wrong way round. A point outside Brazil whose swapped pair
falls inside is read swapped, and the engine records a note saying so.
"""

import functools
import math
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Point:
    """A resolved position, how it was found, and a note when it was estimated."""

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

    `subject` names the address in notes ("Customer", "Location sp-paulista").
    Returns None when nothing is usable.
    """
    rejected_note = None
    if latitude is not None and longitude is not None:
        if in_brazil(latitude, longitude):
            return Point(latitude, longitude, COORDINATES)
        if in_brazil(longitude, latitude):
            return Point(
                longitude,
                latitude,
                SWAPPED_COORDINATES,
                f"{subject} coordinates ({latitude:g}, {longitude:g}) lie outside "
                f"Brazil but fit when swapped, so they were read as latitude "
                f"{longitude:g}, longitude {latitude:g}.",
            )
        rejected_note = (
            f"{subject} coordinates ({latitude:g}, {longitude:g}) lie outside "
            f"Brazil and were ignored"
        )

    missing = rejected_note or f"{subject} has no coordinates"
    found = place_for_postal_code(postal_code)
    if found is not None:
        place, is_own_city = found
        if is_own_city:
            centre = f"the centre of {place.city}/{place.state}"
            text = (
                f"{missing}, so it was placed at {centre} from postal code "
                f"{postal_code}."
            )
            return Point(place.latitude, place.longitude, POSTAL_CODE_CITY, text)
        capital = f"{place.city}, the capital of {place.state}"
        return Point(
            place.latitude,
            place.longitude,
            POSTAL_CODE_STATE,
            f"{missing}, so it was placed at {capital}, from postal code "
            f"{postal_code}. Distances to it are rough.",
        )

    place = place_for_city(city, state)
    if place is not None:
        centre = f"the centre of {place.city}/{place.state}"
        return Point(
            place.latitude,
            place.longitude,
            CITY,
            f"{missing}, so it was placed at {centre} from the city name.",
        )

    place = capital_of(state)
    if place is not None:
        capital = f"{place.city}, the capital of {place.state}"
        return Point(
            place.latitude,
            place.longitude,
            STATE,
            f"{missing}, so it was placed at {capital}. Distances to it are rough.",
        )
    return None
