"""The SP-API simulator: Amazon's routes, auth and behaviour on the shared simulator base
(``channels_app.simulation``: server, faults, /_sim controls, counters).

    /auth/o2/token            Login with Amazon: refresh-token grant, tokens that expire
    /orders/v0/…, /listings/2021-08-01/…, /feeds/2021-06-30/…, /inbound/fba/2024-03-20/…
                              the operations in state.py / inbound.py; requests are checked against
                              Amazon's models (400 InvalidInput otherwise); each operation has its
                              usage plan (token bucket; 429 with x-amzn-RateLimit-Limit)
    /_docs/{id}               presigned-URL stand-in: feed uploads (PUT), reports and labels (GET)
    /_sim/…                   test controls: the base's (state, faults, release) and Amazon's
                              (``Simulator.sim_control`` and docs in README)

Notifications are queued, as Amazon's SQS destination would hold them: ``GET /_sim/notifications``
receives (and removes) them. Start with ``python manage.py amazon_simulator --port 8765`` or, in
tests, ``Simulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from channels_app import simulation
from channels_app.amazon import wire
from channels_app.amazon.client import IDEMPOTENCY_HEADER
from channels_app.amazon.simulator import inbound  # noqa: F401  (registers its handlers)
from channels_app.amazon.simulator.state import HANDLERS, SimState, errors
from channels_app.simulation import Fault, Reply, Request, Route


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
class Credentials:
    """The simulator's well-known rehearsal credentials (they open nothing but the simulator)."""

    client_id: str = "amzn1.application-oa2-client.sim"
    client_secret: str = "sim-client-secret"  # noqa: S105
    refresh_token: str = "Atzr|sim-refresh-token"  # noqa: S105


class Simulator(simulation.Simulator):
    name = "Amazon SP-API"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: Credentials | None = None,
        seller_id: str = "A3SIMSELLER01",
        token_ttl: float = 3600,
    ) -> None:
        super().__init__(host=host, port=port)
        self.credentials = credentials or Credentials()
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}
        self.buckets: dict[str, Bucket] = {}
        self.plans: dict[str, tuple[float, int]] = {}
        self.state = SimState(seller_id=seller_id, base_url=self.url)
        # One lock and one call counter: the state's, which its handlers and snapshot use.
        self.lock = self.state.lock
        self.calls = self.state.calls

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

    # --- the routes: Login with Amazon, documents, the SP-API ---------------------------------

    def reply_headers(self) -> dict[str, str]:
        return {"x-amzn-RequestId": uuid.uuid4().hex}

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def route(self, request: Request) -> Route | Reply:
        if request.path == "/auth/o2/token" and request.method == "POST":
            # Login with Amazon is another service: no SP-API faults (it counts its own calls).
            return Reply(*self.issue_token(dict(parse_qsl(request.raw.decode()))))
        if request.path.startswith("/_docs/"):
            return self.document(request.method, request.path.split("/", 2)[2], request.raw)
        try:
            op = wire.find_operation(request.method, request.path)
        except wire.WireViolation as exc:
            return Reply(404, errors("NotFound", str(exc)))
        if op is None:
            return Reply(404, errors("NotFound", f"No resource at {request.path}."))
        return Route(
            op.operation_id,
            lambda fault: self.sp_api(op, request, fault),
            locked=False,
            detail=op,
        )

    def document(self, method: str, doc_id: str, raw: bytes) -> Reply:
        """The presigned-URL stand-in (S3): feed uploads (PUT), reports and labels (GET)."""
        with self.lock:
            if doc_id not in self.state.documents:
                return Reply(404, {"error": "NoSuchKey"})
            if method == "PUT":
                self.state.documents[doc_id] = raw
                return Reply(200, None)
            return Reply(200, bytes(self.state.documents[doc_id]))

    def limit(self, op: wire.Operation) -> dict[str, str]:
        rate, _burst = self.usage_plan(op)
        return {"x-amzn-RateLimit-Limit": f"{rate:g}"}

    def refuse(self, request: Request, route: Route) -> Reply | None:
        problem = self.token_problem(request.headers.get("x-amz-access-token"))
        if problem:
            return Reply(
                403, errors("Unauthorized", "Access to requested resource is denied.", problem)
            )
        return None

    def fault_reply(self, status: int, route: Route) -> Reply:
        if status == 429:
            return Reply(429, errors("QuotaExceeded", "Injected fault."), self.limit(route.detail))
        return Reply(status, errors("InternalFailure", "Injected fault."), self.limit(route.detail))

    def sp_api(self, op: wire.Operation, request: Request, fault: Fault | None) -> Reply:
        limit = self.limit(op)
        with self.lock:
            admitted = self.admit(op)
        if not admitted:
            return Reply(429, errors("QuotaExceeded", "You exceeded your quota."), limit)
        try:
            body = request.json()
            wire.validate_request(op, request.query, body)
        except (ValueError, wire.WireViolation) as exc:
            return Reply(400, errors("InvalidInput", str(exc)), limit)
        handler = HANDLERS.get(op.operation_id)
        if handler is None:
            return Reply(501, errors("NotImplemented", f"{op.operation_id} is not simulated."))
        with self.lock:
            status, reply = handler(
                self.state, op, request.query, body, request.headers.get(IDEMPOTENCY_HEADER)
            )
        return Reply(status, reply, limit)

    # --- test controls -------------------------------------------------------------------------

    def control(self, request: Request, parts: list[str]) -> Reply | None:
        with self.lock:
            return Reply(*self.sim_control(request.method, request.path, request.json() or {}))

    def sim_control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        s = self.state
        parts = path.strip("/").split("/")[1:]  # after "_sim"
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
