"""The bundled VTEX simulator, driven over real HTTP on loopback."""

import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from franchises.cnpj import cnpj_is_valid
from franchises.demo_network import LOCATIONS
from orders.simulator import VtexSimulator, flow
from orders.simulator.fiscal import nfe_check_digit
from orders.simulator.network import BY_CODE

APP_KEY = "vtexappkey-ponteteste-TEST"
APP_TOKEN = "simulator-test-token"
WINDOW_START = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 5, 7, 0, 0, tzinfo=UTC)
VTEX_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$")
EVENT_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
MASKED_EMAIL = re.compile(r"^[0-9a-f]{32}-[0-9a-z]+@ct\.vtex\.com\.br$")
# Brazil's extreme points, in degrees.
BRAZIL_LATITUDE = (-33.8, 5.3)
BRAZIL_LONGITUDE = (-74.0, -34.7)

WAREHOUSE_IDS = {location.vtex_warehouse_id for location in LOCATIONS}
DOCK_IDS = {location.vtex_dock_id for location in LOCATIONS}
PICKUP_POINT_IDS = {
    location.vtex_pickup_point_id
    for location in LOCATIONS
    if location.vtex_pickup_point_id
}
SELLER_IDS = {"1"} | {
    location.vtex_seller_id for location in LOCATIONS if location.vtex_seller_id
}


def creation_window(start: datetime, end: datetime) -> str:
    return f"creationDate:[{start.isoformat()} TO {end.isoformat()}]"


def authorized_session() -> requests.Session:
    session = requests.Session()
    session.headers.update(
        {"X-VTEX-API-AppKey": APP_KEY, "X-VTEX-API-AppToken": APP_TOKEN}
    )
    return session


@pytest.fixture(scope="module")
def generated():
    """A large, read-only account: 3,000 orders over three days."""
    simulator = VtexSimulator(seed=11)
    ids = simulator.generate_orders(3000, WINDOW_START, WINDOW_END)
    documents = [simulator.get_document(order_id) for order_id in ids]
    return simulator, ids, documents


@pytest.fixture
def simulator():
    simulator = VtexSimulator(
        seed=7, app_key=APP_KEY, app_token=APP_TOKEN, visibility_timeout=0.3
    )
    simulator.generate_orders(300, WINDOW_START, WINDOW_END)
    yield simulator
    simulator.stop_generator()


@pytest.fixture
def server(simulator):
    with simulator.serve() as running:
        yield running


@pytest.fixture
def session():
    with authorized_session() as session:
        yield session


def order_in_status(simulator: VtexSimulator, status: str) -> str:
    for order_id in simulator.order_ids():
        if simulator.get_document(order_id)["status"] == status:
            return order_id
    raise AssertionError(f"no order in status {status}")


def drain_feed(session: requests.Session, url: str) -> list[dict]:
    events = []
    while lot := session.get(f"{url}/api/orders/feed", params={"maxlot": 10}).json():
        events.extend(lot)
    return events


# Get order -------------------------------------------------------------------


def test_get_order_returns_document(simulator, server, session):
    order_id = simulator.order_ids()[0]

    response = session.get(f"{server.url}/api/oms/pvt/orders/{order_id}")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == simulator.get_document(order_id)


def test_get_unknown_order_returns_404(server, session):
    response = session.get(f"{server.url}/api/oms/pvt/orders/0000000000000-01")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Order 0000000000000-01 not found."


def test_put_document_serves_raw_body_as_is(simulator, server, session):
    simulator.put_document(
        '{"orderId": "9990001000001-01", "value": ', "9990001000001-01"
    )

    response = session.get(f"{server.url}/api/oms/pvt/orders/9990001000001-01")

    assert response.status_code == 200
    assert response.content == b'{"orderId": "9990001000001-01", "value": '


