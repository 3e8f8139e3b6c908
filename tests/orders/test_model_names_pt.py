"""The order models' names read in Portuguese in the admin."""

import pytest
from django.utils import translation

from orders.models import (
    OrderItem,
    OrderLocation,
    OrderPackage,
    OrderPayment,
    OrderTotal,
)


@pytest.mark.parametrize(
    ("model", "plural"),
    [
        (OrderItem, "itens do pedido"),
        (OrderLocation, "unidades do pedido"),
        (OrderPackage, "pacotes do pedido"),
        (OrderPayment, "pagamentos do pedido"),
        (OrderTotal, "totais do pedido"),
    ],
)
def test_order_model_names_translated(model, plural):
    with translation.override("pt-br"):
        assert str(model._meta.verbose_name_plural) == plural
