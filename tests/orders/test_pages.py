"""The portal's order pages: scoping, filters, sorting, query counts, language."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.orders.factories import (
    OrderFactory,
    OrderItemFactory,
    QuarantinedDocumentFactory,
    order_with_details,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("orders:list")
QUARANTINE_URL = reverse("orders:quarantine")
SORT_KEYS = [
    "vtex_order_id",
    "creation_date",
    "status",
    "sales_channel",
    "customer_place",
    "delivery",
    "total",
]


def log_in(client, user) -> None:
    # The persona factory sets the password without saving it, and Django ends a
    # session whose password hash differs from the stored one.
    user.save()
    client.force_login(user)


def detail_url(order) -> str:
    return reverse("orders:detail", kwargs={"vtex_order_id": order.vtex_order_id})


def listed_ids(response) -> set[str]:
    """Order ids linked from the list's table rows."""
    return set(
        re.findall(r'href="/orders/([0-9]+-[0-9]+)/"', response.content.decode())
    )


@pytest.fixture
def orders_a_and_b(store_a, store_b):
    return (
        OrderFactory(vtex_order_id="1000000000001-01", linked_to=[store_a]),
        OrderFactory(vtex_order_id="1000000000002-01", linked_to=[store_b]),
    )


def test_login_page_is_in_portuguese(client):
    response = client.get(reverse("login"))

    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="pt-br">' in content
    assert "Entrar" in content
    assert "Usuário" in content
    assert "Senha" in content


def test_login_with_password_opens_order_list(client, manager_a):
    manager_a.save(update_fields=["password"])

    response = client.post(
        reverse("login"), {"username": "gerente-a", "password": "senha-de-teste"}
    )

    assert response.status_code == 302
    assert response.url == LIST_URL


