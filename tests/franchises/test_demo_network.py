"""The demo network: its data, its idempotent loader, and its fit with the simulator."""

import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from franchises.cnpj import cnpj_is_valid
from franchises.demo_network import (
    DC,
    DEMO_LOGINS,
    ENTITIES_BY_KEY,
    LEGAL_ENTITIES,
    LOCATIONS,
    demo_network_load,
)
from franchises.models import LegalEntity, Location, Membership, validate_time_zone
from orders.simulator import VtexSimulator

POSTAL_CODE = re.compile(r"^\d{5}-\d{3}$")


def test_legal_entity_cnpjs_are_valid():
    for entity in LEGAL_ENTITIES:
        assert cnpj_is_valid(entity.cnpj), entity.key


def test_some_cnpjs_are_alphanumeric():
    alphanumeric = [
        entity.cnpj for entity in LEGAL_ENTITIES if not entity.cnpj[:12].isdigit()
    ]

    assert len(alphanumeric) >= 3
    for cnpj in alphanumeric:
        assert re.search(r"[A-Z]", cnpj[:12])
        assert cnpj[12:].isdigit()


def test_network_has_every_kind_of_entity():
    kinds = [entity.kind for entity in LEGAL_ENTITIES]

    assert kinds.count(LegalEntity.Kind.FRANCHISOR) == 1
    assert kinds.count(LegalEntity.Kind.FRANCHISEE) >= 12
    assert kinds.count(LegalEntity.Kind.LOGISTICS_PARTNER) >= 1


def test_locations_have_valid_places():
    for location in LOCATIONS:
        validate_time_zone(location.time_zone)
        assert POSTAL_CODE.match(location.postal_code), location.code
        assert -33.8 <= float(location.latitude) <= 5.3, location.code
        assert -74.0 <= float(location.longitude) <= -34.7, location.code


def test_network_has_stores_and_two_dcs():
    stores = [location for location in LOCATIONS if location.kind != DC]
    dcs = [location for location in LOCATIONS if location.kind == DC]

    assert len(stores) >= 40
    assert len(dcs) == 2
    assert {location.status for location in stores} == {"active", "paused", "probation"}
    assert any(location.vtex_seller_id for location in stores)


def test_dcs_belong_to_franchisor_or_logistics_partner():
    allowed = {LegalEntity.Kind.FRANCHISOR, LegalEntity.Kind.LOGISTICS_PARTNER}

    for location in LOCATIONS:
        if location.kind == DC:
            assert ENTITIES_BY_KEY[location.entity_key].kind in allowed


def test_location_codes_and_vtex_ids_are_unique():
    for field in ("code", "vtex_warehouse_id", "vtex_dock_id"):
        values = [getattr(location, field) for location in LOCATIONS]
        assert len(values) == len(set(values)), field

    pickup_points = [
        location.vtex_pickup_point_id
        for location in LOCATIONS
        if location.vtex_pickup_point_id
    ]
    assert len(pickup_points) == len(set(pickup_points))
    for location in LOCATIONS:
        assert bool(location.vtex_pickup_point_id) == location.offers_pickup


@pytest.mark.django_db
def test_loader_creates_network():
    summary = demo_network_load()

    assert summary.legal_entities_created == len(LEGAL_ENTITIES)
    assert summary.locations_created == len(LOCATIONS)
    assert LegalEntity.objects.count() == len(LEGAL_ENTITIES)
    assert Location.objects.count() == len(LOCATIONS)
    assert Location.objects.get(code="dc-jaboatao").legal_entity.kind == (
        LegalEntity.Kind.LOGISTICS_PARTNER
    )


@pytest.mark.django_db
def test_loader_creates_demo_users_and_roles():
    demo_network_load()
    users = get_user_model().objects

    hq = users.get(username="hq")
    finance = users.get(username="financeiro")
    paulista = Membership.objects.get(user__username="gerente.paulista")
    savassi = Membership.objects.get(user__username="gerente.savassi")
    assert hq.is_staff
    assert hq.is_superuser
    assert hq.memberships.get().role == Membership.Role.HQ_ADMIN
    assert finance.is_staff
    assert not finance.is_superuser
    assert finance.memberships.get().role == Membership.Role.HQ_FINANCE
    assert paulista.role == Membership.Role.STORE_MANAGER
    assert paulista.location.code == "sp-paulista"
    assert savassi.location.code == "bh-savassi"
    assert paulista.location.city != savassi.location.city


@pytest.mark.django_db
def test_demo_logins_authenticate():
    demo_network_load()

    for username, password, description in DEMO_LOGINS:
        assert authenticate(username=username, password=password), username
        assert description


@pytest.mark.django_db
def test_loader_second_run_changes_nothing():
    demo_network_load()
    stamps = dict(Location.objects.values_list("code", "updated_at"))
    history = (
        LegalEntity.history.count(),
        Location.history.count(),
        Membership.history.count(),
    )

    second = demo_network_load()

    assert not second.changed
    assert second.legal_entities_created == 0
    assert second.locations_created == 0
    assert second.users_created == 0
    assert second.memberships_created == 0
    assert dict(Location.objects.values_list("code", "updated_at")) == stamps
    assert (
        LegalEntity.history.count(),
        Location.history.count(),
        Membership.history.count(),
    ) == history


@pytest.mark.django_db
def test_loader_restores_edited_fields():
    demo_network_load()
    Location.objects.filter(code="sp-paulista").update(name="Renamed", daily_capacity=1)
    get_user_model().objects.filter(username="hq").update(is_superuser=False)

    summary = demo_network_load()

    paulista = Location.objects.get(code="sp-paulista")
    assert summary.locations_updated == 1
    assert summary.users_updated == 1
    assert paulista.name == "Serra Azul Paulista"
    assert paulista.daily_capacity == 120
    assert get_user_model().objects.get(username="hq").is_superuser


@pytest.mark.django_db
def test_load_command_prints_summary():
    output = StringIO()

    call_command("load_demo_network", stdout=output)

    assert output.getvalue().startswith(
        "Demo network loaded: legal entities: 14 created"
    )


@pytest.mark.django_db
def test_simulator_ids_exist_in_network():
    demo_network_load()
    locations = Location.objects.all()
    warehouses = {location.vtex_warehouse_id for location in locations}
    docks = {location.vtex_dock_id for location in locations}
    pickup_points = {location.vtex_pickup_point_id for location in locations} - {""}
    sellers = {location.vtex_seller_id for location in locations} - {""}
    simulator = VtexSimulator(seed=21)
    ids = simulator.generate_orders(
        1500, datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 3, tzinfo=UTC)
    )

    for order_id in ids:
        document = simulator.get_document(order_id)
        for entry in document["shippingData"]["logisticsInfo"]:
            for delivery in entry["deliveryIds"]:
                assert delivery["warehouseId"] in warehouses
                assert delivery["dockId"] in docks
            if entry["pickupPointId"]:
                # VTEX writes pickup points as "<seller>_<pickup point id>".
                pickup_point = entry["pickupPointId"].split("_", 1)[1]
                assert pickup_point in pickup_points
        for item in document["items"]:
            assert item["seller"] == "1" or item["seller"] in sellers
