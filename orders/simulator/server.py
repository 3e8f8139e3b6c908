"""The HTTP face of the simulator: VTEX's paths plus a few control paths.

VTEX paths (authenticated with X-VTEX-API-AppKey and X-VTEX-API-AppToken
when the simulator has keys):

    GET  /api/oms/pvt/orders/{orderId}
    GET  /api/oms/pvt/orders?f_creationDate=creationDate:[A TO B]&page=&per_page=
    POST /api/oms/pvt/orders/{orderId}/start-handling
    POST /api/oms/pvt/orders/{orderId}/invoice
    GET  /api/orders/feed?maxlot=N      POST /api/orders/feed {"handles": [...]}
    GET  /api/orders/feed/config        GET  /api/orders/hook/config
    GET  /api/logistics/pvt/inventory/skus/{skuId}

Control paths (no authentication, no injected faults):

    POST /_simulator/faults   {"status", "count", "retry_after", "path_prefix",
                               "after"} or {"rate_429", "rate_5xx"}
    GET  /_simulator/stats
    POST /_simulator/orders/{orderId}/advance
"""

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from orders.simulator.records import SimulatorError
from orders.simulator.state import VtexSimulator

logger = logging.getLogger(__name__)

ORDER_PATH = re.compile(r"^/api/oms/pvt/orders/(?P<order_id>[^/]+)$")
ACTION_PATH = re.compile(
    r"^/api/oms/pvt/orders/(?P<order_id>[^/]+)/(?P<action>start-handling|invoice)$"
)
INVENTORY_PATH = re.compile(r"^/api/logistics/pvt/inventory/skus/(?P<sku_id>[^/]+)$")
ADVANCE_PATH = re.compile(r"^/_simulator/orders/(?P<order_id>[^/]+)/advance$")
CONTROL_PREFIX = "/_simulator/"
JSON_TYPE = "application/json; charset=utf-8"


def error_body(code: str, message: str) -> bytes:
    payload = {"error": {"code": code, "message": message, "exception": None}}
    return json.dumps(payload, ensure_ascii=False).encode()


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    # Keep-alive, and no Nagle delay between the header and body writes, so a
    # client that reuses its connection does not wait 40 ms for delayed ACKs.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "VtexSimulator/1.0"

    @property
    def simulator(self) -> VtexSimulator:
        return self.server.simulator

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def log_message(self, format, *args):
        logger.debug("%s %s", self.address_string(), format % args)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        raw_body = self._read_body()
        self.simulator.record_request(method, self.path)
        try:
            if path.startswith(CONTROL_PREFIX):
                self._control(method, path, raw_body)
            else:
                self._api(method, path, params, raw_body)
        except SimulatorError as error:
            self._send(error.status, error_body(error.code, error.message))
        except Exception:
            logger.exception("Simulator failed on %s %s", method, path)
            self._send(500, error_body("500", "Internal simulator error."))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _api(self, method: str, path: str, params: dict, raw_body: bytes) -> None:
        simulator = self.simulator
        app_key = self.headers.get("X-VTEX-API-AppKey")
        app_token = self.headers.get("X-VTEX-API-AppToken")
        if not simulator.is_authorized(app_key, app_token):
            raise SimulatorError(
                401,
                "Unauthorized: missing or wrong X-VTEX-API-AppKey or "
                "X-VTEX-API-AppToken.",
            )

        failure = simulator.faults.failure_for(path)
        if failure is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            message = (
                "Too many requests." if failure.status == 429 else "Injected error."
            )
            body = error_body(str(failure.status), message)
            self._send(failure.status, body, headers)
            return

        self._route(method, path, params, raw_body)

    def _route(self, method: str, path: str, params: dict, raw_body: bytes) -> None:
        simulator = self.simulator
        if (method, path) == ("GET", "/api/oms/pvt/orders"):
            self._send_json(200, simulator.list_orders(params))
        elif (method, path) == ("GET", "/api/orders/feed"):
            self._send_json(200, simulator.feed_items(params.get("maxlot")))
        elif (method, path) == ("POST", "/api/orders/feed"):
            self._send_json(200, simulator.feed_commit(_json(raw_body)))
        elif (method, path) == ("GET", "/api/orders/feed/config"):
            self._send_json(200, simulator.feed_config())
        elif (method, path) == ("GET", "/api/orders/hook/config"):
            self._send_json(200, simulator.hook_config())
        elif method == "GET" and (match := ORDER_PATH.match(path)):
            self._send(200, simulator.order_body(unquote(match["order_id"])))
        elif method == "POST" and (match := ACTION_PATH.match(path)):
            self._order_action(unquote(match["order_id"]), match["action"], raw_body)
        elif method == "GET" and (match := INVENTORY_PATH.match(path)):
            sku_id = unquote(match["sku_id"])
            self._send_json(200, simulator.inventory_for_sku(sku_id))
        else:
            raise SimulatorError(404, f"No route for {method} {path}.")

    def _order_action(self, order_id: str, action: str, raw_body: bytes) -> None:
        if action == "start-handling":
            self.simulator.start_handling(order_id)
            self._send(204, b"")
        else:
            self._send_json(200, self.simulator.invoice(order_id, _json(raw_body)))

    def _control(self, method: str, path: str, raw_body: bytes) -> None:
        simulator = self.simulator
        if (method, path) == ("POST", "/_simulator/faults"):
            _apply_fault_request(simulator, _json(raw_body))
            self._send(204, b"")
        elif (method, path) == ("GET", "/_simulator/stats"):
            self._send_json(200, simulator.stats())
        elif method == "POST" and (match := ADVANCE_PATH.match(path)):
            try:
                document = simulator.advance_order(unquote(match["order_id"]))
            except ValueError as error:
                raise SimulatorError(409, str(error)) from None
            self._send_json(200, document)
        else:
            raise SimulatorError(404, f"No route for {method} {path}.")

    def _send_json(self, status: int, payload) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode())

    def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.simulator.record_response(status)
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _json(raw_body: bytes):
    try:
        return json.loads(raw_body or b"null")
    except ValueError as error:
        raise SimulatorError(400, f"Invalid JSON body: {error}.") from None


def _apply_fault_request(simulator: VtexSimulator, body) -> None:
    if not isinstance(body, dict):
        raise SimulatorError(400, "Invalid body: expected a JSON object.")
    try:
        if "rate_429" in body or "rate_5xx" in body:
            simulator.set_fault_rates(
                float(body.get("rate_429", 0.0)), float(body.get("rate_5xx", 0.0))
            )
            return
        simulator.inject_fault(
            status=int(body.get("status", 429)),
            count=int(body.get("count", 1)),
            retry_after=body.get("retry_after", 1),
            path_prefix=str(body.get("path_prefix", "/api/oms/pvt/orders")),
            after=int(body.get("after", 0)),
        )
    except (TypeError, ValueError) as error:
        raise SimulatorError(400, str(error)) from None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Room for many concurrent benchmark connections in the listen backlog.
    request_queue_size = 128


class SimulatorServer:
    """A running simulator HTTP server; also a context manager."""

    def __init__(self, simulator: VtexSimulator, host: str, port: int):
        self.simulator = simulator
        self._httpd = _HTTPServer((host, port), SimulatorRequestHandler)
        self._httpd.simulator = simulator
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="vtex-simulator-http",
            daemon=True,
        )
        self._thread.start()
        logger.info("VTEX simulator listening on %s", self.url)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def shutdown(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        logger.info("VTEX simulator on %s stopped", self.url)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
