"""The demo franchise network: a gourmet emporium chain across Brazil.

The data is plain Python so that the bundled VTEX simulator can name the same
warehouses, docks, pickup points and sellers without a database. The only
function that writes is `demo_network_load`, which is idempotent: a second run
finds every row as it left it and saves nothing.

Coordinates are neighbourhood or city centre points, postal codes carry the
city's real CEP prefix, and time zones follow the IANA zone of each state.
CNPJs are made up and get their check digits from `franchises.cnpj`; four of
them use the alphanumeric form issued from July 2026.
"""

from dataclasses import dataclass

from django.db import transaction

from franchises.cnpj import FIRST_WEIGHTS, SECOND_WEIGHTS, cnpj_check_digit


def cnpj_with_check_digits(base: str) -> str:
    """Append the two check digits to a 12-character CNPJ base."""
    first = cnpj_check_digit(base, FIRST_WEIGHTS)
    second = cnpj_check_digit(base + str(first), SECOND_WEIGHTS)
    return f"{base}{first}{second}"


@dataclass(frozen=True)
class DemoLegalEntity:
    key: str
    cnpj: str
    legal_name: str
    trade_name: str
    kind: str
    bank_code: str
    bank_branch: str
    bank_account: str

    @property
    def payment_account_id(self) -> str:
        return f"re_demo_{self.key}"


@dataclass(frozen=True)
class DemoLocation:
    code: str
    name: str
    kind: str
    entity_key: str
    city: str
    state: str
    time_zone: str
    neighborhood: str
    street: str
    number: str
    postal_code: str
    latitude: str
    longitude: str
    daily_capacity: int
    concurrent_capacity: int
    ships_from_store: bool
    offers_pickup: bool
    receives_returns: bool
    status: str
    vtex_warehouse_id: str
    vtex_dock_id: str
    vtex_pickup_point_id: str
    vtex_seller_id: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    first_name: str
    last_name: str
    role: str
    location_code: str
    is_staff: bool
    is_superuser: bool
    description: str


def _entity(key, base, legal_name, trade_name, kind, bank):
    bank_code, bank_branch, bank_account = bank
    return DemoLegalEntity(
        key=key,
        cnpj=cnpj_with_check_digits(base),
        legal_name=legal_name,
        trade_name=trade_name,
        kind=kind,
        bank_code=bank_code,
        bank_branch=bank_branch,
        bank_account=bank_account,
    )


FRANCHISOR = "franchisor"
FRANCHISEE = "franchisee"
LOGISTICS_PARTNER = "logistics_partner"