def test_order_list_requires_login(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_logout_is_a_post(client, manager_a):
    log_in(client, manager_a)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(LIST_URL).status_code == 302


def test_order_list_shows_only_own_store_orders(client, manager_a, orders_a_and_b):
    order_a, order_b = orders_a_and_b
    log_in(client, manager_a)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert listed_ids(response) == {order_a.vtex_order_id}


def test_order_list_shows_all_orders_to_hq(client, hq_user, orders_a_and_b):
    log_in(client, hq_user)

    response = client.get(LIST_URL)

    assert listed_ids(response) == {order.vtex_order_id for order in orders_a_and_b}


def test_order_list_header_names_user_store(client, manager_a, store_a):
    log_in(client, manager_a)

    content = client.get(LIST_URL).content.decode()

    assert "Loja A" in content
    assert reverse("orders:quarantine") not in content
    assert reverse("admin:index") not in content


def test_order_list_header_links_quarantine_for_hq(client, hq_user):
    log_in(client, hq_user)

    content = client.get(LIST_URL).content.decode()

    assert reverse("orders:quarantine") in content
    assert "Matriz" in content


def test_order_detail_shows_own_store_order(client, manager_a, store_a):
    order = order_with_details(linked_to=[store_a])
    log_in(client, manager_a)

    response = client.get(detail_url(order))

    content = response.content.decode()
    assert response.status_code == 200
    assert order.vtex_order_id in content
    assert "Tênis de corrida" in content
    assert order.client_email in content
    assert "3 dias úteis" in content
    assert "Retirada" in content
    assert "Loja A" in content
    assert "Venda (saída)" in content


def test_order_detail_hides_other_store_order(client, manager_b, store_a):
    order = OrderFactory(linked_to=[store_a])
    log_in(client, manager_b)

    response = client.get(detail_url(order))

    assert response.status_code == 404


def test_order_detail_of_unknown_order_is_404(client, hq_user):
    log_in(client, hq_user)

    response = client.get(reverse("orders:detail", args=["9999999999999-01"]))

    assert response.status_code == 404


def test_order_detail_hides_raw_document_from_store(client, manager_a, store_a):
    order = OrderFactory(linked_to=[store_a])
    log_in(client, manager_a)

    content = client.get(detail_url(order)).content.decode()

    assert "Documento VTEX" not in content
    assert "&quot;orderId&quot;" not in content


def test_order_detail_shows_raw_document_to_hq(client, hq_user, store_a):
    order = OrderFactory(linked_to=[store_a])
    log_in(client, hq_user)

    content = client.get(detail_url(order)).content.decode()

    assert "Documento VTEX" in content
    assert f"&quot;orderId&quot;: &quot;{order.vtex_order_id}&quot;" in content


def test_split_order_detail_hides_other_store(client, manager_a, store_a, store_b):
    order = OrderFactory(linked_to=[store_a, store_b])
    log_in(client, manager_a)

    content = client.get(detail_url(order)).content.decode()

    assert "loja-a" in content
    assert "loja-b" not in content
    assert "Loja B" not in content


def test_order_detail_shows_totals_and_money_in_reais(client, hq_user, store_a):
    order = order_with_details(linked_to=[store_a])
    log_in(client, hq_user)

    content = client.get(detail_url(order)).content.decode()

    assert "R$ 1.234,56" in content
    assert "R$ 1.200,00" in content
    assert "-R$ 15,44" in content
    assert "R$ 50,00" in content


def test_order_detail_shows_status_history_in_store_time(client, manager_a, store_a):
    order = order_with_details(
        creation_date=datetime(2026, 3, 2, 15, 0, tzinfo=UTC), linked_to=[store_a]
    )
    log_in(client, manager_a)

    content = client.get(detail_url(order)).content.decode()

    # Created 15:00 UTC; payment approved a minute later, 12:01 in São Paulo.
    assert "02/03/2026 12:01" in content
    assert "Pagamento aprovado" in content
    assert "Pronto para o manuseio" in content
    assert "via Feed" in content


def test_order_list_shows_money_in_reais(client, manager_a, store_a):
    OrderFactory(total=Decimal("1234.56"), linked_to=[store_a])
    log_in(client, manager_a)

    content = client.get(LIST_URL).content.decode()

    assert "R$ 1.234,56" in content


def test_order_list_in_english_after_language_switch(client, manager_a, store_a):
    OrderFactory(
        total=Decimal("1234.56"),
        creation_date=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        linked_to=[store_a],
    )
    log_in(client, manager_a)

    switch = client.post(reverse("set_language"), {"language": "en", "next": LIST_URL})
    content = client.get(LIST_URL).content.decode()

    assert switch.status_code == 302
    assert '<html lang="en">' in content
    assert "Orders" in content
    assert "R$1,234.56" in content
    assert "Ready for handling" in content
    assert "02/03/2026 12:00" in content


def test_order_list_filters_by_status(client, hq_user, store_a):
    ready = OrderFactory(status="ready-for-handling", linked_to=[store_a])
    invoiced = OrderFactory(status="invoiced", linked_to=[store_a])
    log_in(client, hq_user)

    response = client.get(LIST_URL, {"status": "invoiced"})

    assert listed_ids(response) == {invoiced.vtex_order_id}
    assert ready.vtex_order_id not in listed_ids(response)


def test_order_list_filters_incomplete_orders(client, hq_user, store_a):
    incomplete = OrderFactory(status="", linked_to=[store_a])
    OrderFactory(status="invoiced", linked_to=[store_a])
    log_in(client, hq_user)

    response = client.get(LIST_URL, {"status": "null"})

    assert listed_ids(response) == {incomplete.vtex_order_id}


def test_order_list_offers_only_present_statuses(client, manager_a, store_a, store_b):
    OrderFactory(status="invoiced", linked_to=[store_a])
    OrderFactory(status="canceled", linked_to=[store_b])
    log_in(client, manager_a)

    content = client.get(LIST_URL).content.decode()

    assert '<option value="invoiced">' in content
    assert '<option value="canceled">' not in content


def test_order_list_offers_every_status_and_channel_to_hq(client, hq_user, store_a):
    OrderFactory(status="invoiced", sales_channel="1", linked_to=[store_a])
    OrderFactory(status="canceled", sales_channel="3", linked_to=[store_a])
    OrderFactory(status="", sales_channel="", linked_to=[store_a])
    log_in(client, hq_user)

    content = client.get(LIST_URL).content.decode()

    assert '<option value="invoiced">' in content
    assert '<option value="canceled">' in content
    assert '<option value="null">' in content
    channels = re.search(r'<select name="sales_channel".*?</select>', content, re.S)
    # "Any channel" and the two channels; an empty channel is not a choice.
    assert re.findall(r'<option value="([^"]*)"', channels.group()) == ["", "1", "3"]


def test_order_list_rejects_unknown_status_with_form_error(client, hq_user, store_a):
    OrderFactory(status="invoiced", linked_to=[store_a])
    log_in(client, hq_user)

    response = client.get(LIST_URL, {"status": "no-such-status"})

    assert response.status_code == 200
    assert "Faça uma escolha válida" in response.content.decode()
    assert listed_ids(response) == set()


def test_order_list_filters_by_sales_channel(client, hq_user, store_a):
    channel_1 = OrderFactory(sales_channel="1", linked_to=[store_a])
    OrderFactory(sales_channel="2", linked_to=[store_a])
    log_in(client, hq_user)

    response = client.get(LIST_URL, {"sales_channel": "1"})

    assert listed_ids(response) == {channel_1.vtex_order_id}


def test_order_list_search_matches_id_part(client, hq_user, store_a):
    target = OrderFactory(vtex_order_id="1498761234567-01", linked_to=[store_a])
    OrderFactory(vtex_order_id="1500000000000-02", linked_to=[store_a])
    log_in(client, hq_user)

    by_prefix = client.get(LIST_URL, {"q": "149876"})
    by_part = client.get(LIST_URL, {"q": "1234567-01"})

    assert listed_ids(by_prefix) == {target.vtex_order_id}
    assert listed_ids(by_part) == {target.vtex_order_id}


def test_order_list_date_filter_uses_store_time_zone(client, manager_a, store_a):
    # 23:30 on 1 March in Manaus (UTC-4) is 03:30 on 2 March in UTC and 00:30
    # on 2 March in São Paulo, the project's default zone.
    store_a.time_zone = "America/Manaus"
    store_a.save()
    late = OrderFactory(
        creation_date=datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("America/Manaus")),
        linked_to=[store_a],
    )
    next_day = OrderFactory(
        creation_date=datetime(2026, 3, 2, 0, 30, tzinfo=ZoneInfo("America/Manaus")),
        linked_to=[store_a],
    )
    log_in(client, manager_a)

    first = client.get(
        LIST_URL,
        {"creation_date_after": "01/03/2026", "creation_date_before": "01/03/2026"},
    )
    second = client.get(
        LIST_URL,
        {"creation_date_after": "2026-03-02", "creation_date_before": "2026-03-02"},
    )

    assert listed_ids(first) == {late.vtex_order_id}
    assert listed_ids(second) == {next_day.vtex_order_id}
    assert "01/03/2026 23:30" in first.content.decode()