def test_put_document_serves_custom_document(simulator, server, session):
    document = simulator.get_document(simulator.order_ids()[0])
    document["orderId"] = "9990002000001-01"
    document["status"] = None

    simulator.put_document(document)
    response = session.get(f"{server.url}/api/oms/pvt/orders/9990002000001-01")

    assert response.json()["status"] is None
    assert response.json()["value"] == document["value"]


# List orders -----------------------------------------------------------------


def test_list_pages_through_window(simulator, server, session):
    expected = sorted(
        simulator.order_ids(),
        key=lambda order_id: simulator.get_document(order_id)["creationDate"],
    )
    params = {
        "f_creationDate": creation_window(WINDOW_START, WINDOW_END),
        "per_page": 100,
        "orderBy": "creationDate,asc",
    }

    pages = [
        session.get(
            f"{server.url}/api/oms/pvt/orders", params={**params, "page": page}
        ).json()
        for page in (1, 2, 3)
    ]

    assert pages[0]["paging"] == {
        "total": 300,
        "pages": 3,
        "currentPage": 1,
        "perPage": 100,
    }
    listed = [row["orderId"] for page in pages for row in page["list"]]
    assert listed == expected
    assert pages[0]["stats"]["stats"]["totalValue"]["Count"] == 300


def test_list_rows_summarise_documents(simulator, server, session):
    response = session.get(f"{server.url}/api/oms/pvt/orders", params={"per_page": 1})

    row = response.json()["list"][0]
    document = simulator.get_document(row["orderId"])
    assert row["totalValue"] == document["value"]
    assert row["status"] == document["status"]
    assert row["creationDate"] == document["creationDate"]
    assert row["lastChange"] == document["lastChange"]
    assert row["totalItems"] == sum(item["quantity"] for item in document["items"])


def test_list_returns_newest_first_by_default(server, session):
    rows = session.get(f"{server.url}/api/oms/pvt/orders").json()["list"]

    dates = [row["creationDate"] for row in rows]
    assert len(rows) == 15
    assert dates == sorted(dates, reverse=True)


def test_list_filters_by_creation_window(simulator, server, session):
    start = WINDOW_START + timedelta(days=1)
    end = WINDOW_START + timedelta(days=1, hours=12)
    expected = {
        order_id
        for order_id in simulator.order_ids()
        if start.isoformat()
        <= simulator.get_document(order_id)["creationDate"]
        <= end.isoformat()
    }

    response = session.get(
        f"{server.url}/api/oms/pvt/orders",
        params={"f_creationDate": creation_window(start, end), "per_page": 100},
    )

    assert 0 < len(expected) <= 100
    assert response.json()["paging"]["total"] == len(expected)
    assert {row["orderId"] for row in response.json()["list"]} == expected


def test_list_filters_by_status(server, session):
    response = session.get(
        f"{server.url}/api/oms/pvt/orders",
        params={"f_status": "handling,canceled", "per_page": 100},
    )

    statuses = {row["status"] for row in response.json()["list"]}
    assert response.json()["paging"]["total"] > 0
    assert statuses <= {"handling", "canceled"}


def test_list_refuses_page_beyond_30():
    simulator = VtexSimulator(seed=3)
    simulator.generate_orders(3100, WINDOW_START, WINDOW_END)

    with simulator.serve() as server:
        last = requests.get(
            f"{server.url}/api/oms/pvt/orders", params={"page": 30, "per_page": 100}
        )
        beyond = requests.get(
            f"{server.url}/api/oms/pvt/orders", params={"page": 31, "per_page": 100}
        )

    assert last.status_code == 200
    assert last.json()["paging"]["total"] == 3100
    assert last.json()["paging"]["pages"] == 31
    assert len(last.json()["list"]) == 100
    assert beyond.status_code == 400
    assert beyond.json()["error"]["message"] == (
        "Invalid page 31: the list returns at most 30 pages; narrow f_creationDate "
        "to list the remaining orders."
    )