# Bank codes are real COMPE numbers, for example 001 for Banco do Brasil and
# 341 for Itaú. Branches and accounts are invented.
LEGAL_ENTITIES = (
    _entity(
        "serra-azul",
        "318574260001",
        "Empório Serra Azul Franquias S.A.",
        "Serra Azul",
        FRANCHISOR,
        ("341", "0912", "45871-3"),
    ),
    _entity(
        "rota-nordeste",
        "279046130001",
        "Rota Nordeste Logística e Armazéns Gerais Ltda",
        "Rota Nordeste Log",
        LOGISTICS_PARTNER,
        ("237", "3381", "120455-0"),
    ),
    _entity(
        "paulistana",
        "362915870001",
        "Paulistana Empórios Ltda",
        "Serra Azul Paulistana",
        FRANCHISEE,
        ("341", "1540", "33017-8"),
    ),
    _entity(
        "interior-paulista",
        "SA2K7P310001",
        "Interior Paulista Comércio de Alimentos Ltda",
        "Serra Azul Interior",
        FRANCHISEE,
        ("033", "4471", "13002219-4"),
    ),
    _entity(
        "carioca",
        "295538140001",
        "Carioca Sabores Comércio Ltda",
        "Serra Azul Rio",
        FRANCHISEE,
        ("001", "2234", "78231-X"),
    ),
    _entity(
        "minas-gourmet",
        "348826070001",
        "Minas Gourmet Comércio de Alimentos Ltda",
        "Serra Azul Minas",
        FRANCHISEE,
        ("104", "0087", "2210-5"),
    ),
    _entity(
        "sul-emporios",
        "402117650001",
        "Sul Empórios Comércio Ltda",
        "Serra Azul Sul",
        FRANCHISEE,
        ("260", "0001", "8812736-1"),
    ),
    _entity(
        "gaucha",
        "R9TQ4M080001",
        "Gaúcha Delicatessen Ltda",
        "Serra Azul Porto Alegre",
        FRANCHISEE,
        ("237", "0410", "99127-2"),
    ),
    _entity(
        "bahia",
        "267439010001",
        "Bahia Empório de Alimentos Ltda",
        "Serra Azul Bahia",
        FRANCHISEE,
        ("001", "3064", "41120-7"),
    ),
    _entity(
        "pernambuco",
        "X3NB6C120001",
        "Pernambuco Gourmet Comércio Ltda",
        "Serra Azul Nordeste",
        FRANCHISEE,
        ("077", "0001", "5523190-4"),
    ),
    _entity(
        "ceara",
        "381905520001",
        "Ceará Sabores Comércio de Alimentos Ltda",
        "Serra Azul Ceará",
        FRANCHISEE,
        ("104", "1559", "1033-8"),
    ),
    _entity(
        "planalto",
        "224580930001",
        "Planalto Empórios Ltda",
        "Serra Azul Planalto",
        FRANCHISEE,
        ("001", "1607", "66019-1"),
    ),
    _entity(
        "amazonia",
        "415267880001",
        "Amazônia Gourmet Comércio Ltda",
        "Serra Azul Norte",
        FRANCHISEE,
        ("341", "6633", "20481-6"),
    ),
    _entity(
        "pantanal",
        "P7LD2W450001",
        "Pantanal Empórios Comércio Ltda",
        "Serra Azul Pantanal",
        FRANCHISEE,
        ("033", "2980", "13000871-2"),
    ),
)

STORE = "store"
DC = "dc"
ACTIVE = "active"
PAUSED = "paused"
PROBATION = "probation"

# State and IANA time zone of each city in the network. Maranhão follows
# America/Fortaleza and Sergipe follows America/Maceio.
CITIES = {
    "São Paulo": ("SP", "America/Sao_Paulo"),
    "Santos": ("SP", "America/Sao_Paulo"),
    "Campinas": ("SP", "America/Sao_Paulo"),
    "Ribeirão Preto": ("SP", "America/Sao_Paulo"),
    "Sorocaba": ("SP", "America/Sao_Paulo"),
    "Cajamar": ("SP", "America/Sao_Paulo"),
    "Rio de Janeiro": ("RJ", "America/Sao_Paulo"),
    "Niterói": ("RJ", "America/Sao_Paulo"),
    "Vitória": ("ES", "America/Sao_Paulo"),
    "Belo Horizonte": ("MG", "America/Sao_Paulo"),
    "Uberlândia": ("MG", "America/Sao_Paulo"),
    "Curitiba": ("PR", "America/Sao_Paulo"),
    "Londrina": ("PR", "America/Sao_Paulo"),
    "Joinville": ("SC", "America/Sao_Paulo"),
    "Florianópolis": ("SC", "America/Sao_Paulo"),
    "Porto Alegre": ("RS", "America/Sao_Paulo"),
    "Salvador": ("BA", "America/Bahia"),
    "Feira de Santana": ("BA", "America/Bahia"),
    "Aracaju": ("SE", "America/Maceio"),
    "Recife": ("PE", "America/Recife"),
    "Jaboatão dos Guararapes": ("PE", "America/Recife"),
    "João Pessoa": ("PB", "America/Fortaleza"),
    "Maceió": ("AL", "America/Maceio"),
    "Fortaleza": ("CE", "America/Fortaleza"),
    "Natal": ("RN", "America/Fortaleza"),
    "São Luís": ("MA", "America/Fortaleza"),
    "Brasília": ("DF", "America/Sao_Paulo"),
    "Goiânia": ("GO", "America/Sao_Paulo"),
    "Manaus": ("AM", "America/Manaus"),
    "Belém": ("PA", "America/Belem"),
    "Porto Velho": ("RO", "America/Porto_Velho"),
    "Campo Grande": ("MS", "America/Campo_Grande"),
    "Cuiabá": ("MT", "America/Cuiaba"),
}