def test_order_list_date_filter_with_open_end(client, hq_user, store_a):
    old = OrderFactory(
        creation_date=datetime(2026, 2, 10, 12, tzinfo=ZoneInfo("America/Sao_Paulo")),
        linked_to=[store_a],
    )
    new = OrderFactory(
        creation_date=datetime(2026, 3, 10, 12, tzinfo=ZoneInfo("America/Sao_Paulo")),
        linked_to=[store_a],
    )
    log_in(client, hq_user)

    since = client.get(LIST_URL, {"creation_date_after": "01/03/2026"})
    until = client.get(LIST_URL, {"creation_date_before": "28/02/2026"})

    assert listed_ids(since) == {new.vtex_order_id}
    assert listed_ids(until) == {old.vtex_order_id}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"creation_date_after": "31/02/2026"}, "Informe uma data válida"),
        ({"creation_date_after": "amanhã"}, "Informe uma data válida"),
        (
            {"creation_date_after": "02/03/2026", "creation_date_before": "01/03/2026"},
            "A data inicial é posterior à data final",
        ),
    ],
)
def test_order_list_shows_date_errors_in_form(client, hq_user, params, message):
    log_in(client, hq_user)

    response = client.get(LIST_URL, params)

    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("direction", ["", "-"])
def test_order_list_sorts_by_every_column(client, hq_user, store_a, key, direction):
    for total in ("10.00", "20.00", "30.00"):
        OrderItemFactory(order=OrderFactory(total=Decimal(total), linked_to=[store_a]))
    log_in(client, hq_user)

    response = client.get(LIST_URL, {"sort": direction + key})

    assert response.status_code == 200
    assert len(listed_ids(response)) == 3


def test_order_list_sorts_by_total(client, hq_user, store_a):
    small = OrderFactory(total=Decimal("10.00"), linked_to=[store_a])
    large = OrderFactory(total=Decimal("900.00"), linked_to=[store_a])
    log_in(client, hq_user)

    ascending = client.get(LIST_URL, {"sort": "total"}).content.decode()
    descending = client.get(LIST_URL, {"sort": "-total"}).content.decode()

    assert ascending.index(small.vtex_order_id) < ascending.index(large.vtex_order_id)
    assert descending.index(large.vtex_order_id) < descending.index(small.vtex_order_id)


@pytest.mark.parametrize(
    "sort", ["bogus", "-bogus", "raw", "client_email", "status,bogus", ""]
)
def test_order_list_ignores_unknown_sort(client, hq_user, store_a, sort):
    OrderFactory(linked_to=[store_a])
    log_in(client, hq_user)

    response = client.get(LIST_URL, {"sort": sort})

    assert response.status_code == 200
    assert len(listed_ids(response)) == 1


