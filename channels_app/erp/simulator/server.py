"""The ERP simulator: its routes, auth and behaviour on the shared simulator base
(``channels_app.simulation``: server, faults, /_sim controls, counters).

    GET  /api/v1/items?updated_since=&page_token=   items changed after a time, oldest first, paged
    POST /api/v1/shipment-confirmations             each applied once per Idempotency-Key
    POST /api/v1/receipt-confirmations
    POST /api/v1/return-receipts                    a return received and graded
    POST /api/v1/return-dispositions                what became of returned units
    POST /api/v1/inventory-snapshots
    /_sim/…                                         test controls: the base's (state, faults,
                                                    release) and items, config

Every call needs ``Authorization: Bearer <TOKEN>``. ``effects.applied[key]`` counts how often the
effect of an idempotency key was applied (1 = exactly once); ``effects.arrivals[key]`` how often
it arrived. Start with ``python manage.py erp_simulator --port 8767`` or, in tests,
``ErpSimulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from channels_app.simulation import Effects, Reply, Request, Route, Simulator

IDEMPOTENCY_HEADER = "Idempotency-Key"
TOKEN = "sim-erp-token"  # noqa: S105 - opens nothing but the simulator
WRITES = {
    "/api/v1/shipment-confirmations": "shipment_confirmation",
    "/api/v1/receipt-confirmations": "receipt_confirmation",
    "/api/v1/return-receipts": "return_receipt",
    "/api/v1/return-dispositions": "return_disposition",
    "/api/v1/inventory-snapshots": "inventory_snapshot",
}
Result = tuple[int, Any]


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def error(message: str) -> dict[str, str]:
    return {"message": message}


GRADES = ("sellable", "damaged", "defective", "dispose")


def _return_problem(body: dict[str, Any]) -> str | None:
    """A return receipt names its RMA and, per line, a SKU, a positive quantity and a grade."""
    if not isinstance(body.get("rma"), str) or not body["rma"]:
        return "rma is required"
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines:
        return "lines: a non-empty list is required"
    for line in lines:
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str):
            return "each line needs a sku"
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            return f"{line['sku']}: quantity must be a positive integer, not {quantity!r}"
        if line.get("grade") not in GRADES:
            return f"{line['sku']}: grade must be one of {', '.join(GRADES)}"
    return None


DISPOSITIONS = ("restocked", "quarantined", "disposed")


def _disposition_problem(body: dict[str, Any]) -> str | None:
    """A return disposition names its RMA and, per line, a SKU, a positive quantity, what became
    of the units and where they went (a disposal goes to scrap, which is a location too)."""
    if not isinstance(body.get("rma"), str) or not body["rma"]:
        return "rma is required"
    if not isinstance(body.get("decided_at"), str) or not body["decided_at"]:
        return "decided_at is required"
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines:
        return "lines: a non-empty list is required"
    for line in lines:
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str):
            return "each line needs a sku"
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            return f"{line['sku']}: quantity must be a positive integer, not {quantity!r}"
        if line.get("disposition") not in DISPOSITIONS:
            return f"{line['sku']}: disposition must be one of {', '.join(DISPOSITIONS)}"
        if not isinstance(line.get("location"), str) or not line["location"]:
            return f"{line['sku']}: location is required"
    return None


PROBLEMS = {"return_receipt": _return_problem, "return_disposition": _disposition_problem}


@dataclass
class ErpState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    page_size: int = 100
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    # applied: idempotency key → effects applied (1 = exactly once); arrivals: idempotency key →
    # requests; by_kind: operation → effects applied
    effects: Effects = field(default_factory=lambda: Effects("applied", "arrivals", "by_kind"))
    bodies: dict[str, Any] = field(default_factory=dict)  # idempotency key → first body

    def tick(self) -> dt.datetime:
        # Strictly increasing, so updated_at orders every change (and the cursor never skips one).
        self.clock = max(dt.datetime.now(dt.UTC), self.clock + dt.timedelta(microseconds=1))
        return self.clock

    def change_item(self, sku: str, fields: dict[str, Any]) -> dict[str, Any]:
        item = self.items.get(sku) or {"sku": sku, "version": 0}
        item = {**item, **fields, "sku": sku}
        item["version"] = int(item["version"]) + 1
        item["updated_at"] = iso(self.tick())
        self.items[sku] = item
        return item

    def list_items(self, query: dict[str, str]) -> Result:
        changed = sorted(self.items.values(), key=lambda i: i["updated_at"])
        if query.get("page_token"):
            start = json.loads(base64.urlsafe_b64decode(query["page_token"]))
            since, offset = start["since"], start["offset"]
        else:
            since, offset = query.get("updated_since"), 0
        if since:
            cut = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
            changed = [
                i
                for i in changed
                if dt.datetime.fromisoformat(i["updated_at"].replace("Z", "+00:00")) > cut
            ]
        page = changed[offset : offset + self.page_size]
        body: dict[str, Any] = {"items": page}
        if offset + self.page_size < len(changed):
            token = json.dumps({"since": since, "offset": offset + self.page_size}).encode()
            body["next_page_token"] = base64.urlsafe_b64encode(token).decode()
        return 200, body

    def write(self, operation: str, body: Any, key: str | None) -> Result:
        if not key:
            return 400, error("Idempotency-Key header is required")
        if not isinstance(body, dict):
            return 400, error("body must be an object")
        check = PROBLEMS.get(operation)
        problem = check(body) if check else None
        if problem:
            return 422, error(problem)
        self.effects["arrivals"][key] += 1
        if key in self.bodies:
            return 200, {"applied": False, "idempotency_key": key}
        self.bodies[key] = {"operation": operation, "body": body}
        self.effects["applied"][key] += 1
        self.effects["by_kind"][operation] += 1
        return 201, {"applied": True, "idempotency_key": key}

    def snapshot(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "effects": self.effects.snapshot(),
            "bodies": self.bodies,
        }


class ErpSimulator(Simulator):
    name = "ERP"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = TOKEN) -> None:
        super().__init__(host=host, port=port)
        self.token = token
        self.state = ErpState(lock=self.lock)

    def route(self, request: Request) -> Route | Reply:
        try:
            body = request.json() or {}
        except ValueError:
            return Reply(400, error("body is not JSON"))
        s = self.state
        if request.method == "GET" and request.path == "/api/v1/items":
            return Route("list_items", lambda _f: Reply(*s.list_items(request.query)))
        if request.method == "POST" and request.path in WRITES:
            operation = WRITES[request.path]
            key = request.headers.get(IDEMPOTENCY_HEADER)
            return Route(operation, lambda _f: Reply(*s.write(operation, body, key)))
        return Reply(404, error(f"no resource {request.method} {request.path}"))

    def refuse(self, request: Request, route: Route) -> Reply | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, error("missing or wrong token"))
        return None

    def fault_reply(self, status: int, route: Route) -> Reply:
        return Reply(
            status, error("injected fault"), {"retry-after": "0.2"} if status == 429 else {}
        )

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def control(self, request: Request, parts: list[str]) -> Reply | None:
        body = request.json() or {}
        if request.method == "POST" and parts == ["items"]:
            # Change items in the ERP, as its users would: {sku: {field: value}}.
            with self.lock:
                return Reply(200, {sku: self.state.change_item(sku, f) for sku, f in body.items()})
        if request.method == "POST" and parts == ["config"]:
            if "page_size" in body:
                with self.lock:
                    self.state.page_size = int(body["page_size"])
            return Reply(200, {})
        return None