def _location(
    code,
    name,
    entity_key,
    city,
    address,
    coordinates,
    daily_capacity,
    *,
    kind=STORE,
    ships=True,
    pickup=True,
    returns=True,
    status=ACTIVE,
    seller="",
):
    neighborhood, street, number, postal_code = address
    latitude, longitude = coordinates
    state, time_zone = CITIES[city]
    return DemoLocation(
        code=code,
        name=name,
        kind=kind,
        entity_key=entity_key,
        city=city,
        state=state,
        time_zone=time_zone,
        neighborhood=neighborhood,
        street=street,
        number=number,
        postal_code=postal_code,
        latitude=latitude,
        longitude=longitude,
        daily_capacity=daily_capacity,
        # A store works on a few open orders at once, but a DC has no limit (0).
        concurrent_capacity=0 if kind == DC else max(daily_capacity // 4, 3),
        ships_from_store=ships,
        offers_pickup=pickup and kind == STORE,
        receives_returns=returns,
        status=status,
        vtex_warehouse_id=f"wh-{code}",
        vtex_dock_id=f"dk-{code}",
        vtex_pickup_point_id=f"pp-{code}" if pickup and kind == STORE else "",
        vtex_seller_id=seller,
    )


# fmt: off
LOCATIONS = (
    # Distribution centres: the franchisor's own and the logistics partner's.
    _location("dc-cajamar", "CD Cajamar", "serra-azul", "Cajamar",
              ("Jordanésia", "Rodovia Anhanguera", "km 35", "07750-000"),
              ("-23.356000", "-46.877000"), 2400, kind=DC, pickup=False),
    _location("dc-jaboatao", "CD Jaboatão", "rota-nordeste", "Jaboatão dos Guararapes",
              ("Prazeres", "Rodovia BR-101 Sul", "5225", "54345-160"),
              ("-8.113000", "-35.015000"), 1200, kind=DC, pickup=False),
    # Stores of the franchisor.
    _location("sp-paulista", "Serra Azul Paulista", "serra-azul", "São Paulo",
              ("Bela Vista", "Avenida Paulista", "1578", "01310-200"),
              ("-23.561414", "-46.655881"), 120),
    _location("sp-pinheiros", "Serra Azul Pinheiros", "serra-azul", "São Paulo",
              ("Pinheiros", "Rua dos Pinheiros", "812", "05422-001"),
              ("-23.567300", "-46.692900"), 90),
    _location("sp-moema", "Serra Azul Moema", "serra-azul", "São Paulo",
              ("Moema", "Avenida Ibirapuera", "2927", "04029-200"),
              ("-23.600600", "-46.665000"), 80),
    # Paulistana Empórios.
    _location("sp-tatuape", "Serra Azul Tatuapé", "paulistana", "São Paulo",
              ("Tatuapé", "Rua Tuiuti", "2104", "03307-005"),
              ("-23.540000", "-46.576000"), 70),
    _location("sp-santana", "Serra Azul Santana", "paulistana", "São Paulo",
              ("Santana", "Rua Voluntários da Pátria", "1860", "02011-300"),
              ("-23.502000", "-46.625000"), 50, ships=False),
    _location("santos-gonzaga", "Serra Azul Gonzaga", "paulistana", "Santos",
              ("Gonzaga", "Avenida Ana Costa", "431", "11060-003"),
              ("-23.967000", "-46.333000"), 45),
    # Interior Paulista.
    _location("campinas-cambui", "Serra Azul Cambuí", "interior-paulista", "Campinas",
              ("Cambuí", "Rua Coronel Quirino", "1122", "13025-002"),
              ("-22.895000", "-47.053000"), 60),
    _location("ribeirao-centro", "Serra Azul Ribeirão Preto", "interior-paulista",
              "Ribeirão Preto",
              ("Centro", "Rua General Osório", "506", "14010-000"),
              ("-21.178000", "-47.810000"), 40),
    _location("sorocaba-centro", "Serra Azul Sorocaba", "interior-paulista", "Sorocaba",
              ("Centro", "Rua XV de Novembro", "233", "18010-080"),
              ("-23.501500", "-47.452600"), 35, pickup=False),
    # Carioca Sabores.
    _location("rj-copacabana", "Serra Azul Copacabana", "carioca", "Rio de Janeiro",
              ("Copacabana", "Avenida Nossa Senhora de Copacabana", "749",
               "22050-002"),
              ("-22.971100", "-43.182200"), 100, seller="serraazulcopacabana"),
    _location("rj-barra", "Serra Azul Barra", "carioca", "Rio de Janeiro",
              ("Barra da Tijuca", "Avenida das Américas", "4666", "22640-102"),
              ("-23.000400", "-43.365900"), 90),
    _location("rj-tijuca", "Serra Azul Tijuca", "carioca", "Rio de Janeiro",
              ("Tijuca", "Rua Conde de Bonfim", "346", "20520-053"),
              ("-22.925000", "-43.233000"), 50, status=PAUSED),
    _location("niteroi-icarai", "Serra Azul Icaraí", "carioca", "Niterói",
              ("Icaraí", "Rua Gavião Peixoto", "182", "24230-101"),
              ("-22.905000", "-43.108000"), 40),
    _location("vitoria-praia-do-canto", "Serra Azul Praia do Canto", "carioca",
              "Vitória",
              ("Praia do Canto", "Rua Aleixo Netto", "1060", "29055-260"),
              ("-20.295000", "-40.293000"), 35),
    # Minas Gourmet.
    _location("bh-savassi", "Serra Azul Savassi", "minas-gourmet", "Belo Horizonte",
              ("Savassi", "Rua Pernambuco", "1077", "30130-151"),
              ("-19.937000", "-43.934000"), 90, seller="serraazulsavassi"),
    _location("bh-pampulha", "Serra Azul Pampulha", "minas-gourmet", "Belo Horizonte",
              ("Pampulha", "Avenida Otacílio Negrão de Lima", "3400", "31365-450"),
              ("-19.851000", "-43.970000"), 45, pickup=False),
    _location("uberlandia-centro", "Serra Azul Uberlândia", "minas-gourmet",
              "Uberlândia",
              ("Centro", "Avenida Afonso Pena", "585", "38400-128"),
              ("-18.918600", "-48.277200"), 35),
    # Sul Empórios.
    _location("curitiba-batel", "Serra Azul Batel", "sul-emporios", "Curitiba",
              ("Batel", "Avenida do Batel", "1868", "80420-090"),
              ("-25.442000", "-49.289000"), 80),
    _location("curitiba-centro", "Serra Azul Curitiba Centro", "sul-emporios",
              "Curitiba",
              ("Centro", "Rua XV de Novembro", "700", "80020-310"),
              ("-25.429600", "-49.271300"), 50),
    _location("londrina-centro", "Serra Azul Londrina", "sul-emporios", "Londrina",
              ("Centro", "Avenida Higienópolis", "1100", "86020-080"),
              ("-23.310000", "-51.162000"), 30, status=PROBATION),
    _location("joinville-centro", "Serra Azul Joinville", "sul-emporios", "Joinville",
              ("Centro", "Rua do Príncipe", "330", "89201-001"),
              ("-26.304000", "-48.846000"), 30),
    _location("floripa-centro", "Serra Azul Florianópolis", "sul-emporios",
              "Florianópolis",
              ("Centro", "Rua Felipe Schmidt", "515", "88010-001"),
              ("-27.596000", "-48.549000"), 45),
    # Gaúcha Delicatessen.
    _location("poa-moinhos", "Serra Azul Moinhos", "gaucha", "Porto Alegre",
              ("Moinhos de Vento", "Rua Padre Chagas", "342", "90570-080"),
              ("-30.025000", "-51.203000"), 70, seller="serraazulmoinhos"),
    _location("poa-centro", "Serra Azul Porto Alegre Centro", "gaucha",
              "Porto Alegre",
              ("Centro Histórico", "Rua dos Andradas", "1234", "90020-008"),
              ("-30.027700", "-51.228700"), 45),
    # Bahia Empório.
    _location("salvador-barra", "Serra Azul Barra Salvador", "bahia", "Salvador",
              ("Barra", "Avenida Sete de Setembro", "3713", "40140-110"),
              ("-13.009500", "-38.532000"), 60),
    _location("salvador-pituba", "Serra Azul Pituba", "bahia", "Salvador",
              ("Pituba", "Avenida Manoel Dias da Silva", "1211", "41830-000"),
              ("-13.000000", "-38.458000"), 55),
    _location("feira-centro", "Serra Azul Feira de Santana", "bahia",
              "Feira de Santana",
              ("Centro", "Avenida Getúlio Vargas", "640", "44025-010"),
              ("-12.266400", "-38.966300"), 25, ships=False),
    _location("aracaju-centro", "Serra Azul Aracaju", "bahia", "Aracaju",
              ("Centro", "Rua João Pessoa", "120", "49010-130"),
              ("-10.947200", "-37.073100"), 25),
    # Pernambuco Gourmet.
    _location("recife-boa-viagem", "Serra Azul Boa Viagem", "pernambuco", "Recife",
              ("Boa Viagem", "Avenida Conselheiro Aguiar", "2738", "51020-020"),
              ("-8.119000", "-34.901000"), 80, seller="serraazulboaviagem"),
    _location("joao-pessoa-tambau", "Serra Azul Tambaú", "pernambuco", "João Pessoa",
              ("Tambaú", "Avenida Nossa Senhora dos Navegantes", "600", "58039-110"),
              ("-7.115000", "-34.823000"), 30),
    _location("maceio-ponta-verde", "Serra Azul Ponta Verde", "pernambuco", "Maceió",
              ("Ponta Verde", "Avenida Álvaro Otacílio", "3500", "57035-180"),
              ("-9.664000", "-35.702000"), 30),
    # Ceará Sabores.
    _location("fortaleza-aldeota", "Serra Azul Aldeota", "ceara", "Fortaleza",
              ("Aldeota", "Avenida Dom Luís", "500", "60160-230"),
              ("-3.737000", "-38.505000"), 70),
    _location("fortaleza-meireles", "Serra Azul Meireles", "ceara", "Fortaleza",
              ("Meireles", "Avenida Beira Mar", "3100", "60165-121"),
              ("-3.725000", "-38.496000"), 40, ships=False),
    _location("natal-ponta-negra", "Serra Azul Ponta Negra", "ceara", "Natal",
              ("Ponta Negra", "Avenida Engenheiro Roberto Freire", "8790",
               "59090-000"),
              ("-5.878000", "-35.177000"), 30),
    _location("sao-luis-centro", "Serra Azul São Luís", "ceara", "São Luís",
              ("Centro", "Rua Grande", "410", "65020-250"),
              ("-2.530700", "-44.306800"), 25, status=PROBATION),
    # Planalto Empórios.
    _location("brasilia-asa-sul", "Serra Azul Asa Sul", "planalto", "Brasília",
              ("Asa Sul", "SCLS 405 Bloco B", "12", "70239-520"),
              ("-15.810000", "-47.895000"), 80),
    _location("brasilia-asa-norte", "Serra Azul Asa Norte", "planalto", "Brasília",
              ("Asa Norte", "SCLN 206 Bloco A", "30", "70844-510"),
              ("-15.770000", "-47.880000"), 60),
    _location("goiania-bueno", "Serra Azul Setor Bueno", "planalto", "Goiânia",
              ("Setor Bueno", "Avenida T-10", "1200", "74223-060"),
              ("-16.705000", "-49.270000"), 50),
    # Amazônia Gourmet.
    _location("manaus-adrianopolis", "Serra Azul Adrianópolis", "amazonia", "Manaus",
              ("Adrianópolis", "Rua Pará", "520", "69057-020"),
              ("-3.100000", "-60.015000"), 50),
    _location("belem-nazare", "Serra Azul Nazaré", "amazonia", "Belém",
              ("Nazaré", "Avenida Nazaré", "1020", "66035-170"),
              ("-1.452000", "-48.485000"), 45),
    _location("porto-velho-centro", "Serra Azul Porto Velho", "amazonia",
              "Porto Velho",
              ("Centro", "Avenida Sete de Setembro", "870", "76801-096"),
              ("-8.761200", "-63.900400"), 20, pickup=False),
    # Pantanal Empórios.
    _location("campo-grande-centro", "Serra Azul Campo Grande", "pantanal",
              "Campo Grande",
              ("Centro", "Rua 14 de Julho", "2200", "79002-333"),
              ("-20.463000", "-54.616000"), 35),
    _location("cuiaba-centro", "Serra Azul Cuiabá", "pantanal", "Cuiabá",
              ("Centro Norte", "Avenida Getúlio Vargas", "700", "78005-600"),
              ("-15.596000", "-56.096000"), 30),
)
# fmt: on

HQ_ADMIN = "hq_admin"
HQ_OPS = "hq_ops"
HQ_FINANCE = "hq_finance"
STORE_MANAGER = "store_manager"

# Demo-only passwords, which `manage.py demo` prints. Use them nowhere else.
USERS = (
    DemoUser(
        username="hq",
        password="ponte-hq",  # noqa: S106
        first_name="Helena",
        last_name="Quaresma",
        role=HQ_ADMIN,
        location_code="",
        is_staff=True,
        is_superuser=True,
        description="HQ administrator, also a Django admin superuser",
    ),
    DemoUser(
        username="operacoes",
        password="ponte-operacoes",  # noqa: S106
        first_name="Otávio",
        last_name="Pereira",
        role=HQ_OPS,
        location_code="",
        is_staff=True,
        is_superuser=False,
        description="HQ operations: routing policies and exception queue",
    ),
    DemoUser(
        username="financeiro",
        password="ponte-financeiro",  # noqa: S106
        first_name="Fernanda",
        last_name="Nogueira",
        role=HQ_FINANCE,
        location_code="",
        is_staff=True,
        is_superuser=False,
        description="HQ finance: contracts, periods and payout statements",
    ),
    DemoUser(
        username="gerente.paulista",
        password="ponte-paulista",  # noqa: S106
        first_name="Paulo",
        last_name="Siqueira",
        role=STORE_MANAGER,
        location_code="sp-paulista",
        is_staff=False,
        is_superuser=False,
        description="Manager of Serra Azul Paulista (São Paulo)",
    ),
    DemoUser(
        username="gerente.savassi",
        password="ponte-savassi",  # noqa: S106
        first_name="Sabrina",
        last_name="Vasconcelos",
        role=STORE_MANAGER,
        location_code="bh-savassi",
        is_staff=False,
        is_superuser=False,
        description="Manager of Serra Azul Savassi (Belo Horizonte)",
    ),
)

DEMO_LOGINS = [(user.username, user.password, user.description) for user in USERS]

ENTITIES_BY_KEY = {entity.key: entity for entity in LEGAL_ENTITIES}
LOCATIONS_BY_CODE = {location.code: location for location in LOCATIONS}


@dataclass
class DemoNetworkSummary:
    """Rows created and updated by one `demo_network_load` run, per model."""

    legal_entities_created: int = 0
    legal_entities_updated: int = 0
    locations_created: int = 0
    locations_updated: int = 0
    users_created: int = 0
    users_updated: int = 0
    memberships_created: int = 0

    @property
    def changed(self) -> bool:
        return any(value for value in vars(self).values())

    def __str__(self) -> str:
        return (
            f"legal entities: {self.legal_entities_created} created, "
            f"{self.legal_entities_updated} updated; "
            f"locations: {self.locations_created} created, "
            f"{self.locations_updated} updated; "
            f"users: {self.users_created} created, {self.users_updated} updated; "
            f"memberships: {self.memberships_created} created"
        )


def _upsert(model, lookup: dict, values: dict) -> tuple[object, str]:
    """Create the row, or save it only when a field differs.

    Saving an unchanged row would still bump `updated_at` and add a history
    record, so a second load would not be a no-op.
    """
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        return model.objects.create(**lookup, **values), "created"

    changed = [
        name for name, value in values.items() if _differs(instance, name, value)
    ]
    if not changed:
        return instance, "unchanged"

    for name in changed:
        setattr(instance, name, values[name])
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        changed.append("updated_at")
    instance.save(update_fields=changed)
    return instance, "updated"


def _differs(instance, name: str, value) -> bool:
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) != value.pk
    return getattr(instance, name) != field.to_python(value)