@pytest.mark.parametrize("page", ["2", "999", "abc", "-1", "0"])
def test_order_list_survives_any_page_number(client, hq_user, store_a, page):
    OrderFactory(linked_to=[store_a])
    log_in(client, hq_user)

    response = client.get(LIST_URL, {"page": page})

    assert response.status_code == 200
    assert len(listed_ids(response)) == 1


def test_order_list_pages_by_fifty(client, hq_user, store_a):
    OrderFactory.create_batch(60, linked_to=[store_a])
    log_in(client, hq_user)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": "2"})
    oversized = client.get(LIST_URL, {"per_page": "1000"})

    assert len(listed_ids(first)) == 50
    assert len(listed_ids(second)) == 10
    assert listed_ids(first).isdisjoint(listed_ids(second))
    assert len(listed_ids(oversized)) == 50
    assert "60 pedidos" in first.content.decode()


def list_queries(client, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(LIST_URL, params or {})
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def count_queries(queries: list[str]) -> list[str]:
    return [sql for sql in queries if "COUNT(" in sql.upper()]


@pytest.mark.parametrize("persona", ["hq_user", "manager_a"])
def test_order_list_query_count_is_constant(
    client, request, django_assert_num_queries, store_a, persona
):
    log_in(client, request.getfixturevalue(persona))
    for _ in range(5):
        OrderItemFactory(order=OrderFactory(linked_to=[store_a]))
    with_five = list_queries(client)

    for _ in range(55):
        OrderItemFactory(order=OrderFactory(linked_to=[store_a]))
    with django_assert_num_queries(len(with_five)):
        client.get(LIST_URL)
    with_sixty = list_queries(client)
    second_page = list_queries(client, {"page": "2", "sort": "-total"})

    assert len(with_sixty) == len(with_five)
    assert len(second_page) == len(with_five)
    assert len(count_queries(with_five)) == 1
    assert len(count_queries(with_sixty)) == 1
    assert len(count_queries(second_page)) == 1
    assert not any('"orders_order"."raw"' in sql for sql in with_sixty)


def test_order_list_query_count_with_filters(client, hq_user, store_a):
    log_in(client, hq_user)
    OrderFactory.create_batch(60, status="invoiced", linked_to=[store_a])
    params = {
        "status": "invoiced",
        "sales_channel": "1",
        "q": "-01",
        "creation_date_after": "01/01/2026",
        "creation_date_before": "31/12/2026",
        "sort": "delivery",
    }

    queries = list_queries(client, params)

    assert len(count_queries(queries)) == 1
    assert len(queries) == len(list_queries(client))


def test_quarantine_is_hidden_from_store_users(client, manager_a):
    QuarantinedDocumentFactory()
    log_in(client, manager_a)

    response = client.get(QUARANTINE_URL)

    assert response.status_code == 404


def test_quarantine_lists_documents_for_hq(client, hq_user):
    document = QuarantinedDocumentFactory(attempts=3)
    log_in(client, hq_user)

    response = client.get(QUARANTINE_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert document.vtex_order_id in content
    assert "expected an integer number of cents" in content
    assert "<details>" in content
    assert "&quot;orderId&quot;" in content
    assert ">3<" in content


def test_quarantine_reason_in_portuguese(client, hq_user):
    QuarantinedDocumentFactory(reason="items[0].quantity: expected an integer, got '1'")
    log_in(client, hq_user)

    content = client.get(QUARANTINE_URL).content.decode()

    assert "items[0].quantity: esperava-se um número inteiro, veio &#x27;1&#x27;" in (
        content
    )


def test_quarantine_shows_start_of_long_payload(client, hq_user):
    document = QuarantinedDocumentFactory(payload="x" * 30_000)
    log_in(client, hq_user)

    content = client.get(QUARANTINE_URL).content.decode()

    assert document.vtex_order_id in content
    assert "x" * 20_000 in content
    assert "x" * 20_001 not in content
    assert "30000" in content


@pytest.mark.parametrize(
    ("status", "html"),
    [
        ("teleported", '<span class="status status-teleported">teleported</span>'),
        ("", '<span class="status status-null">Incompleto</span>'),
    ],
)
def test_status_without_label_shows_once(status, html):
    from orders.tables import OrderTable

    with translation.override("pt-br"):
        rendered = OrderTable([]).render_status(status)

    assert rendered == html
