"""The ERP simulator as a real HTTP server (stdlib ThreadingHTTPServer, as for Amazon).

    GET  /api/v1/items?updated_since=&page_token=   items changed after a time, oldest first, paged
    POST /api/v1/shipment-confirmations             each applied once per Idempotency-Key
    POST /api/v1/receipt-confirmations
    POST /api/v1/inventory-snapshots
    /_sim/…                                         test controls (``ErpSimulator.control``)

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
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN = "sim-erp-token"  # noqa: S105 - opens nothing but the simulator
WRITES = {
    "/api/v1/shipment-confirmations": "shipment_confirmation",
    "/api/v1/receipt-confirmations": "receipt_confirmation",
    "/api/v1/inventory-snapshots": "inventory_snapshot",
}
Result = tuple[int, Any]


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def error(message: str) -> dict[str, str]:
    return {"message": message}


@dataclass
class Fault:
    operation: str  # list_items, shipment_confirmation, receipt_confirmation, inventory_snapshot, *
    kind: str  # "429", "500", "hang" (before applying), "slow" (apply, then answer late),
    # "apply_then_500"
    remaining: int
    seconds: float = 0.0


@dataclass
class ErpState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    page_size: int = 100
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)  # idempotency key → effects applied
    arrivals: Counter[str] = field(default_factory=Counter)  # idempotency key → requests
    by_kind: Counter[str] = field(default_factory=Counter)  # operation → effects applied
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
        self.arrivals[key] += 1
        if key in self.bodies:
            return 200, {"applied": False, "idempotency_key": key}
        self.bodies[key] = {"operation": operation, "body": body}
        self.applied[key] += 1
        self.by_kind[operation] += 1
        return 201, {"applied": True, "idempotency_key": key}

    def snapshot(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "calls": dict(self.calls),
            "effects": {
                "applied": dict(self.applied),
                "arrivals": dict(self.arrivals),
                "by_kind": dict(self.by_kind),
            },
            "bodies": self.bodies,
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class ErpSimulator:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = TOKEN) -> None:
        self.token = token
        self.state = ErpState()
        self.faults: list[Fault] = []
        self.server = _Server((host, port), _handler_for(self))

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ErpSimulator:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fault_for(self, operation: str) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and fault.operation in (operation, "*"):
                fault.remaining -= 1
                return fault
        return None

    def control(self, method: str, path: str, body: Any) -> Result:
        s = self.state
        parts = path.strip("/").split("/")[1:]
        if method == "GET" and parts == ["state"]:
            return 200, s.snapshot()
        if method == "POST" and parts == ["items"]:
            # Change items in the ERP, as its users would: {sku: {field: value}}.
            return 200, {sku: s.change_item(sku, fields) for sku, fields in body.items()}
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
        if method == "POST" and parts == ["config"]:
            if "page_size" in body:
                s.page_size = int(body["page_size"])
            return 200, {}
        return 404, error(f"no control {method} {path}")


def _handler_for(sim: ErpSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                self._send(400, error("body is not JSON"))
                return
            if url.path.startswith("/_sim/"):
                with sim.state.lock:
                    self._send(*sim.control(self.command, url.path, body))
                return
            if self.command == "GET" and url.path == "/api/v1/items":
                operation = "list_items"
            elif self.command == "POST" and url.path in WRITES:
                operation = WRITES[url.path]
            else:
                self._send(404, error(f"no resource {self.command} {url.path}"))
                return
            with sim.state.lock:
                sim.state.calls[operation] += 1
                authorised = self.headers.get("authorization") == f"Bearer {sim.token}"
                fault = sim.fault_for(operation) if authorised else None
            if not authorised:
                self._send(401, error("missing or wrong token"))
                return
            if fault is not None and fault.kind == "hang":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind in ("429", "500"):
                status = int(fault.kind)
                extra = {"retry-after": "0.2"} if status == 429 else None
                self._send(status, error("injected fault"), extra)
                return
            with sim.state.lock:
                if operation == "list_items":
                    status, answer = sim.state.list_items(dict(parse_qsl(url.query)))
                else:
                    status, answer = sim.state.write(
                        operation, body, self.headers.get("idempotency-key")
                    )
            if fault is not None and fault.kind == "apply_then_500":
                self._send(500, error("applied, then failed"))
                return
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)  # applied; the answer comes after the caller gave up
            self._send(status, answer)

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

    return Handler
