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
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from channels_app.amazon import wire
from channels_app.amazon.client import IDEMPOTENCY_HEADER
from channels_app.amazon.simulator import (  # noqa: F401  (each registers its handlers)
    confirmations,
    fba_inbound,
    feeds,
    inbound,
    inventory,
    orders_paging,
    reports,
    tokens_api,
)
from channels_app.amazon.simulator.auth import AccessTokens
from channels_app.amazon.simulator.state import HANDLERS, SimState, errors
from channels_app.amazon.simulator.usage import QUOTA_EXCEEDED, UsagePlans


@dataclass
class Fault:
    operation: str  # an operationId, or "*"
    kind: str  # "429", "500", "hang", "drop", "apply_then_500", "apply_then_hang", "token_refused"
    remaining: int
    seconds: float = 0.0
    skip: int = 0  # matching calls to let through before the fault strikes


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
        self.faults: list[Fault] = []
        self.lwa_delay = 0.0  # seconds LWA takes to answer (a test widens the refresh race)
        self.server = _Server((host, port), _handler_for(self))
        self.state = SimState(seller_id=seller_id, base_url=self.url)
        self.clock = self.state.sim_clock
        self.tokens = AccessTokens(self.clock, token_ttl)
        self.usage = UsagePlans(self.clock)
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
        if self.lwa_delay:
            time.sleep(self.lwa_delay)
        token = f"Atza|{uuid.uuid4().hex}"
        with self.state.lock:
            expires_in = self.tokens.issue(token)
            self.state.calls["lwa"] += 1
        return 200, {
            "access_token": token,
            "refresh_token": c.refresh_token,
            "token_type": "bearer",
            "expires_in": expires_in,
        }

    # --- usage plans and faults ----------------------------------------------------------------

    def usage_plan(self, op: wire.Operation) -> tuple[float, int]:
        return self.usage.plan(op.operation_id, wire.usage_plan(op))

    def admit(self, op: wire.Operation) -> bool:
        return self.usage.admit(op.operation_id, wire.usage_plan(op))

    def fault_for(self, operation_id: str) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and fault.operation in (operation_id, "*"):
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.remaining -= 1
                return fault
        return None

    # --- test controls -------------------------------------------------------------------------

    def control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        s = self.state
        parts = path.strip("/").split("/")[1:]  # after "_sim"
        if method == "GET" and parts == ["state"]:
            return 200, s.snapshot() | {"tokens": self.tokens.snapshot()} | {
                "usage": self.usage.snapshot()
            }
        if method == "POST" and parts == ["orders", "bulk"]:
            made = [s.create_order({"items": body["items"]}) for _ in range(int(body["count"]))]
            return 201, {"AmazonOrderIds": [o["AmazonOrderId"] for o in made]}
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
        if method == "POST" and parts == ["expire_rdts"]:  # tokens_api.py
            return 200, {"expired": tokens_api.expire_all(s)}
        if method == "POST" and parts == ["returns"]:  # a buyer's return (reports.py)
            return 201, reports.add_return(s, body)
        if method == "POST" and parts == ["fba_inventory"]:
            return 200, inventory.set_inventory(s, body)
        if method == "POST" and parts == ["faults"]:
            self.faults.append(
                Fault(
                    operation=body.get("operation", "*"),
                    kind=str(body["kind"]),
                    remaining=int(body.get("count", 1)),
                    seconds=float(body.get("seconds", 0)),
                    skip=int(body.get("skip", 0)),
                )
            )
            return 200, {"faults": len(self.faults)}
        if method == "POST" and parts == ["rate_limits"]:
            for operation, (rate, burst) in body.items():
                self.usage.override(operation, float(rate), int(burst))
            return 200, {"rate_limits": self.usage.overrides}
        if method == "POST" and parts == ["clock"]:
            if "speed" in body:
                if float(body["speed"]) <= 0:
                    return 400, {"error": "speed must be above 0 (1 is Amazon's own clock)"}
                self.clock.set_speed(float(body["speed"]))
            self.clock.advance(float(body.get("advance", 0)))
            return 200, {"speed": self.clock.speed}
        if method == "POST" and parts == ["config"]:
            for name in ("orders_page_size", "items_page_size", "fba_split"):
                if name in body:
                    setattr(s, name, int(body[name]))
            if "token_ttl" in body:
                self.tokens.ttl = float(body["token_ttl"])
            if "next_token_ttl" in body:
                s.next_token_ttl = float(body["next_token_ttl"])
            if "lwa_delay" in body:
                self.lwa_delay = float(body["lwa_delay"])
            return 200, {}
        if method == "POST" and parts == ["expire_tokens"]:
            return 200, {"expired": self.tokens.expire_all()}
        if method == "POST" and parts == ["revoke_tokens"]:
            return 200, {"revoked": self.tokens.revoke_all()}
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
                token = self.headers.get("x-amz-access-token")
                refusal = tokens_api.refusal(sim, self.command, path, token)
                limit = sim.usage.header(op.operation_id, wire.usage_plan(op))
                if refusal is not None:
                    self._send(*refusal)
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
            if fault is not None and fault.kind == "token_refused":
                # Amazon refusing a token it issued (its side restarted between our login and
                # this call, or an outage like amzn/selling-partner-api-docs#3153).
                self._send(*sim.tokens.revoked())
                return
            if fault is not None and fault.kind in ("429", "500"):
                status = int(fault.kind)
                code = "QuotaExceeded" if status == 429 else "InternalFailure"
                self._send(status, errors(code, "Injected fault."), limit)
                return
            if not admitted:
                self._send(429, QUOTA_EXCEEDED, limit)
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
            reply = tokens_api.redact(sim.state, op, self.command, path, token, reply)
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