def test_list_caps_per_page_at_100(server, session):
    response = session.get(f"{server.url}/api/oms/pvt/orders", params={"per_page": 500})

    assert response.json()["paging"]["perPage"] == 100
    assert len(response.json()["list"]) == 100


def test_list_rejects_malformed_creation_window(server, session):
    response = session.get(
        f"{server.url}/api/oms/pvt/orders", params={"f_creationDate": "yesterday"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(
        "Invalid f_creationDate 'yesterday'"
    )


def test_list_hides_orders_until_indexed():
    simulator = VtexSimulator(seed=3, index_lag_seconds=60)
    simulator.generate_orders(5, WINDOW_START, WINDOW_END)

    with simulator.serve() as server:
        response = requests.get(f"{server.url}/api/oms/pvt/orders")

    assert response.json()["paging"]["total"] == 0


# Feed --------------------------------------------------------------------------


@pytest.fixture
def one_event_feed():
    """An account with a single order and a single feed event."""
    simulator = VtexSimulator(seed=5, visibility_timeout=0.3, duplicate_rate=0.0)
    simulator.generate_orders(1, WINDOW_START, WINDOW_END)
    with simulator.serve() as server:
        yield simulator, server


def test_feed_hides_event_until_visibility_timeout(one_event_feed):
    simulator, server = one_event_feed
    url = f"{server.url}/api/orders/feed"

    first = requests.get(url, params={"maxlot": 10}).json()
    while_hidden = requests.get(url, params={"maxlot": 10}).json()
    time.sleep(0.4)
    again = requests.get(url, params={"maxlot": 10}).json()

    assert len(first) == 1
    assert while_hidden == []
    assert len(again) == 1
    assert again[0]["eventId"] == first[0]["eventId"]
    assert again[0]["handle"] != first[0]["handle"]


def test_feed_event_has_vtex_fields(one_event_feed):
    simulator, server = one_event_feed

    event = requests.get(f"{server.url}/api/orders/feed").json()[0]

    document = simulator.get_document(event["orderId"])
    assert set(event) == {
        "eventId",
        "handle",
        "domain",
        "state",
        "lastState",
        "orderId",
        "lastChange",
        "currentChange",
        "availableDate",
    }
    assert event["state"] == document["status"]
    assert EVENT_DATE.match(event["currentChange"])
    assert EVENT_DATE.match(event["lastChange"])
    assert event["currentChange"][:23] == document["lastChange"][:23]


def test_feed_commit_removes_event(one_event_feed):
    simulator, server = one_event_feed
    url = f"{server.url}/api/orders/feed"
    handle = requests.get(url).json()[0]["handle"]

    commit = requests.post(url, json={"handles": [handle]})
    time.sleep(0.4)
    after_timeout = requests.get(url).json()

    assert commit.status_code == 200
    assert after_timeout == []
    assert simulator.committed_handles == [handle]
    assert simulator.feed.quantity == 0


def test_feed_ignores_stale_handle(one_event_feed):
    simulator, server = one_event_feed
    url = f"{server.url}/api/orders/feed"
    stale = requests.get(url).json()[0]["handle"]
    time.sleep(0.4)
    current = requests.get(url).json()[0]["handle"]

    requests.post(url, json={"handles": [stale]})

    assert simulator.committed_handles == []
    assert simulator.feed.quantity == 1
    requests.post(url, json={"handles": [current]})
    assert simulator.committed_handles == [current]


def test_feed_rejects_maxlot_above_10(server, session):
    response = session.get(f"{server.url}/api/orders/feed", params={"maxlot": 11})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid maxlot '11': use a number from 1 to 10."
    )


def test_feed_rejects_commit_without_handles(server, session):
    response = session.post(f"{server.url}/api/orders/feed", json={"handle": "x"})

    assert response.status_code == 400


def test_feed_has_one_event_per_order():
    simulator = VtexSimulator(seed=5, duplicate_rate=0.0)
    ids = simulator.generate_orders(40, WINDOW_START, WINDOW_END)

    with simulator.serve() as server, requests.Session() as session:
        events = drain_feed(session, server.url)

    assert sorted(event["orderId"] for event in events) == sorted(ids)


def test_feed_duplicates_events_at_configured_rate():
    simulator = VtexSimulator(seed=5, duplicate_rate=1.0)
    ids = simulator.generate_orders(20, WINDOW_START, WINDOW_END)

    with simulator.serve() as server, requests.Session() as session:
        events = drain_feed(session, server.url)

    per_event = Counter(event["eventId"] for event in events)
    assert len(events) == 40
    assert set(per_event.values()) == {2}
    assert {event["orderId"] for event in events} == set(ids)


def test_add_feed_event_duplicate_repeats_event_id(one_event_feed):
    simulator, server = one_event_feed
    order_id = simulator.order_ids()[0]

    repeated = simulator.add_feed_event(order_id, duplicate=True)
    fresh = simulator.add_feed_event(order_id)
    events = drain_feed(requests.Session(), server.url)

    ids = Counter(event["eventId"] for event in events)
    assert ids[repeated["eventId"]] == 2
    assert ids[fresh["eventId"]] == 1
    assert fresh["eventId"] != repeated["eventId"]


def test_feed_config_reports_queue(simulator, server, session):
    config = session.get(f"{server.url}/api/orders/feed/config").json()

    assert config["queue"]["visibilityTimeoutInSeconds"] == 0.3
    assert config["queue"]["messageRetentionPeriodInSeconds"] == 345600
    assert config["quantity"] == simulator.feed.quantity
    assert config["filter"]["type"] == "FromWorkflow"


# Authentication and faults ---------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-VTEX-API-AppKey": APP_KEY},
        {"X-VTEX-API-AppKey": APP_KEY, "X-VTEX-API-AppToken": "wrong"},
        {"X-VTEX-API-AppKey": "other", "X-VTEX-API-AppToken": APP_TOKEN},
    ],
)
def test_requests_without_right_keys_get_401(simulator, server, headers):
    order_id = simulator.order_ids()[0]

    response = requests.get(
        f"{server.url}/api/oms/pvt/orders/{order_id}", headers=headers
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "401"


def test_simulator_without_keys_skips_auth():
    simulator = VtexSimulator(seed=1)
    simulator.generate_orders(1, WINDOW_START, WINDOW_END)

    with simulator.serve() as server:
        response = requests.get(f"{server.url}/api/orders/feed/config")

    assert response.status_code == 200


def test_injected_429_carries_retry_after_then_succeeds(simulator, server, session):
    order_id = simulator.order_ids()[0]
    url = f"{server.url}/api/oms/pvt/orders/{order_id}"
    simulator.inject_fault(status=429, count=2, retry_after=3)

    first = session.get(url)
    second = session.get(url)
    third = session.get(url)

    assert first.status_code == 429
    assert first.headers["Retry-After"] == "3"
    assert second.status_code == 429
    assert third.status_code == 200


def test_injected_5xx_applies_after_skipped_requests(simulator, server, session):
    url = f"{server.url}/api/orders/feed"
    simulator.inject_fault(status=503, count=1, path_prefix="/api/orders/feed", after=1)

    statuses = [session.get(url).status_code for _ in range(3)]

    assert statuses == [200, 503, 200]


def test_injected_fault_spares_other_paths(simulator, server, session):
    simulator.inject_fault(status=500, count=1, path_prefix="/api/orders/feed")

    orders = session.get(f"{server.url}/api/oms/pvt/orders")
    feed = session.get(f"{server.url}/api/orders/feed")

    assert orders.status_code == 200
    assert feed.status_code == 500


def test_inject_fault_rejects_unsupported_status(simulator):
    with pytest.raises(ValueError, match="Unsupported fault status 404"):
        simulator.inject_fault(status=404)


def test_control_endpoint_injects_fault(simulator, server, session):
    control = requests.post(
        f"{server.url}/_simulator/faults",
        json={"status": 502, "count": 1, "path_prefix": "/api/orders/feed"},
    )

    feed = session.get(f"{server.url}/api/orders/feed")

    assert control.status_code == 204
    assert feed.status_code == 502


def test_fault_rates_fail_every_request_at_rate_one(simulator, server, session):
    simulator.set_fault_rates(rate_429=1.0)

    response = session.get(f"{server.url}/api/orders/feed")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


# Write-back ------------------------------------------------------------------


def test_start_handling_moves_order_to_handling(simulator, server, session):
    order_id = order_in_status(simulator, flow.READY_FOR_HANDLING)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/start-handling"
    )

    assert response.status_code == 204
    assert simulator.get_document(order_id)["status"] == flow.HANDLING
    assert simulator.start_handling_calls[-1]["order_id"] == order_id
    assert simulator.start_handling_calls[-1]["status"] == flow.READY_FOR_HANDLING


