"""The SP-API simulator: Amazon's routes, auth and behaviour on the shared simulator base
(``channels_app.simulation``: server, faults, /_sim controls, counters).

    /auth/o2/token            Login with Amazon: refresh-token grant, tokens that expire (auth.py)
    /orders/v0/…, /listings/2021-08-01/…, /feeds/2021-06-30/…, /inbound/fba/2024-03-20/…
                              the operations in state.py / inbound.py; requests are checked against
                              Amazon's models (400 InvalidInput otherwise); each operation has its
                              usage plan (token bucket; 429 with x-amzn-RateLimit-Limit, usage.py);
                              an RDT opens only what it names, and PII is left out without one
                              (tokens_api.py)
    /_docs/{id}               presigned-URL stand-in: feed uploads (PUT), reports and labels (GET)
    /_sim/…                   test controls: the base's (state, faults, faults/clear, release) and
                              Amazon's (``Simulator.control``; docs in README)

Faults are the base's, plus ``token_refused`` (Amazon refuses an access token it issued). LWA and
the presigned documents are other services than the SP-API: they take no faults, no usage plan.

Notifications are queued, as Amazon's SQS destination would hold them: ``GET /_sim/notifications``
receives (and removes) them. Start with ``python manage.py amazon_simulator --port 8765`` or, in
tests, ``Simulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from channels_app import simulation
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
from channels_app.simulation import BadControl, Fault, Reply, Request, Route

LWA_PATH = "/auth/o2/token"

# Beyond the base's faults: "token_refused" — Amazon refusing a token it issued (its side restarted
# between our login and this call, or an outage like amzn/selling-partner-api-docs#3153).
FAULT_KINDS = simulation.FAULT_KINDS | {"token_refused"}


@dataclass
class Credentials:
    """The simulator's well-known rehearsal credentials (they open nothing but the simulator)."""

    client_id: str = "amzn1.application-oa2-client.sim"
    client_secret: str = "sim-client-secret"  # noqa: S105
    refresh_token: str = "Atzr|sim-refresh-token"  # noqa: S105


@dataclass
class Call:
    """One SP-API call as it goes through the base: what ``refuse``, ``apply`` and
    ``fault_reply`` need of it (the route's ``detail``)."""

    op: wire.Operation
    method: str
    path: str
    query: dict[str, str]
    raw: bytes
    token: str | None
    key: str | None
    limit: dict[str, str]
    admitted: bool = True
    applied: bool = False


class Simulator(simulation.Simulator):
    fault_kinds = FAULT_KINDS
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
        self.lwa_delay = 0.0  # seconds LWA takes to answer (a test widens the refresh race)
        self.state = SimState(seller_id=seller_id, base_url=self.url)
        # One lock and one call counter: the state's, which its handlers and snapshot use.
        self.lock = self.state.lock
        self.calls = self.state.calls
        self.clock = self.state.sim_clock
        self.tokens = AccessTokens(self.clock, token_ttl)
        self.usage = UsagePlans(self.clock)

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

    # --- usage plans ---------------------------------------------------------------------------

    def usage_plan(self, op: wire.Operation) -> tuple[float, int]:
        return self.usage.plan(op.operation_id, wire.usage_plan(op))

    def admit(self, op: wire.Operation) -> bool:
        return self.usage.admit(op.operation_id, wire.usage_plan(op))

    # --- the routes ----------------------------------------------------------------------------

    def reply_headers(self) -> dict[str, str]:
        return {"x-amzn-RequestId": uuid.uuid4().hex}

    def route(self, request: Request) -> Route | Reply:
        if request.path == LWA_PATH and request.method == "POST":
            # Not under the lock: a test's lwa_delay holds this call, not the simulator.
            return Reply(*self.issue_token(dict(parse_qsl(request.raw.decode()))))
        if request.path.startswith("/_docs/"):
            return self.document(request)
        try:
            op = wire.find_operation(request.method, request.path)
        except wire.WireViolation as exc:
            return Reply(404, errors("NotFound", str(exc)))
        if op is None:
            return Reply(404, errors("NotFound", f"No resource at {request.path}."))
        call = Call(
            op=op,
            method=request.method,
            path=request.path,
            query=request.query,
            raw=request.raw,
            token=request.headers.get("x-amz-access-token"),
            key=request.headers.get(IDEMPOTENCY_HEADER),
            limit={},
        )
        return Route(
            op.operation_id, lambda fault: self.apply(call, fault), locked=False, detail=call
        )

    def document(self, request: Request) -> Reply:
        doc_id = request.path.split("/", 2)[2]
        with self.state.lock:
            if doc_id not in self.state.documents:
                return Reply(404, {"error": "NoSuchKey"})
            if request.method == "PUT":
                self.state.documents[doc_id] = request.raw
                return Reply(200, None)
            return Reply(200, self.state.documents[doc_id])

    def refuse(self, request: Request, route: Route) -> Reply | None:
        # Under the lock, before any fault: the token is checked, then the call takes its place in
        # the usage plan's bucket (an injected fault still spends it, as a real call would).
        call: Call = route.detail
        refusal = tokens_api.refusal(self, call.method, call.path, call.token)
        call.limit = self.usage.header(call.op.operation_id, wire.usage_plan(call.op))
        if refusal is not None:
            return Reply(*refusal)
        call.admitted = self.admit(call.op)
        return None

    def fault_reply(self, status: int, route: Route) -> Reply:
        call: Call = route.detail
        if status == 429:
            return Reply(429, errors("QuotaExceeded", "Injected fault."), call.limit)
        message = "Applied, then failed." if call.applied else "Injected fault."
        return Reply(status, errors("InternalFailure", message), call.limit)

    def apply(self, call: Call, fault: Fault | None) -> Reply:
        if fault is not None and fault.kind == "token_refused":
            with self.lock:
                return Reply(*self.tokens.revoked())
        if not call.admitted:
            return Reply(429, QUOTA_EXCEEDED, call.limit)
        try:
            body = json.loads(call.raw) if call.raw else None
            wire.validate_request(call.op, call.query, body)
        except (ValueError, wire.WireViolation) as exc:
            return Reply(400, errors("InvalidInput", str(exc)), call.limit)
        handler = HANDLERS.get(call.op.operation_id)
        if handler is None:
            return Reply(501, errors("NotImplemented", f"{call.op.operation_id} is not simulated."))
        with self.lock:
            status, reply = handler(self.state, call.op, call.query, body, call.key)
        reply = tokens_api.redact(self.state, call.op, call.method, call.path, call.token, reply)
        call.applied = True
        return Reply(status, reply, call.limit)

    # --- Amazon's test controls ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot() | {
            "tokens": self.tokens.snapshot(),
            "usage": self.usage.snapshot(),
        }

    def control(self, request: Request, parts: list[str]) -> Reply | None:
        with self.lock:
            answer = self.sim_control(request.method, parts, request.json() or {})
        return None if answer is None else Reply(*answer)

    def sim_control(self, method: str, parts: list[str], body: Any) -> tuple[int, Any] | None:
        s = self.state
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
        if method == "POST" and parts == ["rate_limits"]:
            for operation, (rate, burst) in body.items():
                self.usage.override(operation, float(rate), int(burst))
            return 200, {"rate_limits": self.usage.overrides}
        if method == "POST" and parts == ["clock"]:
            if "speed" in body:
                if float(body["speed"]) <= 0:
                    raise BadControl("speed must be above 0 (1 is Amazon's own clock)")
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
        return None
