import pytest

from routing.engine import route
from routing.engine.geo import (
    CITY,
    COORDINATES,
    POSTAL_CODE_CITY,
    POSTAL_CODE_STATE,
    STATE,
    SWAPPED_COORDINATES,
    haversine_km,
    in_brazil,
    locate,
    parse_geo_coordinates,
)
from routing.engine.postal_codes import (
    CAPITALS,
    CITY_RANGES,
    STATE_RANGES,
    place_for_city,
    place_for_postal_code,
    state_for_postal_code,
)
from tests.routing.engine.builders import (
    PAULISTA,
    RIO,
    candidate,
    order,
    policy,
    row,
)

SAO_PAULO = CAPITALS["SP"]


def test_haversine_sao_paulo_to_rio():
    distance = haversine_km(SAO_PAULO.latitude, SAO_PAULO.longitude, *RIO)

    assert 355 < distance < 362


def test_haversine_same_point_is_zero():
    assert haversine_km(*PAULISTA, *PAULISTA) == 0


def test_vtex_geo_coordinates_land_in_sao_paulo():
    latitude, longitude = parse_geo_coordinates([-46.63, -23.55])

    assert (latitude, longitude) == (-23.55, -46.63)
    point = locate(latitude, longitude, "", "", "", "Customer")
    assert point.source == COORDINATES
    assert (
        haversine_km(
            point.latitude, point.longitude, SAO_PAULO.latitude, SAO_PAULO.longitude
        )
        < 5
    )


@pytest.mark.parametrize("values", [[], None, [-46.63], ["x", "y"]])
def test_geo_coordinates_without_two_numbers_are_missing(values):
    assert parse_geo_coordinates(values) == (None, None)


def test_swapped_coordinates_are_swapped_back():
    point = locate(-46.63, -23.55, "", "", "", "Customer")

    assert point.source == SWAPPED_COORDINATES
    assert (point.latitude, point.longitude) == (-23.55, -46.63)
    assert point.note == (
        "Customer coordinates (-46.63, -23.55) lie outside Brazil but fit when "
        "swapped, so they were read as latitude -23.55, longitude -46.63."
    )


def test_coordinates_outside_brazil_are_ignored():
    point = locate(0.0, 0.0, "20040-020", "", "", "Customer")

    assert point.source == POSTAL_CODE_CITY
    assert (point.latitude, point.longitude) == (
        CAPITALS["RJ"].latitude,
        CAPITALS["RJ"].longitude,
    )
    assert point.note.startswith("Customer coordinates (0, 0) lie outside Brazil")


def test_empty_coordinates_use_postal_code():
    latitude, longitude = parse_geo_coordinates([])

    point = locate(latitude, longitude, "13015-904", "Campinas", "SP", "Customer")

    assert point.source == POSTAL_CODE_CITY
    assert point.note == (
        "Customer has no coordinates, so it was placed at the centre of Campinas/SP "
        "from postal code 13015-904."
    )


def test_unlisted_postal_code_uses_state_capital():
    # 14780-000 is Barretos, SP, which the table has no range for.
    point = locate(None, None, "14780-000", "Barretos", "SP", "Customer")

    assert point.source == POSTAL_CODE_STATE
    assert (point.latitude, point.longitude) == (
        SAO_PAULO.latitude,
        SAO_PAULO.longitude,
    )


def test_missing_postal_code_falls_back_to_city():
    point = locate(None, None, "", "Niterói", "RJ", "Customer")

    assert point.source == CITY
    assert point.note == (
        "Customer has no coordinates, so it was placed at the centre of Niterói/RJ "
        "from the city name."
    )


def test_city_names_match_without_accents_or_case():
    assert place_for_city("  NITEROI ", "rj").city == "Niterói"


def test_unknown_city_falls_back_to_state_capital():
    point = locate(None, None, "", "Mossoró", "RN", "Customer")

    assert point.source == STATE
    assert (point.latitude, point.longitude) == (
        CAPITALS["RN"].latitude,
        CAPITALS["RN"].longitude,
    )


