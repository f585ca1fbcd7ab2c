"""The SP-API simulator as a real HTTP server (stdlib ThreadingHTTPServer, no extra dependency).

    /auth/o2/token            Login with Amazon: refresh-token grant, tokens that expire
    /orders/v0/…, /listings/2021-08-01/…, /feeds/2021-06-30/…, /inbound/fba/2024-03-20/…
                              the operations in state.py / inbound.py; requests are checked against
                              Amazon's models (400 InvalidInput otherwise); each operation has its
                              usage plan (token bucket; 429 with x-amzn-RateLimit-Limit)
    /_docs/{id}               presigned-URL stand-in: feed uploads (PUT), reports and labels (GET)
    /_sim/…                   test controls (see ``Simulator.control`` and docs in README)

Notifications are queued, as Amazon's SQS destination would hold them: ``GET /_sim/notifications``
receives (and removes) them. Start with ``python manage.py amazon_simulator --port 8765`` or, in
tests, ``Simulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from channels_app.amazon import wire
from channels_app.amazon.client import IDEMPOTENCY_HEADER
from channels_app.amazon.simulator import (  # noqa: F401  (each registers its handlers)
    fba_inbound,
    feeds,
    inbound,
    inventory,
)
from channels_app.amazon.simulator.state import HANDLERS, SimState, errors


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float
    at: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Fault:
    operation: str  # an operationId, or "*"
    kind: str  # "429", "500", "hang", "drop", "apply_then_500", "apply_then_hang"
    remaining: int
    seconds: float = 0.0


@dataclass
class Credentials:
    """The simulator's well-known rehearsal credentials (they open nothing but the simulator)."""

    client_id: str = "amzn1.application-oa2-client.sim"
    client_secret: str = "sim-client-secret"  # noqa: S105
    refresh_token: str = "Atzr|sim-refresh-token"  # noqa: S105


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (an injected hang) leaves a broken pipe: not the simulator's error.
        return


class Simulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: Credentials | None = None,
        seller_id: str = "A3SIMSELLER01",
        token_ttl: float = 3600,
    ) -> None:
        self.credentials = credentials or Credentials()
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}
        self.buckets: dict[str, Bucket] = {}
        self.plans: dict[str, tuple[float, int]] = {}
        self.faults: list[Fault] = []
        self.server = _Server((host, port), _handler_for(self))
        self.state = SimState(seller_id=seller_id, base_url=self.url)
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
        self.server.shutdown()
        self.server.server_close()

    # --- Login with Amazon -------------------------------------------------------------------

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        c = self.credentials
        if form.get("grant_type") != "refresh_token":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Use refresh_token.",
            }
        if (form.get("client_id"), form.get("client_secret")) != (c.client_id, c.client_secret):
            return 401, {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
        if form.get("refresh_token") != c.refresh_token:
            return 400, {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter : refresh_token",
            }
        token = f"Atza|{uuid.uuid4().hex}"
        with self.state.lock:
            self.tokens[token] = time.monotonic() + self.token_ttl
            self.state.calls["lwa"] += 1
        return 200, {
            "access_token": token,
            "refresh_token": c.refresh_token,
            "token_type": "bearer",
            "expires_in": int(self.token_ttl),
        }

    def token_problem(self, token: str | None) -> str | None:
        if not token or token not in self.tokens:
            return "The access token you provided is revoked, malformed or invalid."
        if self.tokens[token] <= time.monotonic():
            return "The access token you provided has expired."
        return None

    # --- usage plans and faults ----------------------------------------------------------------

    def usage_plan(self, op: wire.Operation) -> tuple[float, int]:
        return self.plans.get(op.operation_id) or wire.usage_plan(op)

    def admit(self, op: wire.Operation) -> bool:
        rate, burst = self.usage_plan(op)
        bucket = self.buckets.get(op.operation_id)
        if bucket is None:
            bucket = self.buckets[op.operation_id] = Bucket(rate, burst, float(burst))
        return bucket.take()

    def fault_for(self, operation_id: str) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and fault.operation in (operation_id, "*"):
                fault.remaining -= 1
                return fault
        return None

    # --- test controls -------------------------------------------------------------------------

    def control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        s = self.state
        parts = path.strip("/").split("/")[1:]  # after "_sim"
        if method == "GET" and parts == ["state"]:
            return 200, s.snapshot()
        if method == "GET" and parts == ["notifications"]:
            taken, s.notifications = s.notifications, []
            return 200, {"notifications": taken}
        if method == "POST" and parts == ["notifications"]:
            # SQS delivers at least once, in no promised order: put received ones back, as given.
            s.notifications.extend(body.get("notifications", []))
            return 200, {"queued": len(s.notifications)}
        if method == "POST" and parts == ["orders"]:
            return 201, s.create_order(body)
        if method == "POST" and len(parts) == 3 and parts[0] == "orders":
            order_id, verb = parts[1], parts[2]
            if order_id not in s.orders:
                return 404, {"error": f"no order {order_id}"}
            if verb == "cancel":
                return 200, s.change_order(order_id, "cancel")
            if verb == "address":
                return 200, s.change_order(order_id, "address", ShippingAddress=body)
            if verb == "renotify":  # Amazon may deliver an old notification again, late
                return 200, s.notify(order_id, "OrderStatusChange", "Redelivered")
        if method == "POST" and parts == ["listings"]:
            for sku, listing in body.items():
                s.listings[sku] = {"productType": "PRODUCT", "quantity": 0} | listing
            return 200, s.listings
        if method == "POST" and parts == ["fba_inventory"]:
            return 200, inventory.set_inventory(s, body)
        if method == "POST" and parts == ["faults"]:
            self.faults.append(
                Fault(
                    operation=body.get("operation", "*"),
                    kind=str(body["kind"]),
                    remaining=int(body.get("count", 1)),
                    seconds=float(body.get("seconds", 0)),
                )
            )
            return 200, {"faults": len(self.faults)}
        if method == "POST" and parts == ["rate_limits"]:
            for operation, (rate, burst) in body.items():
                self.plans[operation] = (float(rate), int(burst))
                self.buckets.pop(operation, None)
            return 200, {"rate_limits": self.plans}
        if method == "POST" and parts == ["config"]:
            for name in ("orders_page_size", "items_page_size"):
                if name in body:
                    setattr(s, name, int(body[name]))
            if "token_ttl" in body:
                self.token_ttl = float(body["token_ttl"])
            return 200, {}
        if method == "POST" and parts == ["expire_tokens"]:
            self.tokens = dict.fromkeys(self.tokens, 0.0)
            return 200, {"expired": len(self.tokens)}
        return 404, {"error": f"no control {method} {path}"}


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    # Long because it is a class: the HTTP handler bound to one simulator, one method per verb.
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
            return

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.send_header("x-amzn-RequestId", uuid.uuid4().hex)
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
            if url.path == "/auth/o2/token" and self.command == "POST":
                self._send(*sim.issue_token(dict(parse_qsl(raw.decode()))))
                return
            if url.path.startswith("/_sim/"):
                with sim.state.lock:
                    self._send(*sim.control(self.command, url.path, json.loads(raw or b"{}")))
                return
            if url.path.startswith("/_docs/"):
                self._document(url.path.split("/", 2)[2], raw)
                return
            self._sp_api(url.path, dict(parse_qsl(url.query, keep_blank_values=True)), raw)

        def _document(self, doc_id: str, raw: bytes) -> None:
            with sim.state.lock:
                if doc_id not in sim.state.documents:
                    self._send(404, {"error": "NoSuchKey"})
                elif self.command == "PUT":
                    sim.state.documents[doc_id] = raw
                    self._send(200, None)
                else:
                    content = sim.state.documents[doc_id]
                    self.send_response(200)
                    self.send_header("content-length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)

        def _sp_api(self, path: str, query: dict[str, str], raw: bytes) -> None:
            try:
                op = wire.find_operation(self.command, path)
            except wire.WireViolation as exc:
                self._send(404, errors("NotFound", str(exc)))
                return
            if op is None:
                self._send(404, errors("NotFound", f"No resource at {path}."))
                return
            with sim.state.lock:
                sim.state.calls[op.operation_id] += 1
                problem = sim.token_problem(self.headers.get("x-amz-access-token"))
                rate, _burst = sim.usage_plan(op)
                limit = {"x-amzn-RateLimit-Limit": f"{rate:g}"}
                if problem:
                    self._send(
                        403,
                        errors("Unauthorized", "Access to requested resource is denied.", problem),
                    )
                    return
                fault = sim.fault_for(op.operation_id)
                admitted = sim.admit(op)
            if fault is not None and fault.kind == "hang":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind == "drop":
                # The request is lost on the way in (a reset connection): nothing applied, no answer.
                time.sleep(fault.seconds)
                self.close_connection = True
                return
            if fault is not None and fault.kind in ("429", "500"):
                status = int(fault.kind)
                code = "QuotaExceeded" if status == 429 else "InternalFailure"
                self._send(status, errors(code, "Injected fault."), limit)
                return
            if not admitted:
                self._send(429, errors("QuotaExceeded", "You exceeded your quota."), limit)
                return
            try:
                body = json.loads(raw) if raw else None
                wire.validate_request(op, query, body)
            except (ValueError, wire.WireViolation) as exc:
                self._send(400, errors("InvalidInput", str(exc)), limit)
                return
            handler = HANDLERS.get(op.operation_id)
            if handler is None:
                self._send(501, errors("NotImplemented", f"{op.operation_id} is not simulated."))
                return
            with sim.state.lock:
                status, reply = handler(
                    sim.state, op, query, body, self.headers.get(IDEMPOTENCY_HEADER)
                )
            if fault is not None and fault.kind == "apply_then_500":
                self._send(500, errors("InternalFailure", "Applied, then failed."), limit)
                return
            if fault is not None and fault.kind == "apply_then_hang":
                # Applied, and the answer comes late (after the caller's timeout, or never).
                time.sleep(fault.seconds)
            self._send(status, reply, limit)

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def do_PUT(self) -> None:
            self._dispatch()

        def do_PATCH(self) -> None:
            self._dispatch()

        def do_DELETE(self) -> None:
            self._dispatch()

    return Handler
