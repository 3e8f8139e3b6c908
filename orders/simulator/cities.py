"""Brazilian cities where simulated customers live.

Coordinates are city centres in decimal degrees, postal codes are drawn from
the city's CEP range, and the area code (DDD) is the city's. The weight is
roughly the population in hundreds of thousands, so big cities order more.
A few cities have no store of the demo network, so their orders ship from a
distribution centre.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    state: str
    latitude: float
    longitude: float
    postal_code_min: int
    postal_code_max: int
    area_code: str
    weight: int
    neighborhoods: tuple[str, ...] = ("Centro",)
    # Customers live up to this many degrees (about 110 km each) from the
    # centre, in latitude and in longitude.
    spread: float = 0.04


# fmt: off
CITIES = (
    City("São Paulo", "SP", -23.5505, -46.6333, 1000000, 5899999, "11", 120,
         ("Vila Mariana", "Perdizes", "Mooca", "Itaim Bibi", "Butantã", "Santana"),
         spread=0.12),
    City("Rio de Janeiro", "RJ", -22.9068, -43.1729, 20000000, 23799999, "21", 67,
         ("Botafogo", "Tijuca", "Méier", "Copacabana", "Laranjeiras"),
         spread=0.2),
    City("Brasília", "DF", -15.7939, -47.8828, 70000000, 70999999, "61", 30,
         ("Asa Sul", "Asa Norte", "Sudoeste"),
         spread=0.08),
    City("Fortaleza", "CE", -3.7319, -38.5267, 60000000, 60999999, "85", 26,
         ("Aldeota", "Benfica", "Messejana"),
         spread=0.07),
    City("Salvador", "BA", -12.9714, -38.5014, 40000000, 42599999, "71", 25,
         ("Rio Vermelho", "Graça", "Itapuã"),
         spread=0.08),
    City("Belo Horizonte", "MG", -19.9167, -43.9345, 30000000, 31999999, "31", 25,
         ("Funcionários", "Buritis", "Santa Efigênia"),
         spread=0.08),
    City("Manaus", "AM", -3.1190, -60.0217, 69000000, 69099999, "92", 22,
         ("Adrianópolis", "Flores", "Aleixo"),
         spread=0.08),
    City("Curitiba", "PR", -25.4284, -49.2733, 80000000, 82999999, "41", 19,
         ("Água Verde", "Batel", "Bigorrilho"),
         spread=0.07),
    City("Recife", "PE", -8.0476, -34.8770, 50000000, 52999999, "81", 16,
         ("Boa Viagem", "Casa Forte", "Graças"),
         spread=0.06),
    City("Goiânia", "GO", -16.6869, -49.2648, 74000000, 74899999, "62", 15,
         ("Setor Oeste", "Setor Marista")),
    City("Belém", "PA", -1.4558, -48.4902, 66000000, 66999999, "91", 14,
         ("Umarizal", "Batista Campos")),
    City("Porto Alegre", "RS", -30.0346, -51.2177, 90000000, 91999999, "51", 14,
         ("Menino Deus", "Petrópolis", "Bom Fim"),
         spread=0.06),
    City("Campinas", "SP", -22.9099, -47.0626, 13000000, 13139999, "19", 12),
    City("São Luís", "MA", -2.5307, -44.3068, 65000000, 65109999, "98", 11),
    City("Maceió", "AL", -9.6658, -35.7350, 57000000, 57099999, "82", 10),
    City("Natal", "RN", -5.7945, -35.2110, 59000000, 59139999, "84", 9),
    City("Teresina", "PI", -5.0892, -42.8019, 64000000, 64099999, "86", 9),
    City("Campo Grande", "MS", -20.4697, -54.6201, 79000000, 79129999, "67", 9),
    City("João Pessoa", "PB", -7.1195, -34.8450, 58000000, 58099999, "83", 8),
    City("Ribeirão Preto", "SP", -21.1775, -47.8103, 14000000, 14114999, "16", 7),
    City("Sorocaba", "SP", -23.5015, -47.4526, 18000000, 18109999, "15", 7),
    City("Uberlândia", "MG", -18.9186, -48.2772, 38400000, 38415999, "34", 7),
    City("Cuiabá", "MT", -15.6014, -56.0979, 78000000, 78109999, "65", 6),
    City("Aracaju", "SE", -10.9472, -37.0731, 49000000, 49099999, "79", 6),
    City("Joinville", "SC", -26.3045, -48.8487, 89200000, 89239999, "47", 6),
    City("Londrina", "PR", -23.3045, -51.1696, 86000000, 86099999, "43", 6),
    City("Feira de Santana", "BA", -12.2664, -38.9663, 44000000, 44099999, "75", 6),
    City("Florianópolis", "SC", -27.5954, -48.5480, 88000000, 88099999, "48", 5),
    City("Niterói", "RJ", -22.8832, -43.1034, 24000000, 24399999, "21", 5),
    City("Juiz de Fora", "MG", -21.7642, -43.3503, 36000000, 36099999, "32", 5),
    City("Caxias do Sul", "RS", -29.1678, -51.1794, 95000000, 95124999, "54", 5),
    City("Porto Velho", "RO", -8.7612, -63.9004, 76800000, 76834999, "69", 5),
    City("Santos", "SP", -23.9608, -46.3336, 11000000, 11099999, "13", 4),
    City("Vitória", "ES", -20.3155, -40.3128, 29000000, 29099999, "27", 4),
    City("Petrolina", "PE", -9.3891, -40.5030, 56300000, 56339999, "87", 4),
    City("Boa Vista", "RR", 2.8235, -60.6758, 69300000, 69339999, "95", 4),
    City("Macapá", "AP", 0.0389, -51.0664, 68900000, 68914999, "96", 4),
    City("Palmas", "TO", -10.1840, -48.3336, 77000000, 77299999, "63", 3),
)
# fmt: on

CITY_WEIGHTS = tuple(city.weight for city in CITIES)

# Streets found in most Brazilian cities. Customers are fictional, so their
# street and number are drawn from here.
STREETS = (
    "Rua São José",
    "Avenida Brasil",
    "Rua Sete de Setembro",
    "Rua Tiradentes",
    "Rua Santos Dumont",
    "Rua Barão do Rio Branco",
    "Rua Dom Pedro II",
    "Rua das Acácias",
    "Avenida Getúlio Vargas",
    "Rua Quinze de Novembro",
)