def test_start_handling_repeated_is_no_op(simulator, server, session):
    order_id = order_in_status(simulator, flow.HANDLING)
    before = simulator.get_document(order_id)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/start-handling"
    )

    assert response.status_code == 204
    assert simulator.get_document(order_id) == before
    assert len(simulator.start_handling_calls) == 1


def test_start_handling_rejects_invoiced_order(simulator, server, session):
    order_id = order_in_status(simulator, flow.INVOICED)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/start-handling"
    )

    assert response.status_code == 409
    assert simulator.get_document(order_id)["status"] == flow.INVOICED


def invoice_body(document: dict, value: int | str | None = None) -> dict:
    return {
        "type": "Output",
        "invoiceNumber": "NF-A1B2C3",
        "invoiceValue": str(document["value"]) if value is None else value,
        "issuanceDate": "2026-05-07T12:00:00.0000000+00:00",
        "invoiceKey": "35260531857426000103550010000012341000012345",
        "courier": "",
        "trackingNumber": "",
        "trackingUrl": "",
        "items": [
            {
                "id": item["id"],
                "quantity": item["quantity"],
                "price": item["sellingPrice"],
            }
            for item in document["items"]
        ],
    }


def test_invoice_moves_order_to_invoiced(simulator, server, session):
    order_id = order_in_status(simulator, flow.HANDLING)
    document = simulator.get_document(order_id)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/invoice",
        json=invoice_body(document),
    )

    assert response.status_code == 200
    assert set(response.json()) == {"date", "orderId", "receipt"}
    assert response.json()["orderId"] == order_id
    invoiced = simulator.get_document(order_id)
    assert invoiced["status"] == flow.INVOICED
    assert VTEX_DATE.match(invoiced["invoicedDate"])
    package = invoiced["packageAttachment"]["packages"][-1]
    assert package["invoiceNumber"] == "NF-A1B2C3"
    assert package["invoiceValue"] == document["value"]
    assert simulator.invoices[-1]["order_id"] == order_id
    assert simulator.invoices[-1]["receipt"] == response.json()["receipt"]


