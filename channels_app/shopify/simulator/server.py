"""The Shopify Admin GraphQL simulator as a real HTTP server (stdlib ThreadingHTTPServer).

    POST /admin/api/2026-04/graphql.json   X-Shopify-Access-Token; the document is parsed and
                                           validated against the pinned schema with the 2026-04
                                           rules (wire.check; refused the way Shopify refuses:
                                           HTTP 200 with ``errors``), then executed by the
                                           resolvers in state.py. Every answer carries
                                           ``extensions.cost`` with the store's bucket; an empty
                                           bucket answers THROTTLED.
    /_sim/…                                test controls (``Simulator.control``)

It also plays Shopify's side of the fulfillment service: fulfillment-order notifications to the
registered callbackUrl and webhooks to the configured URL, each signed with
X-Shopify-Hmac-Sha256. Start with ``python manage.py shopify_simulator --port 8766`` or, in tests,
``Simulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
from graphql import OperationType, execute_sync

from channels_app.shopify import signing, wire
from channels_app.shopify.simulator import golive
from channels_app.shopify.simulator.golive import MutationRoot, QueryRoot
from channels_app.shopify.simulator.state import SimState

GRAPHQL_PATH = f"/admin/api/{wire.API_VERSION}/graphql.json"
MUTATION_COST = 10
QUERY_FIELD_COST = 5


@dataclass
class CostBucket:
    """Shopify's leaky bucket of query-cost points for one app on one store."""

    maximum: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    at: float = field(default_factory=time.monotonic)

    def refill(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": round(self.available, 1),
            "restoreRate": self.restore_rate,
        }


@dataclass
class Fault:
    operation: str  # a root field (inventorySetQuantities), an operation name, or "*"
    # "429", "THROTTLED", "500", "hang" (sleep, then answer), "apply_then_500", "hold" (park
    # before applying, never answer), "apply_then_hold", "bump_after" (answer, then +1 everywhere)
    kind: str
    remaining: int
    seconds: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that gave up (a hang, a killed worker) is not the simulator's error


class Simulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        access_token: str = "shpat_sim_access_token",  # noqa: S107 - opens only the simulator
        webhook_secret: str = "sim-webhook-secret",  # noqa: S107
        shop_domain: str = "touchline-sim.myshopify.com",
        webhook_url: str = "",
    ) -> None:
        self.access_token = access_token
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.bucket = CostBucket()
        self.faults: list[Fault] = []
        self.holds: list[threading.Event] = []
        self.held = 0
        self.state = SimState(shop_domain=shop_domain)
        self.server = _Server((host, port), _handler_for(self))
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Simulator:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        for hold in self.holds:
            hold.set()
        self.server.shutdown()
        self.server.server_close()

    # --- Shopify's calls to the app -----------------------------------------------------------

    def _post_signed(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
        raw = json.dumps(body).encode()
        signed = {
            "content-type": "application/json",
            signing.HEADER: signing.sign(self.webhook_secret, raw),
            "X-Shopify-Shop-Domain": self.state.shop_domain,
            "X-Shopify-API-Version": wire.API_VERSION,
            **headers,
        }
        try:
            response = httpx.post(url, content=raw, headers=signed, timeout=60)
        except httpx.HTTPError as exc:
            status = 0
            detail = str(exc)
        else:
            status = response.status_code
            detail = response.text[:500]
        with self.state.lock:
            self.state.sent.append(
                {"url": url, "body": body, "status": status, "answer": detail, **headers}
            )
        return status

    def notify(self, kind: str) -> int:
        """A fulfillment-order notification to every registered service's callback URL."""
        with self.state.lock:
            urls = [s["callbackUrl"] for s in self.state.services.values() if s.get("callbackUrl")]
        statuses = [
            self._post_signed(
                f"{url.rstrip('/')}/fulfillment_order_notification", {"kind": kind}, {}
            )
            for url in urls
        ]
        return statuses[0] if statuses else 0

    def webhook(self, topic: str, payload: dict[str, Any], webhook_id: str | None = None) -> int:
        if not self.webhook_url:
            return 0
        return self._post_signed(
            self.webhook_url,
            payload,
            {
                "X-Shopify-Topic": topic,
                "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
                "X-Shopify-Triggered-At": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )

    # --- faults --------------------------------------------------------------------------------

    def fault_for(self, names: list[str]) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and (fault.operation == "*" or fault.operation in names):
                fault.remaining -= 1
                return fault
        return None

    def park(self) -> None:
        hold = threading.Event()
        with self.state.lock:
            self.holds.append(hold)
            self.held += 1
        hold.wait(120)

    # --- test controls -------------------------------------------------------------------------

    def control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        s = self.state
        parts = path.strip("/").split("/")[1:]  # after "_sim"
        if method == "GET" and parts == ["state"]:
            with s.lock:
                return 200, {**s.snapshot(), "held": self.held, "bucket": self.bucket.status()}
        if method != "POST":
            return golive.control(self, method, parts, body) or (
                404,
                {"error": f"no control {method} {path}"},
            )
        if parts == ["products"]:
            with s.lock:
                return 200, s.add_products(body)
        if parts == ["inventory"]:
            with s.lock:
                for sku, quantity in body.items():
                    s.set_available(sku, int(quantity))
            return 200, {}
        if parts == ["orders"]:
            with s.lock:
                created = s.create_order(body)
            if body.get("webhook", True):
                created["webhook"] = self.webhook(
                    "orders/create",
                    {
                        "id": int(created["order_id"].rsplit("/", 1)[-1]),
                        "admin_graphql_api_id": created["order_id"],
                        "name": created["name"],
                    },
                )
            if body.get("notify", True):
                created["notification"] = self.notify("FULFILLMENT_REQUEST")
            return 201, created
        if (
            len(parts) == 3
            and parts[0] == "fulfillment_orders"
            and parts[2] == "cancellation_request"
        ):
            fo_id = f"gid://shopify/FulfillmentOrder/{parts[1]}"
            with s.lock:
                if fo_id not in s.fulfillment_orders:
                    return 404, {"error": f"no fulfillment order {fo_id}"}
                view = s.request_cancellation(fo_id)
            if body.get("notify", True):
                view["notification"] = self.notify("CANCELLATION_REQUEST")
            return 200, view
        if parts == ["notify"]:
            return 200, {"status": self.notify(str(body.get("kind", "FULFILLMENT_REQUEST")))}
        if parts == ["webhooks"]:
            status = self.webhook(str(body["topic"]), body.get("payload") or {}, body.get("id"))
            return 200, {"status": status}
        if parts == ["faults"]:
            self.faults.append(
                Fault(
                    operation=str(body.get("operation", "*")),
                    kind=str(body["kind"]),
                    remaining=int(body.get("count", 1)),
                    seconds=float(body.get("seconds", 0)),
                )
            )
            return 200, {"faults": len(self.faults)}
        if parts == ["release"]:
            with s.lock:
                holds, self.holds = self.holds, []
            for hold in holds:
                hold.set()
            return 200, {"released": len(holds)}
        if parts == ["throttle"]:
            with s.lock:
                self.bucket.refill()
                self.bucket.maximum = float(body.get("maximumAvailable", self.bucket.maximum))
                self.bucket.restore_rate = float(body.get("restoreRate", self.bucket.restore_rate))
                self.bucket.available = float(body.get("currentlyAvailable", self.bucket.available))
            return 200, self.bucket.status()
        if parts == ["config"]:
            for name in ("webhook_url", "webhook_secret", "access_token"):
                if name in body:
                    setattr(self, name, str(body[name]))
            return 200, {}
        answered = golive.control(self, method, parts, body)  # go-live, uninstall, returns
        if answered is not None:
            return answered
        return 404, {"error": f"no control {method} {path}"}

    # --- the GraphQL endpoint ------------------------------------------------------------------

    def graphql(self, raw: bytes, token: str | None, send: Any) -> None:
        """Answer one request through `send(status, body, headers)` (or not at all: a hold)."""
        # Long on purpose: Shopify's checks in the order it documents them (auth, cost, validation,
        # throttling, execution), so each refusal is the one Shopify would give first.
        if token != self.access_token:
            send(
                401,
                {
                    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
                },
            )
            return
        try:
            body = json.loads(raw)
            query, variables = body["query"], body.get("variables") or {}
            operation_name = body.get("operationName")
            document, operation = wire.check(query, variables, operation_name)
        except (ValueError, KeyError, TypeError):
            send(400, {"errors": [{"message": "Body must be JSON with a query."}]})
            return
        except wire.WireViolation as exc:
            send(200, {"errors": [{"message": str(exc), "extensions": {"code": "BAD_REQUEST"}}]})
            return
        names = [f.name.value for f in wire.root_fields(operation)]
        is_mutation = operation.operation == OperationType.MUTATION
        cost = MUTATION_COST * len(names) if is_mutation else QUERY_FIELD_COST * len(names)
        with self.state.lock:
            for name in names:
                self.state.calls[name] += 1
            fault = self.fault_for([*names, operation_name or ""])
        if fault is not None and fault.kind == "hang":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "hold":
            self.park()
            return
        if fault is not None and fault.kind == "429":
            send(
                429,
                {"errors": "Exceeded the rate limit for api client. Reduce request rates."},
                {"Retry-After": "1.0"},
            )
            return
        if fault is not None and fault.kind == "500":
            send(
                500,
                {
                    "errors": [
                        {
                            "message": "Internal error. Looks like something went wrong on our end.",
                            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                        }
                    ]
                },
            )
            return
        with self.state.lock:
            self.bucket.refill()
            throttled = (
                fault is not None and fault.kind == "THROTTLED"
            ) or self.bucket.available < cost
            if throttled:
                extensions = {
                    "cost": {
                        "requestedQueryCost": cost,
                        "actualQueryCost": None,
                        "throttleStatus": self.bucket.status(),
                    }
                }
                answer: dict[str, Any] = {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": extensions,
                }
            else:
                self.bucket.available -= cost
                result = execute_sync(
                    wire.schema(),
                    document,
                    root_value=MutationRoot(self.state) if is_mutation else QueryRoot(self.state),
                    variable_values=variables,
                    operation_name=operation_name,
                )
                answer = {"data": result.data}
                if result.errors:
                    answer["errors"] = [
                        {"message": e.message, "path": e.path} for e in result.errors
                    ]
                answer["extensions"] = {
                    "cost": {
                        "requestedQueryCost": cost,
                        "actualQueryCost": cost,
                        "throttleStatus": self.bucket.status(),
                    }
                }
        if fault is not None and fault.kind == "bump_after":
            with self.state.lock:  # answered, then moved behind the adapter's back (+1)
                for level in self.state.levels:
                    self.state.levels[level] += 1
        if fault is not None and fault.kind == "apply_then_500":
            send(
                500,
                {
                    "errors": [
                        {
                            "message": "Internal error (applied).",
                            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                        }
                    ]
                },
            )
            return
        if fault is not None and fault.kind == "apply_then_hold":
            self.park()
            return
        send(200, answer)


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.send_header("X-Request-Id", uuid.uuid4().hex)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            raw = self._body()
            if url.path.startswith("/_sim/"):
                try:
                    self._send(*sim.control(self.command, url.path, json.loads(raw or b"{}")))
                except (KeyError, ValueError) as exc:
                    self._send(400, {"error": f"{type(exc).__name__}: {exc}"})
                return
            if url.path == GRAPHQL_PATH and self.command == "POST":
                answered: list[bool] = []

                def send(status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                    answered.append(True)
                    self._send(status, body, headers)

                sim.graphql(raw, self.headers.get("X-Shopify-Access-Token"), send)
                if not answered:
                    self.close_connection = True  # a hold: the caller gets no answer
                return
            if url.path.startswith("/admin/api/") and url.path.endswith("/graphql.json"):
                self._send(404, {"errors": f"API version not served here; use {wire.API_VERSION}."})
                return
            self._send(404, {"errors": "Not Found"})

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

    return Handler
