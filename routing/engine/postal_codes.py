"""Brazilian CEP ranges mapped to city centre coordinates.

The engine uses this table to place a customer or a location that has no
coordinates. State ranges are the Correios allocation by the first five digits
of the CEP, and city ranges cover the 27 state capitals and some large cities.
A CEP inside a city range maps to that city's centre and any other CEP maps to
its state capital, which can be hundreds of kilometres off in large states.
Coordinates are city centre points in decimal degrees (WGS 84).
"""

import bisect
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """A city centre point."""

    city: str
    state: str
    latitude: float
    longitude: float


CAPITALS: dict[str, Place] = {
    place.state: place
    for place in (
        Place("Rio Branco", "AC", -9.9749, -67.8243),
        Place("Maceió", "AL", -9.6658, -35.7353),
        Place("Macapá", "AP", 0.0349, -51.0694),
        Place("Manaus", "AM", -3.1190, -60.0217),
        Place("Salvador", "BA", -12.9714, -38.5014),
        Place("Fortaleza", "CE", -3.7319, -38.5267),
        Place("Brasília", "DF", -15.7939, -47.8828),
        Place("Vitória", "ES", -20.3155, -40.3128),
        Place("Goiânia", "GO", -16.6869, -49.2648),
        Place("São Luís", "MA", -2.5297, -44.3028),
        Place("Cuiabá", "MT", -15.6014, -56.0979),
        Place("Campo Grande", "MS", -20.4697, -54.6201),
        Place("Belo Horizonte", "MG", -19.9167, -43.9345),
        Place("Belém", "PA", -1.4558, -48.4902),
        Place("João Pessoa", "PB", -7.1195, -34.8450),
        Place("Curitiba", "PR", -25.4284, -49.2733),
        Place("Recife", "PE", -8.0476, -34.8770),
        Place("Teresina", "PI", -5.0920, -42.8038),
        Place("Rio de Janeiro", "RJ", -22.9068, -43.1729),
        Place("Natal", "RN", -5.7945, -35.2110),
        Place("Porto Alegre", "RS", -30.0346, -51.2177),
        Place("Porto Velho", "RO", -8.7612, -63.9004),
        Place("Boa Vista", "RR", 2.8235, -60.6758),
        Place("Florianópolis", "SC", -27.5954, -48.5480),
        Place("São Paulo", "SP", -23.5505, -46.6333),
        Place("Aracaju", "SE", -10.9472, -37.0731),
        Place("Palmas", "TO", -10.1840, -48.3336),
    )
}

LARGE_CITIES: tuple[Place, ...] = (
    Place("Guarulhos", "SP", -23.4538, -46.5333),
    Place("Osasco", "SP", -23.5329, -46.7917),
    Place("Santo André", "SP", -23.6639, -46.5383),
    Place("São Bernardo do Campo", "SP", -23.6914, -46.5646),
    Place("Cajamar", "SP", -23.3556, -46.8769),
    Place("Campinas", "SP", -22.9099, -47.0626),
    Place("Santos", "SP", -23.9608, -46.3336),
    Place("Ribeirão Preto", "SP", -21.1775, -47.8103),
    Place("Sorocaba", "SP", -23.5015, -47.4526),
    Place("São José dos Campos", "SP", -23.1791, -45.8872),
    Place("Niterói", "RJ", -22.8832, -43.1034),
    Place("São Gonçalo", "RJ", -22.8268, -43.0634),
    Place("Duque de Caxias", "RJ", -22.7856, -43.3117),
    Place("Contagem", "MG", -19.9320, -44.0539),
    Place("Juiz de Fora", "MG", -21.7642, -43.3503),
    Place("Uberlândia", "MG", -18.9186, -48.2772),
    Place("Feira de Santana", "BA", -12.2664, -38.9663),
    Place("Jaboatão dos Guararapes", "PE", -8.1128, -35.0147),
    Place("Londrina", "PR", -23.3045, -51.1696),
    Place("Maringá", "PR", -23.4205, -51.9333),
    Place("Joinville", "SC", -26.3045, -48.8487),
    Place("Caxias do Sul", "RS", -29.1678, -51.1794),
)

# (first prefix, last prefix, state), by the first five digits of the CEP.
STATE_RANGES: tuple[tuple[int, int, str], ...] = (
    (1000, 19999, "SP"),
    (20000, 28999, "RJ"),
    (29000, 29999, "ES"),
    (30000, 39999, "MG"),
    (40000, 48999, "BA"),
    (49000, 49999, "SE"),
    (50000, 56999, "PE"),
    (57000, 57999, "AL"),
    (58000, 58999, "PB"),
    (59000, 59999, "RN"),
    (60000, 63999, "CE"),
    (64000, 64999, "PI"),
    (65000, 65999, "MA"),
    (66000, 68899, "PA"),
    (68900, 68999, "AP"),
    (69000, 69299, "AM"),
    (69300, 69399, "RR"),
    (69400, 69899, "AM"),
    (69900, 69999, "AC"),
    (70000, 72799, "DF"),
    (72800, 72999, "GO"),
    (73000, 73699, "DF"),
    (73700, 76799, "GO"),
    (76800, 76999, "RO"),
    (77000, 77999, "TO"),
    (78000, 78899, "MT"),
    # Published CEP tables also list this block for Rondônia, and no other
    # state uses it.
    (78900, 78999, "RO"),
    (79000, 79999, "MS"),
    (80000, 87999, "PR"),
    (88000, 89999, "SC"),
    (90000, 99999, "RS"),
)

