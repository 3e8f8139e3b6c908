"""factory_boy factories for the network and for users with their roles."""

import factory
from django.contrib.auth.models import User

from franchises.cnpj import FIRST_WEIGHTS, SECOND_WEIGHTS, cnpj_check_digit
from franchises.models import LegalEntity, Location, Membership


def make_cnpj(n: int) -> str:
    """A valid numeric CNPJ built from a sequence number."""
    base = f"{n:08d}0001"
    first = cnpj_check_digit(base, FIRST_WEIGHTS)
    second = cnpj_check_digit(base + str(first), SECOND_WEIGHTS)
    return f"{base}{first}{second}"


class LegalEntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalEntity

    cnpj = factory.Sequence(lambda n: make_cnpj(n + 1000))
    legal_name = factory.Sequence(lambda n: f"Franquia {n} Ltda")
    trade_name = factory.Sequence(lambda n: f"Franquia {n}")
    kind = LegalEntity.Kind.FRANCHISEE


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    code = factory.Sequence(lambda n: f"loja-{n:03d}")
    name = factory.Sequence(lambda n: f"Loja {n}")
    kind = Location.Kind.STORE
    legal_entity = factory.SubFactory(LegalEntityFactory)
    city = "São Paulo"
    state = "SP"
    postal_code = "01310-100"
    latitude = "-23.561414"
    longitude = "-46.655881"
    daily_capacity = 50
    ships_from_store = True
    offers_pickup = True
    vtex_warehouse_id = factory.Sequence(lambda n: f"wh-{n:03d}")
    vtex_dock_id = factory.Sequence(lambda n: f"dock-{n:03d}")
    vtex_pickup_point_id = factory.Sequence(lambda n: f"pp-{n:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("senha-de-teste")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.STORE_MANAGER
    location = factory.SubFactory(LocationFactory)