def test_partial_invoice_keeps_order_in_handling(simulator, server, session):
    order_id = order_in_status(simulator, flow.HANDLING)
    document = simulator.get_document(order_id)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/invoice",
        json=invoice_body(document, value="1"),
    )

    assert response.status_code == 200
    assert simulator.get_document(order_id)["status"] == flow.HANDLING


@pytest.mark.parametrize("value", ["12.50", "R$ 10", -5, True])
def test_invoice_rejects_value_not_in_cents(simulator, server, session, value):
    order_id = order_in_status(simulator, flow.HANDLING)
    document = simulator.get_document(order_id)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/invoice",
        json=invoice_body(document, value=value),
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(
        f"Invalid invoiceValue {value!r}"
    )
    assert simulator.get_document(order_id) == document
    assert simulator.invoices == []


def test_invoice_rejects_missing_fields(simulator, server, session):
    order_id = order_in_status(simulator, flow.HANDLING)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/invoice",
        json={"type": "Output", "invoiceValue": "100"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Missing invoice fields: invoiceNumber, issuanceDate, items."
    )


def test_invoice_rejects_canceled_order(simulator, server, session):
    order_id = order_in_status(simulator, flow.CANCELED)
    document = simulator.get_document(order_id)

    response = session.post(
        f"{server.url}/api/oms/pvt/orders/{order_id}/invoice",
        json=invoice_body(document),
    )

    assert response.status_code == 409
    assert simulator.get_document(order_id)["status"] == flow.CANCELED


