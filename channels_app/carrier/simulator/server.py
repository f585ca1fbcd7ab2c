"""The carrier simulator: its routes, auth and behaviour on the shared simulator base
(``channels_app.simulation``: server, faults, /_sim controls, counters).

    POST /v1/rates                    {"parcels": [...]} → {"rates": [{service, amount, days}]}
    POST /v1/labels                   {"service", "parcel"} + Idempotency-Key → tracking number and
                                      the 4×6 label as PDF (base64) and ZPL; the same key again →
                                      the same label (counted once in effects.labels)
    POST /v1/labels/{tracking}/void   refused (422) once the carrier has scanned the parcel
    GET  /v1/tracking/{tracking}      every event so far
    /_sim/…                           test controls: the base's (state, faults, release) and
                                      config, events, events/resend (``CarrierSimulator.control``)

Every /v1 call needs ``Authorization: Bearer <API_KEY>``. Tracking events are sent to the
configured webhook URL, signed ``X-Carrier-Signature: sha256=<HMAC-SHA256(secret, raw body)>``.
Labels are drawn with the project's 4×6 shipping-label renderers (compliance/labels), which is
what a carrier's label looks like for our decoding tests; a real carrier draws its own.
Start with ``python manage.py carrier_simulator --port 8766`` or, in tests,
``CarrierSimulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import json
from typing import Any

from channels_app.carrier.mapping import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign
from channels_app.carrier.simulator.state import CarrierState, error
from channels_app.simulation import Reply, Request, Route, Simulator

API_KEY = "sim-carrier-key"
WEBHOOK_SECRET = "sim-carrier-webhook-secret"  # noqa: S105 - opens nothing but the simulator


class CarrierSimulator(Simulator):
    name = "carrier"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = API_KEY,
        webhook_secret: str = WEBHOOK_SECRET,
    ) -> None:
        super().__init__(host=host, port=port)
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.state = CarrierState(lock=self.lock)

    # --- the carrier API -----------------------------------------------------------------------

    def route(self, request: Request) -> Route | Reply:
        try:
            body = request.json() or {}
        except ValueError:
            return Reply(400, error("body is not JSON"))
        s, method = self.state, request.method
        parts = request.path.strip("/").split("/")
        key = request.headers.get(IDEMPOTENCY_HEADER)

        def answer(result: tuple[int, Any]) -> Reply:
            return Reply(*result)

        if method == "POST" and parts == ["v1", "rates"]:
            return Route("rate", lambda _f: answer(s.rate(body)))
        if method == "POST" and parts == ["v1", "labels"]:
            return Route("buy_label", lambda _f: answer(s.buy(body, key)))
        voiding = len(parts) == 4 and parts[:2] == ["v1", "labels"] and parts[3] == "void"
        if method == "POST" and voiding:
            return Route("void", lambda _f: answer(s.void(parts[2])))
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "tracking"]:
            return Route("track", lambda _f: answer(s.track(parts[2])))
        return Reply(404, error(f"no resource {method} {request.path}"))

    def refuse(self, request: Request, route: Route) -> Reply | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(401, error("missing or wrong API key"))
        return None

    def fault_reply(self, status: int, route: Route) -> Reply:
        return Reply(status, error("injected fault"), {"retry-after": "1"} if status == 429 else {})

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

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
        status, text = self.deliver(url, raw, headers)
        if status == 0:
            return 0, f"webhook {text}"
        try:
            answer: Any = json.loads(text) if text else None
        except ValueError:
            answer = text
        with self.lock:
            self.state.deliveries.append({"id": event["id"], "status": status})
        return status, answer

    # --- the carrier's own test controls -------------------------------------------------------

    def control(self, request: Request, parts: list[str]) -> Reply | None:
        if request.method != "POST":
            return None
        s, body = self.state, request.json() or {}
        if parts == ["config"]:
            with self.lock:
                if "webhook_url" in body:
                    s.webhook_url = str(body["webhook_url"])
                if "webhook_secret" in body:
                    self.webhook_secret = str(body["webhook_secret"])
            return Reply(200, {"webhook_url": s.webhook_url})
        if parts == ["events"]:
            # Issue a tracking event (as the carrier's network would) and send it to the webhook.
            tracking = str(body.get("tracking_number", ""))
            with self.lock:
                if tracking not in s.labels:
                    return Reply(404, error(f"no label {tracking}"))
                event = s.event(
                    tracking,
                    str(body["type"]),
                    location=str(body.get("location", "")),
                    description=str(body.get("description", "")),
                    event_id=body.get("id"),
                    occurred_at=body.get("occurred_at"),
                )
            if body.get("send", True) is False:
                return Reply(201, {"event": event})
            status, answer = self.send(event, str(body.get("signature", "valid")))
            return Reply(201, {"event": event, "status": status, "answer": answer})
        if parts == ["events", "resend"]:
            # The carrier delivers an event again (its retry, or a replay).
            with self.lock:
                found = [e for events in s.events.values() for e in events if e["id"] == body["id"]]
            if not found:
                return Reply(404, error(f"no event {body.get('id')}"))
            status, answer = self.send(found[0], str(body.get("signature", "valid")))
            return Reply(200, {"event": found[0], "status": status, "answer": answer})
        return None
