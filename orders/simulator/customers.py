"""Fictional buyers: names, CPF/CNPJ with valid check digits, e-mail, address."""

import random
from dataclasses import dataclass

from franchises.demo_network import cnpj_with_check_digits
from orders.simulator.cities import CITIES, CITY_WEIGHTS, STREETS, City

FIRST_NAMES = (
    "Ana", "Beatriz", "Camila", "Daniela", "Fernanda", "Gabriela", "Juliana",
    "Larissa", "Mariana", "Patrícia", "Renata", "Tatiane", "André", "Bruno",
    "Carlos", "Diego", "Eduardo", "Felipe", "Gustavo", "Henrique", "João",
    "Lucas", "Marcelo", "Rafael", "Thiago", "Vinícius",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves",
    "Pereira", "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho",
    "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa",
)  # fmt: skip
COMPANY_WORDS = (
    "Alfa", "Horizonte", "Aroeira", "Ipê", "Jequitibá", "Cambará", "Itaúna",
    "Boa Vista", "Primavera", "Atlântico",
)  # fmt: skip
COMPANY_KINDS = ("Eventos", "Consultoria", "Hotelaria", "Buffet", "Engenharia")

# Share of buyers whose e-mail VTEX masks (the rest show a plain address),
# and share of corporate buyers.
MASKED_EMAIL_RATE = 0.7
CORPORATE_RATE = 0.03


@dataclass(frozen=True)
class Address:
    city: City
    postal_code: str
    street: str
    number: str
    neighborhood: str
    complement: str
    # [longitude, latitude] as VTEX writes it, or empty when VTEX has no point.
    geo_coordinates: list

    @property
    def latitude(self) -> float:
        return self.geo_coordinates[1] if self.geo_coordinates else self.city.latitude

    @property
    def longitude(self) -> float:
        return self.geo_coordinates[0] if self.geo_coordinates else self.city.longitude


@dataclass(frozen=True)
class Customer:
    first_name: str
    last_name: str
    email: str
    document: str
    phone: str
    profile_id: str
    address: Address
    corporate_name: str | None = None
    trade_name: str | None = None
    corporate_document: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_corporate(self) -> bool:
        return self.corporate_document is not None


def cpf_with_check_digits(base: str) -> str:
    """Append the two mod-11 check digits to a 9-digit CPF base."""
    digits = [int(char) for char in base]
    for length in (9, 10):
        total = sum(
            d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=True)
        )
        remainder = total * 10 % 11
        digits.append(0 if remainder == 10 else remainder)
    return "".join(str(d) for d in digits)


def _hex(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(length * 4):0{length}x}"


def _email(rng: random.Random, first: str, last: str) -> str:
    if rng.random() < MASKED_EMAIL_RATE:
        # VTEX's masked alias: 32 hex characters, a dash and a short tag.
        alias = _hex(rng, 32)
        tag = f"{rng.randrange(1, 99)}{rng.choice('abcdef')}"
        return f"{alias}-{tag}@ct.vtex.com.br"
    plain = f"{first}.{last}{rng.randrange(1, 999)}".lower()
    plain = plain.translate(str.maketrans("áâãéêíóôõúç", "aaaeeiooouc"))
    return f"{plain}@example.com"


def _address(rng: random.Random, city: City) -> Address:
    postal = rng.randrange(city.postal_code_min, city.postal_code_max + 1)
    # About 3 % of addresses have no point, as VTEX sends `[]`.
    if rng.random() < 0.03:
        coordinates = []
    else:
        coordinates = [
            round(city.longitude + rng.uniform(-city.spread, city.spread), 7),
            round(city.latitude + rng.uniform(-city.spread, city.spread), 7),
        ]
    complement = rng.choice(("", "", f"Apto {rng.randrange(11, 1204)}", "Casa 2"))
    return Address(
        city=city,
        postal_code=f"{postal // 1000:05d}-{postal % 1000:03d}",
        street=rng.choice(STREETS),
        number=str(rng.randrange(1, 3000)),
        neighborhood=rng.choice(city.neighborhoods),
        complement=complement,
        geo_coordinates=coordinates,
    )


def _company(rng: random.Random) -> tuple[str, str, str]:
    trade = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
    base = f"{rng.randrange(10_000_000, 99_999_999)}0001"
    return f"{trade} Ltda", trade, cnpj_with_check_digits(base)


def draw_customer(rng: random.Random) -> Customer:
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    city = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
    corporate = _company(rng) if rng.random() < CORPORATE_RATE else (None, None, None)
    return Customer(
        first_name=first,
        last_name=last,
        email=_email(rng, first, last),
        document=cpf_with_check_digits(f"{rng.randrange(100_000_000, 999_999_999)}"),
        phone=f"+55{city.area_code}9{rng.randrange(10_000_000, 99_999_999)}",
        profile_id=(
            f"{_hex(rng, 8)}-{_hex(rng, 4)}-4{_hex(rng, 3)}-"
            f"{rng.choice('89ab')}{_hex(rng, 3)}-{_hex(rng, 12)}"
        ),
        address=_address(rng, city),
        corporate_name=corporate[0],
        trade_name=corporate[1],
        corporate_document=corporate[2],
    )