def test_nothing_usable_gives_no_point():
    assert locate(None, None, "", "", "", "Customer") is None


def test_route_falls_back_to_postal_code():
    decision = route(
        order(at=None, postal_code="20040-020", city="", state=""),
        [candidate(1, "rio", at=RIO), candidate(2, "sp", at=PAULISTA)],
        policy(),
    )

    assert row(decision, "rio").distance_km < 5
    assert "placed at the centre of Rio de Janeiro/RJ" in decision.reason


def test_route_distance_matches_haversine():
    decision = route(order(), [candidate(1, "rio", at=RIO)], policy())

    expected = round(haversine_km(*PAULISTA, *RIO), 3)
    assert row(decision, "rio").distance_km == expected


def test_route_falls_back_to_city():
    decision = route(
        order(at=None, postal_code="", city="Rio de Janeiro", state="RJ"),
        [candidate(1, "rio", at=RIO)],
        policy(),
    )

    assert row(decision, "rio").distance_km < 5
    assert decision.notes == (
        "Customer has no coordinates, so it was placed at the centre of Rio de "
        "Janeiro/RJ from the city name.",
    )


def test_route_reads_swapped_customer_coordinates():
    decision = route(
        order(at=(-46.6559, -23.5614)),
        [candidate(1, "paulista", at=PAULISTA)],
        policy(),
    )

    assert row(decision, "paulista").distance_km == 0
    assert "fit when swapped" in decision.reason


def test_route_places_location_by_postal_code():
    decision = route(
        order(),
        [candidate(1, "centro", at=None, postal_code="01001-000")],
        policy(),
    )

    assert row(decision, "centro").distance_km < 5
    assert decision.notes == (
        "Positions of centro come from swapped coordinates, postal code, city or "
        "state instead of their own coordinates.",
    )


def test_route_without_customer_position():
    decision = route(
        order(at=None, postal_code="", city="", state=""),
        [candidate(1, "paulista")],
        policy(),
    )

    assert decision.status == "routed"
    assert row(decision, "paulista").distance_km is None
    assert "Customer address could not be placed" in decision.reason


def test_every_state_has_a_capital():
    assert len(CAPITALS) == 27
    for state, capital in CAPITALS.items():
        assert capital.state == state
        assert in_brazil(capital.latitude, capital.longitude), state
        assert any(range_state == state for _, _, range_state in STATE_RANGES)


def test_city_ranges_sit_inside_their_state_ranges():
    for start, end, city, state in CITY_RANGES:
        assert state_for_postal_code(f"{start:05d}-000") == state, city
        assert state_for_postal_code(f"{end:05d}-999") == state, city
        assert place_for_postal_code(f"{start:05d}-000")[0].city == city


def test_state_ranges_do_not_overlap():
    ordered = sorted(STATE_RANGES)
    for (_, end, _), (start, _, _) in zip(ordered, ordered[1:], strict=False):
        assert end < start


def test_capital_postal_codes_map_to_capitals():
    for state, capital in CAPITALS.items():
        starts = [start for start, _, city, _ in CITY_RANGES if city == capital.city]
        assert starts, f"no range for {capital.city}"
        place, is_own_city = place_for_postal_code(f"{starts[0]:05d}-100")
        assert is_own_city
        assert place.state == state


@pytest.mark.parametrize(
    ("postal_code", "state"),
    [
        ("01310-100", "SP"),
        ("69900-000", "AC"),
        ("69301-000", "RR"),
        ("73000-000", "DF"),
        ("72850-000", "GO"),
        ("76801-000", "RO"),
        ("99999-999", "RS"),
        ("00999-999", None),
        ("123", None),
    ],
)
def test_state_for_postal_code(postal_code, state):
    assert state_for_postal_code(postal_code) == state
