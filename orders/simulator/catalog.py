"""The demo brand's catalogue and how a basket is drawn from it.

Prices are integer cents. Weighed goods carry their price per kilogram and a
fractional unit multiplier, so one unit of a 0.25 kg cheese costs a quarter
of the kilogram price rounded to the cent. VTEX's known issue 426275
("Incorrect price rounding when unit multiplier is different from 1") shows
that VTEX prices a unit of sale the same way.
"""

import random
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Product:
    sku_id: str
    product_id: str
    ref_id: str
    name: str
    category: str
    # Cents per unit, or per kilogram when `measurement_unit` is "kg".
    base_price: int
    measurement_unit: str = "un"
    unit_multiplier: float = 1.0
    weight_grams: int = 500

    @cached_property
    def slug(self) -> str:
        """URL path word of the product: lower-case ASCII joined by dashes."""
        plain = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore")
        return "-".join(re.findall(r"[a-z0-9]+", plain.decode().lower()))

    @property
    def unit_price(self) -> int:
        """Cents for one unit of sale (a quarter kilo of cheese, one bottle)."""
        return round(self.base_price * self.unit_multiplier)


def _product(number, name, category, base_price, **extra) -> Product:
    return Product(
        sku_id=str(2000 + number),
        product_id=str(900 + number),
        ref_id=f"SAZ-{number:04d}",
        name=name,
        category=category,
        base_price=base_price,
        **extra,
    )


PRODUCTS = (
    _product(
        1, "Café Especial em Grãos Mantiqueira 250 g", "Cafés", 4990, weight_grams=260
    ),
    _product(2, "Café Torrado e Moído Cerrado Mineiro 500 g", "Cafés", 3890),
    _product(
        3,
        "Queijo Canastra Meia-Cura",
        "Queijos",
        15990,
        measurement_unit="kg",
        unit_multiplier=0.25,
        weight_grams=250,
    ),
    _product(
        4,
        "Queijo Minas Frescal",
        "Queijos",
        5990,
        measurement_unit="kg",
        unit_multiplier=0.5,
    ),
    _product(
        5,
        "Castanha-do-Pará",
        "Castanhas",
        11990,
        measurement_unit="kg",
        unit_multiplier=0.25,
        weight_grams=250,
    ),
    _product(
        6,
        "Castanha de Caju Torrada",
        "Castanhas",
        9990,
        measurement_unit="kg",
        unit_multiplier=0.25,
        weight_grams=250,
    ),
    _product(7, "Azeite Extravirgem Português 500 ml", "Mercearia", 6490),
    _product(8, "Doce de Leite Artesanal 400 g", "Doces", 2890, weight_grams=420),
    _product(9, "Goiabada Cascão 600 g", "Doces", 2490, weight_grams=620),
    _product(10, "Mel Silvestre 480 g", "Mercearia", 3590),
    _product(
        11, "Cachaça Artesanal Envelhecida 700 ml", "Bebidas", 11990, weight_grams=1300
    ),
    _product(
        12, "Vinho Tinto Merlot Serra Gaúcha 750 ml", "Bebidas", 8990, weight_grams=1300
    ),
    _product(
        13,
        "Espumante Brut Vale dos Vinhedos 750 ml",
        "Bebidas",
        10990,
        weight_grams=1400,
    ),
    _product(
        14, "Chocolate 70% Cacau do Sul da Bahia 100 g", "Doces", 2290, weight_grams=110
    ),
    _product(15, "Cesta Presente Serra Azul", "Presentes", 34990, weight_grams=4200),
    _product(
        16,
        "Tâmaras Medjool",
        "Castanhas",
        12990,
        measurement_unit="kg",
        unit_multiplier=0.5,
    ),
    _product(17, "Pão de Queijo Congelado 1 kg", "Congelados", 3290, weight_grams=1000),
    _product(18, "Geleia de Jabuticaba 320 g", "Doces", 2690, weight_grams=340),
    _product(
        19, "Farinha de Mandioca Copioba 1 kg", "Mercearia", 1890, weight_grams=1000
    ),
    _product(
        20,
        "Linguiça Artesanal Defumada",
        "Frios",
        6990,
        measurement_unit="kg",
        unit_multiplier=0.5,
    ),
    _product(21, "Cafeteira Italiana 6 Xícaras", "Utensílios", 15990, weight_grams=900),
    _product(22, "Chá Mate Orgânico 250 g", "Cafés", 1990, weight_grams=260),
)

# Free gifts: list price set, sold at zero when the basket qualifies.
GIFTS = (
    _product(90, "Brinde Caneca Serra Azul", "Brindes", 3990, weight_grams=350),
    _product(91, "Brinde Ecobag Serra Azul", "Brindes", 2490, weight_grams=120),
)

# Baskets at or above this value (cents) may get a free gift.
GIFT_THRESHOLD = 25000


@dataclass(frozen=True)
class BasketLine:
    product: Product
    quantity: int
    # Discount per unit of sale in cents, or 0 when the line has no promotion.
    unit_discount: int
    is_gift: bool = False

    @property
    def price(self) -> int:
        return 0 if self.is_gift else self.product.unit_price

    @property
    def selling_price(self) -> int:
        return self.price - self.unit_discount


def draw_basket(rng: random.Random) -> list[BasketLine]:
    """Draw 1 to 5 distinct products, some discounted, maybe with a gift."""
    line_count = rng.choices((1, 2, 3, 4, 5), weights=(35, 30, 18, 10, 7))[0]
    lines = []
    for product in rng.sample(PRODUCTS, line_count):
        quantity = rng.choices((1, 2, 3, 4), weights=(70, 20, 7, 3))[0]
        discount = 0
        if rng.random() < 0.3:
            discount = product.unit_price * rng.choice((5, 10, 15, 20)) // 100
        lines.append(BasketLine(product, quantity, discount))

    total = sum(line.selling_price * line.quantity for line in lines)
    if total >= GIFT_THRESHOLD and rng.random() < 0.5:
        lines.append(BasketLine(rng.choice(GIFTS), 1, 0, is_gift=True))
    return lines