# (first prefix, last prefix, city, state), with no overlapping ranges.
CITY_RANGES: tuple[tuple[int, int, str, str], ...] = tuple(
    sorted(
        (
            (1000, 5999, "São Paulo", "SP"),
            (6000, 6299, "Osasco", "SP"),
            (7000, 7399, "Guarulhos", "SP"),
            (7750, 7799, "Cajamar", "SP"),
            (8000, 8499, "São Paulo", "SP"),
            (9000, 9299, "Santo André", "SP"),
            (9600, 9899, "São Bernardo do Campo", "SP"),
            (11000, 11249, "Santos", "SP"),
            (12200, 12249, "São José dos Campos", "SP"),
            (13000, 13139, "Campinas", "SP"),
            (14000, 14114, "Ribeirão Preto", "SP"),
            (18000, 18109, "Sorocaba", "SP"),
            (20000, 23799, "Rio de Janeiro", "RJ"),
            (24000, 24399, "Niterói", "RJ"),
            (24400, 24799, "São Gonçalo", "RJ"),
            (25000, 25499, "Duque de Caxias", "RJ"),
            (29000, 29099, "Vitória", "ES"),
            (30000, 31999, "Belo Horizonte", "MG"),
            (32000, 32399, "Contagem", "MG"),
            (36000, 36107, "Juiz de Fora", "MG"),
            (38400, 38439, "Uberlândia", "MG"),
            (40000, 42599, "Salvador", "BA"),
            (44000, 44149, "Feira de Santana", "BA"),
            (49000, 49099, "Aracaju", "SE"),
            (50000, 52999, "Recife", "PE"),
            (54000, 54499, "Jaboatão dos Guararapes", "PE"),
            (57000, 57099, "Maceió", "AL"),
            (58000, 58099, "João Pessoa", "PB"),
            (59000, 59139, "Natal", "RN"),
            (60000, 61599, "Fortaleza", "CE"),
            (64000, 64099, "Teresina", "PI"),
            (65000, 65109, "São Luís", "MA"),
            (66000, 66999, "Belém", "PA"),
            (68900, 68914, "Macapá", "AP"),
            (69000, 69099, "Manaus", "AM"),
            (69300, 69339, "Boa Vista", "RR"),
            (69900, 69924, "Rio Branco", "AC"),
            (70000, 72799, "Brasília", "DF"),
            (73000, 73699, "Brasília", "DF"),
            (74000, 74899, "Goiânia", "GO"),
            (76800, 76849, "Porto Velho", "RO"),
            (77000, 77299, "Palmas", "TO"),
            (78000, 78109, "Cuiabá", "MT"),
            (79000, 79129, "Campo Grande", "MS"),
            (80000, 82999, "Curitiba", "PR"),
            (86000, 86124, "Londrina", "PR"),
            (87000, 87109, "Maringá", "PR"),
            (88000, 88099, "Florianópolis", "SC"),
            (89200, 89239, "Joinville", "SC"),
            (90000, 91999, "Porto Alegre", "RS"),
            (95000, 95149, "Caxias do Sul", "RS"),
        )
    )
)


def normalise_name(name: str) -> str:
    """Fold a city name to lower case without accents or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


_PLACES_BY_CITY: dict[tuple[str, str], Place] = {
    (normalise_name(place.city), place.state): place
    for place in (*CAPITALS.values(), *LARGE_CITIES)
}
_STATE_STARTS = [start for start, _end, _state in STATE_RANGES]
_CITY_STARTS = [start for start, _end, _city, _state in CITY_RANGES]


def cep_prefix(postal_code: str) -> int | None:
    """Return the first five digits of a CEP as an integer, or None if too short."""
    digits = "".join(char for char in postal_code if char.isdigit())
    if len(digits) < 5:
        return None
    return int(digits[:5])


def state_for_postal_code(postal_code: str) -> str | None:
    """Return the state (UF) a CEP belongs to, or None when it is not a CEP."""
    prefix = cep_prefix(postal_code)
    if prefix is None:
        return None
    position = bisect.bisect_right(_STATE_STARTS, prefix) - 1
    if position < 0:
        return None
    _start, end, state = STATE_RANGES[position]
    return state if prefix <= end else None


def place_for_postal_code(postal_code: str) -> tuple[Place, bool] | None:
    """Return the centre point for a CEP and whether it is the CEP's own city.

    The flag is False when only the state is known and the point is its capital.
    """
    prefix = cep_prefix(postal_code)
    if prefix is None:
        return None
    position = bisect.bisect_right(_CITY_STARTS, prefix) - 1
    if position >= 0:
        _start, end, city, state = CITY_RANGES[position]
        if prefix <= end:
            return _PLACES_BY_CITY[(normalise_name(city), state)], True
    state = state_for_postal_code(postal_code)
    if state is None:
        return None
    return CAPITALS[state], False


def place_for_city(city: str, state: str) -> Place | None:
    """Return the centre of a listed city, given the state as its two-letter UF."""
    return _PLACES_BY_CITY.get((normalise_name(city), state.strip().upper()))


def capital_of(state: str) -> Place | None:
    return CAPITALS.get(state.strip().upper())