def _load_legal_entities(summary: DemoNetworkSummary) -> dict:
    from franchises.models import LegalEntity

    by_key = {}
    for entity in LEGAL_ENTITIES:
        values = {
            "legal_name": entity.legal_name,
            "trade_name": entity.trade_name,
            "kind": entity.kind,
            "bank_code": entity.bank_code,
            "bank_branch": entity.bank_branch,
            "bank_account": entity.bank_account,
            "pix_key": entity.cnpj,
            "payment_account_id": entity.payment_account_id,
        }
        row, outcome = _upsert(LegalEntity, {"cnpj": entity.cnpj}, values)
        by_key[entity.key] = row
        _count(summary, "legal_entities", outcome)
    return by_key


def _load_locations(summary: DemoNetworkSummary, entities: dict) -> dict:
    from franchises.models import Location

    by_code = {}
    for location in LOCATIONS:
        values = {
            field: getattr(location, field)
            for field in DemoLocation.__dataclass_fields__
            if field not in ("code", "entity_key")
        }
        values["legal_entity"] = entities[location.entity_key]
        row, outcome = _upsert(Location, {"code": location.code}, values)
        by_code[location.code] = row
        _count(summary, "locations", outcome)
    return by_code


def _load_users(summary: DemoNetworkSummary, locations: dict) -> None:
    from django.contrib.auth import get_user_model

    from franchises.models import Membership

    user_model = get_user_model()
    for demo_user in USERS:
        values = {
            "first_name": demo_user.first_name,
            "last_name": demo_user.last_name,
            "email": f"{demo_user.username}@demo.ponte.example",
            "is_staff": demo_user.is_staff,
            "is_superuser": demo_user.is_superuser,
            "is_active": True,
        }
        user, outcome = _upsert(user_model, {"username": demo_user.username}, values)
        # set_password salts the hash, so it runs only when the password differs.
        if not user.check_password(demo_user.password):
            user.set_password(demo_user.password)
            user.save(update_fields=["password"])
            outcome = outcome if outcome == "created" else "updated"
        _count(summary, "users", outcome)

        location = locations.get(demo_user.location_code)
        _, created = Membership.objects.get_or_create(
            user=user, role=demo_user.role, location=location, legal_entity=None
        )
        summary.memberships_created += int(created)


def _count(summary: DemoNetworkSummary, prefix: str, outcome: str) -> None:
    if outcome == "unchanged":
        return
    name = f"{prefix}_{outcome}"
    setattr(summary, name, getattr(summary, name) + 1)


def demo_network_load() -> DemoNetworkSummary:
    """Create or update the demo legal entities, locations, users and roles."""
    summary = DemoNetworkSummary()
    with transaction.atomic():
        entities = _load_legal_entities(summary)
        locations = _load_locations(summary, entities)
        _load_users(summary, locations)
    return summary