# Status flow and hook --------------------------------------------------------


def test_advance_order_follows_vtex_status_flow(simulator):
    order_id = simulator.create_order(WINDOW_END)[0]
    statuses = [simulator.get_document(order_id)["status"]]
    changes = [simulator.get_document(order_id)["lastChange"]]

    while order_id in simulator.open_order_ids():
        document = simulator.advance_order(order_id)
        statuses.append(document["status"])
        changes.append(document["lastChange"])

    paths = {flow.FULFILLED, flow.PAYMENT_NOT_APPROVED, flow.CANCELED_BY_BUYER}
    assert tuple(statuses) in paths | {flow.INCOMPLETE}
    assert changes == sorted(changes)
    with pytest.raises(ValueError, match=f"Order {order_id} cannot advance"):
        simulator.advance_order(order_id)


def test_advance_to_invoiced_adds_invoice_with_issuer_cnpj(simulator):
    order_id = order_in_status(simulator, flow.HANDLING)

    document = simulator.advance_order(order_id)

    package = document["packageAttachment"]["packages"][-1]
    warehouse = document["shippingData"]["logisticsInfo"][0]["deliveryIds"][0]
    issuer = next(
        location
        for location in BY_CODE.values()
        if location.warehouse_id == warehouse["warehouseId"]
    )
    assert document["status"] == flow.INVOICED
    assert package["type"] == "Output"
    assert package["invoiceValue"] == document["value"]
    assert package["invoiceKey"][6:20] == issuer.cnpj
    assert int(package["invoiceKey"][-1]) == nfe_check_digit(package["invoiceKey"][:43])


class HookReceiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def hook_receiver():
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), HookReceiver)
    receiver.received = []
    thread = threading.Thread(
        target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield receiver
    receiver.shutdown()
    receiver.server_close()


def test_hook_posts_status_changes_to_receiver(simulator, hook_receiver):
    host, port = hook_receiver.server_address
    simulator.set_hook(f"http://{host}:{port}/vtex/hook/", "hook-secret")
    order_id = order_in_status(simulator, flow.READY_FOR_HANDLING)

    simulator.advance_order(order_id)
    assert simulator.wait_for_hooks(timeout=5)

    ping, change = hook_receiver.received
    assert ping[1] == {"hookConfig": "ping"}
    headers, payload = change
    assert headers["X-Ponte-Hook-Token"] == "hook-secret"
    assert payload["Domain"] == "Marketplace"
    assert payload["OrderId"] == order_id
    assert payload["State"] == flow.HANDLING
    assert payload["LastState"] == flow.READY_FOR_HANDLING
    assert payload["Origin"] == {"Account": "ponte", "Key": APP_KEY}
    assert EVENT_DATE.match(payload["LastChange"])
    assert EVENT_DATE.match(payload["CurrentChange"])
    assert simulator.hooks.sent == 2


def test_hook_follows_write_back_over_http(simulator, server, session, hook_receiver):
    host, port = hook_receiver.server_address
    simulator.set_hook(f"http://{host}:{port}/vtex/hook/", "hook-secret")
    order_id = order_in_status(simulator, flow.READY_FOR_HANDLING)

    session.post(f"{server.url}/api/oms/pvt/orders/{order_id}/start-handling")
    assert simulator.wait_for_hooks(timeout=5)

    assert [payload.get("State") for _, payload in hook_receiver.received] == [
        None,
        flow.HANDLING,
    ]


def test_hook_failure_is_counted_and_sending_continues(simulator):
    simulator.set_hook("http://127.0.0.1:9/unreachable/", "hook-secret")
    first, second = simulator.open_order_ids()[:2]

    simulator.advance_order(first)
    simulator.advance_order(second)
    assert simulator.wait_for_hooks(timeout=10)

    # The ping and the two changes.
    assert simulator.hooks.failed == 3
    assert simulator.hooks.sent == 0


def test_hook_url_must_be_loopback(simulator):
    with pytest.raises(ValueError, match="Invalid hook URL"):
        simulator.set_hook("http://example.com/hook/", "hook-secret")


def test_hook_config_reflects_hook_url(simulator, server, session):
    missing = session.get(f"{server.url}/api/orders/hook/config")
    simulator.set_hook("http://127.0.0.1:8000/vtex/hook/", "hook-secret")

    config = session.get(f"{server.url}/api/orders/hook/config").json()

    assert missing.status_code == 404
    assert config["hook"]["url"] == "http://127.0.0.1:8000/vtex/hook/"
    assert config["hook"]["headers"] == {"X-Ponte-Hook-Token": "hook-secret"}


def test_generator_creates_and_advances_orders(simulator, hook_receiver):
    host, port = hook_receiver.server_address
    before = set(simulator.order_ids())

    simulator.start_generator(
        600, hook_url=f"http://{host}:{port}/vtex/hook/", hook_token="hook-secret"
    )
    time.sleep(2.5)
    simulator.stop_generator()
    assert simulator.wait_for_hooks(timeout=5)

    created = set(simulator.order_ids()) - before
    assert len(created) >= 10
    # A ping, one hook per created order and more for advanced orders.
    assert len(hook_receiver.received) > len(created) + 1


# Documents -------------------------------------------------------------------


def test_documents_add_up(generated):
    _, _, documents = generated

    for document in documents:
        totals = {total["id"]: total["value"] for total in document["totals"]}
        items = document["items"]
        logistics = document["shippingData"]["logisticsInfo"]
        assert document["value"] == sum(totals.values()), document["orderId"]
        assert totals["Items"] == sum(i["price"] * i["quantity"] for i in items)
        assert totals["Discounts"] == sum(
            (i["sellingPrice"] - i["price"]) * i["quantity"] for i in items
        )
        assert totals["Discounts"] <= 0
        assert totals["Shipping"] == sum(entry["price"] for entry in logistics)
        assert all(isinstance(value, int) for value in totals.values())


def test_documents_name_demo_network_locations(generated):
    _, _, documents = generated

    for document in documents:
        for entry in document["shippingData"]["logisticsInfo"]:
            for delivery in entry["deliveryIds"]:
                assert delivery["warehouseId"] in WAREHOUSE_IDS
                assert delivery["dockId"] in DOCK_IDS
            if entry["pickupPointId"] is not None:
                seller, _, pickup_point = entry["pickupPointId"].partition("_")
                assert seller in SELLER_IDS
                assert pickup_point in PICKUP_POINT_IDS
        assert {item["seller"] for item in document["items"]} <= SELLER_IDS


def test_geo_coordinates_are_longitude_first_within_brazil(generated):
    _, _, documents = generated

    points = [
        document["shippingData"]["address"]["geoCoordinates"] for document in documents
    ]

    assert [] in points
    for point in points:
        if point:
            longitude, latitude = point
            assert BRAZIL_LONGITUDE[0] <= longitude <= BRAZIL_LONGITUDE[1]
            assert BRAZIL_LATITUDE[0] <= latitude <= BRAZIL_LATITUDE[1]


def test_documents_use_vtex_date_format(generated):
    _, _, documents = generated

    for document in documents:
        assert VTEX_DATE.match(document["creationDate"])
        assert VTEX_DATE.match(document["lastChange"])
        assert document["lastChange"] >= document["creationDate"]
        if document["authorizedDate"]:
            assert VTEX_DATE.match(document["authorizedDate"])


def test_documents_mix_real_world_cases(generated):
    _, _, documents = generated
    logistics = [
        entry
        for document in documents
        for entry in document["shippingData"]["logisticsInfo"]
    ]
    items = [item for document in documents for item in document["items"]]
    profiles = [document["clientProfileData"] for document in documents]
    groups = Counter(document["orderGroup"] for document in documents)

    assert any(count == 2 for count in groups.values())
    assert any(entry["deliveryChannel"] == "pickup-in-point" for entry in logistics)
    assert any(entry["deliveryChannel"] is None for entry in logistics)
    assert any(
        item["measurementUnit"] == "kg" and item["unitMultiplier"] < 1 for item in items
    )
    assert any(item["isGift"] and item["sellingPrice"] == 0 for item in items)
    assert any(MASKED_EMAIL.match(profile["email"]) for profile in profiles)
    assert any(document["changesAttachment"] for document in documents)
    assert any(
        document["status"] is None and not document["isCompleted"]
        for document in documents
    )
    estimates = {entry["shippingEstimate"][-1] for entry in logistics}
    assert estimates >= {"d", "h"}
    assert any(entry["shippingEstimate"].endswith("bd") for entry in logistics)


def test_corporate_buyers_have_valid_cnpj(generated):
    _, _, documents = generated

    corporate = [
        document["clientProfileData"]
        for document in documents
        if document["clientProfileData"]["isCorporate"]
    ]

    assert corporate
    for profile in corporate:
        assert cnpj_is_valid(profile["corporateDocument"])
        assert profile["corporateName"]
        assert profile["document"] is None


def test_split_orders_share_group_and_payment(generated):
    _, _, documents = generated
    by_group: dict[str, list[dict]] = {}
    for document in documents:
        by_group.setdefault(document["orderGroup"], []).append(document)

    splits = [group for group in by_group.values() if len(group) == 2]

    assert splits
    for first, second in splits:
        assert first["orderId"] == f"{first['orderGroup']}-01"
        assert second["orderId"] == f"{first['orderGroup']}-02"
        assert first["paymentData"] == second["paymentData"]
        payment = first["paymentData"]["transactions"][0]["payments"][0]
        original = [
            document["value"]
            - sum(t["value"] for t in document["totals"] if t["id"] == "Change")
            for document in (first, second)
        ]
        assert payment["value"] == sum(original)


def test_statuses_are_vtex_statuses(generated):
    _, _, documents = generated

    statuses = {document["status"] for document in documents}

    assert statuses <= set(flow.STATUS_DESCRIPTIONS) | {None}
    assert {flow.INVOICED, flow.CANCELED, flow.HANDLING} <= statuses


def test_same_seed_gives_same_documents():
    first = VtexSimulator(seed=11)
    again = VtexSimulator(seed=11)
    other = VtexSimulator(seed=12)

    ids = first.generate_orders(500, WINDOW_START, WINDOW_END)
    again_ids = again.generate_orders(500, WINDOW_START, WINDOW_END)
    other_ids = other.generate_orders(500, WINDOW_START, WINDOW_END)

    assert again_ids == ids
    assert [again.get_document(i) for i in ids] == [first.get_document(i) for i in ids]
    assert other_ids != ids


def test_generate_orders_rejects_naive_window():
    simulator = VtexSimulator(seed=1)

    with pytest.raises(ValueError, match="Invalid window"):
        simulator.generate_orders(1, datetime(2026, 5, 1), datetime(2026, 5, 2))
