"""The demo network from the simulator's side: where goods ship from.

VTEX picks the fulfilling warehouse at checkout. The simulator imitates a
simple version of that choice: an active store of the customer's city that
ships from store, else the nearest such store within a radius, else the
nearest distribution centre.
"""

import math
from dataclasses import dataclass
from functools import lru_cache

from franchises.demo_network import DC, ENTITIES_BY_KEY, LOCATIONS, PAUSED

# A store of another city delivers up to this far away, and a DC beyond it.
SHIP_FROM_STORE_RADIUS_KM = 60.0
# A customer picks up at a store up to this far away.
PICKUP_RADIUS_KM = 25.0
EARTH_RADIUS_KM = 6371.0

# IBGE state codes, the first two digits of an NF-e access key.
STATE_CODES = {
    "RO": "11", "AC": "12", "AM": "13", "RR": "14", "PA": "15", "AP": "16",
    "TO": "17", "MA": "21", "PI": "22", "CE": "23", "RN": "24", "PB": "25",
    "PE": "26", "AL": "27", "SE": "28", "BA": "29", "MG": "31", "ES": "32",
    "RJ": "33", "SP": "35", "PR": "41", "SC": "42", "RS": "43", "MS": "50",
    "MT": "51", "GO": "52", "DF": "53",
}  # fmt: skip


@dataclass(frozen=True)
class NetworkLocation:
    code: str
    name: str
    is_dc: bool
    latitude: float
    longitude: float
    street: str
    number: str
    neighborhood: str
    city: str
    state: str
    postal_code: str
    ships_from_store: bool
    offers_pickup: bool
    is_paused: bool
    warehouse_id: str
    dock_id: str
    pickup_point_id: str
    seller_id: str
    cnpj: str

    @property
    def state_code(self) -> str:
        return STATE_CODES[self.state]


def _from_demo(location) -> NetworkLocation:
    return NetworkLocation(
        code=location.code,
        name=location.name,
        is_dc=location.kind == DC,
        latitude=float(location.latitude),
        longitude=float(location.longitude),
        street=location.street,
        number=location.number,
        neighborhood=location.neighborhood,
        city=location.city,
        state=location.state,
        postal_code=location.postal_code,
        ships_from_store=location.ships_from_store,
        offers_pickup=location.offers_pickup,
        is_paused=location.status == PAUSED,
        warehouse_id=location.vtex_warehouse_id,
        dock_id=location.vtex_dock_id,
        pickup_point_id=location.vtex_pickup_point_id,
        seller_id=location.vtex_seller_id,
        cnpj=ENTITIES_BY_KEY[location.entity_key].cnpj,
    )


NETWORK = tuple(_from_demo(location) for location in LOCATIONS)
BY_CODE = {location.code: location for location in NETWORK}
DCS = tuple(location for location in NETWORK if location.is_dc)
SHIPPING_STORES = tuple(
    location
    for location in NETWORK
    if not location.is_dc and location.ships_from_store and not location.is_paused
)
PICKUP_STORES = tuple(
    location
    for location in NETWORK
    if location.offers_pickup and not location.is_paused
)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _nearest(candidates, latitude: float, longitude: float):
    return min(
        (
            (distance_km(latitude, longitude, c.latitude, c.longitude), c)
            for c in candidates
        ),
        key=lambda pair: pair[0],
    )


# Customers are jittered a few kilometres around a city centre, so results
# are cached on a grid of about 1 km (see `grid`) to keep generation fast.
@lru_cache(maxsize=8192)
def shipping_location(city: str, latitude: float, longitude: float) -> NetworkLocation:
    """Return the store that delivers to this customer, or the nearest DC.

    A store in the customer's own city comes first, because VTEX delivery
    areas follow postal code ranges. Otherwise the nearest store within the
    radius delivers, and beyond it the nearest distribution centre.
    """
    same_city = [store for store in SHIPPING_STORES if store.city == city]
    if same_city:
        return _nearest(same_city, latitude, longitude)[1]

    distance, store = _nearest(SHIPPING_STORES, latitude, longitude)
    if distance <= SHIP_FROM_STORE_RADIUS_KM:
        return store
    return _nearest(DCS, latitude, longitude)[1]


@lru_cache(maxsize=8192)
def pickup_location(latitude: float, longitude: float) -> NetworkLocation | None:
    """Return the nearest pickup store within the radius, or None."""
    distance, store = _nearest(PICKUP_STORES, latitude, longitude)
    return store if distance <= PICKUP_RADIUS_KM else None


def nearest_dc(latitude: float, longitude: float) -> NetworkLocation:
    return _nearest(DCS, latitude, longitude)[1]


def grid(value: float) -> float:
    """Round a coordinate to about 1 km, the key of the caches above."""
    return round(value, 2)
