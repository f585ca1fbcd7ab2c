"""The carrier simulator as a real HTTP server (stdlib ThreadingHTTPServer, as for Amazon).

    POST /v1/rates                    {"parcels": [...]} → {"rates": [{service, amount, days}]}
    POST /v1/labels                   {"service", "parcel"} + Idempotency-Key → tracking number and
                                      the 4×6 label as PDF (base64) and ZPL; the same key again →
                                      the same label (counted once in effects.labels)
    POST /v1/labels/{tracking}/void   refused (409) once the carrier has scanned the parcel
    GET  /v1/tracking/{tracking}      every event so far
    /_sim/…                           test controls (``CarrierSimulator.control``)

Every /v1 call needs ``Authorization: Bearer <API_KEY>``. Tracking events are sent to the
configured webhook URL, signed ``X-Carrier-Signature: sha256=<HMAC-SHA256(secret, raw body)>``.
Labels are drawn with the project's 4×6 shipping-label renderers (compliance/labels), which is
what a carrier's label looks like for our decoding tests; a real carrier draws its own.
Start with ``python manage.py carrier_simulator --port 8766`` or, in tests,
``CarrierSimulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from channels_app.carrier.mapping import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign
from channels_app.carrier.simulator.state import CarrierState, Result, error

API_KEY = "sim-carrier-key"
WEBHOOK_SECRET = "sim-carrier-webhook-secret"  # noqa: S105 - opens nothing but the simulator


@dataclass
class Fault:
    operation: str  # rate, buy_label, void, track, or "*"
    kind: str  # "429", "500", "hang", "apply_then_500"
    remaining: int
    seconds: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that gave up on an injected hang leaves a broken pipe


class CarrierSimulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = API_KEY,
        webhook_secret: str = WEBHOOK_SECRET,
    ) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.state = CarrierState()
        self.faults: list[Fault] = []
        self.server = _Server((host, port), _handler_for(self))

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> CarrierSimulator:
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

    # --- webhook: the carrier calls us ---------------------------------------------------------

    def send(self, event: dict[str, Any], signature: str = "valid") -> tuple[int, Any]:
        url = self.state.webhook_url
        if not url:
            return 0, "no webhook_url configured"
        raw = json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers[SIGNATURE_HEADER] = sign(self.webhook_secret, raw)
        elif signature == "bad":
            headers[SIGNATURE_HEADER] = sign("not-the-secret", raw)
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        try:
            conn.request("POST", parts.path or "/", body=raw, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            status = response.status
        except OSError as exc:
            return 0, f"webhook unreachable: {exc}"
        finally:
            conn.close()
        try:
            answer: Any = json.loads(text) if text else None
        except ValueError:
            answer = text
        with self.state.lock:
            self.state.deliveries.append({"id": event["id"], "status": status})
        return status, answer

    # --- test controls -------------------------------------------------------------------------

    def control(self, method: str, path: str, body: Any) -> Result:
        s = self.state
        parts = path.strip("/").split("/")[1:]  # after "_sim"
        if method == "GET" and parts == ["state"]:
            with s.lock:
                return 200, s.snapshot()
        if method == "POST" and parts == ["config"]:
            with s.lock:
                if "webhook_url" in body:
                    s.webhook_url = str(body["webhook_url"])
                if "webhook_secret" in body:
                    self.webhook_secret = str(body["webhook_secret"])
            return 200, {"webhook_url": s.webhook_url}
        if method == "POST" and parts == ["faults"]:
            with s.lock:
                self.faults.append(
                    Fault(
                        operation=body.get("operation", "*"),
                        kind=str(body["kind"]),
                        remaining=int(body.get("count", 1)),
                        seconds=float(body.get("seconds", 0)),
                    )
                )
            return 200, {"faults": len(self.faults)}
        if method == "POST" and parts == ["events"]:
            # Issue a tracking event (as the carrier's network would) and send it to the webhook.
            tracking = str(body.get("tracking_number", ""))
            with s.lock:
                if tracking not in s.labels:
                    return 404, error(f"no label {tracking}")
                event = s.event(
                    tracking,
                    str(body["type"]),
                    location=str(body.get("location", "")),
                    description=str(body.get("description", "")),
                    event_id=body.get("id"),
                    occurred_at=body.get("occurred_at"),
                )
            if body.get("send", True) is False:
                return 201, {"event": event}
            status, answer = self.send(event, str(body.get("signature", "valid")))
            return 201, {"event": event, "status": status, "answer": answer}
        if method == "POST" and parts == ["events", "resend"]:
            # The carrier delivers an event again (its retry, or a replay).
            with s.lock:
                found = [e for events in s.events.values() for e in events if e["id"] == body["id"]]
            if not found:
                return 404, error(f"no event {body.get('id')}")
            status, answer = self.send(found[0], str(body.get("signature", "valid")))
            return 200, {"event": found[0], "status": status, "answer": answer}
        return 404, error(f"no control {method} {path}")

    # --- the carrier API -----------------------------------------------------------------------

    def api(self, method: str, path: str, body: Any, key: str | None) -> tuple[str, Result]:
        parts = path.strip("/").split("/")
        s = self.state
        if method == "POST" and parts == ["v1", "rates"]:
            return "rate", s.rate(body)
        if method == "POST" and parts == ["v1", "labels"]:
            return "buy_label", s.buy(body, key)
        if (
            method == "POST"
            and len(parts) == 4
            and parts[:2] == ["v1", "labels"]
            and parts[3] == "void"
        ):
            return "void", s.void(parts[2])
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "tracking"]:
            return "track", s.track(parts[2])
        return "unknown", (404, error(f"no resource {method} {path}"))


def _operation(method: str, path: str) -> str:
    parts = path.strip("/").split("/")
    if parts[:2] == ["v1", "rates"]:
        return "rate"
    if parts[:2] == ["v1", "tracking"]:
        return "track"
    if parts[:2] == ["v1", "labels"]:
        return "void" if parts[-1] == "void" else "buy_label"
    return "unknown"


def _handler_for(sim: CarrierSimulator) -> type[BaseHTTPRequestHandler]:
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
                self._send(*sim.control(self.command, url.path, body))
                return
            operation = _operation(self.command, url.path)
            with sim.state.lock:
                sim.state.calls[operation] += 1
                authorised = self.headers.get("authorization") == f"Bearer {sim.api_key}"
                fault = sim.fault_for(operation) if authorised else None
            if not authorised:
                self._send(401, error("missing or wrong API key"))
                return
            if fault is not None and fault.kind == "hang":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind in ("429", "500"):
                status = int(fault.kind)
                self._send(
                    status, error("injected fault"), {"retry-after": "1"} if status == 429 else None
                )
                return
            with sim.state.lock:
                _op, (status, answer) = sim.api(
                    self.command, url.path, body, self.headers.get(IDEMPOTENCY_HEADER)
                )
            if fault is not None and fault.kind == "apply_then_500":
                self._send(500, error("applied, then failed"))
                return
            self._send(status, answer)

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

    return Handler
