"""``HttpCarrier``: the carrier interface as JSON over HTTP (httpx, explicit timeouts).

Errors are mapped here, once: a timeout or a connection failure is transient (whether the carrier
applied it is unknown, so label purchases carry an idempotency key); 429 is ``RateLimited`` with
the carrier's Retry-After; 5xx transient; any other 4xx permanent, with the carrier's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from channels_app.carrier import mapping
from channels_app.carrier.adapter import Label, ParcelSpec, Rate, TrackingEvent
from channels_app.carrier.errors import RateLimited, TransportError

USER_AGENT = "Touchline-WMS/0.1"


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class HttpCarrier:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            transport=transport or httpx.HTTPTransport(),
            timeout=httpx.Timeout(timeout),
            headers={"user-agent": USER_AGENT, "authorization": f"Bearer {api_key}"},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HttpCarrier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"accept": "application/json"}
        if idempotency_key:
            headers[mapping.IDEMPOTENCY_HEADER] = idempotency_key
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", json=body, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"carrier {operation} timed out; whether it was applied is unknown."
            ) from exc
        except httpx.TransportError as exc:
            raise TransportError(f"carrier {operation}: unreachable ({exc}).") from exc
        status = response.status_code
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = None
        if status < 300:
            return payload
        said = payload.get("message", "") if isinstance(payload, dict) else ""
        said = said or response.reason_phrase
        if status == 429:
            wait = _float(response.headers.get("retry-after")) or 1.0
            raise RateLimited(f"carrier {operation} throttled: {said}", retry_after=wait)
        raise TransportError(
            f"carrier {operation} failed ({status}): {said}",
            permanent=400 <= status < 500 and status not in (408, 409, 425),
            retry_after=_float(response.headers.get("retry-after")),
        )

    @staticmethod
    def _understood(operation: str, read: Any, body: Any) -> Any:
        try:
            return read(body)
        except mapping.BadPayload as exc:
            raise TransportError(f"carrier {operation}: {exc}", permanent=True) from exc

    def rate(self, parcels: Sequence[ParcelSpec]) -> list[Rate]:
        body = self._call(
            "POST",
            "/v1/rates",
            operation="rate",
            body={"parcels": [mapping.parcel_json(p) for p in parcels]},
        )
        rates: list[Rate] = self._understood("rate", mapping.rates_from, body)
        return rates

    def buy_label(self, parcel: ParcelSpec, service: str, *, idempotency_key: str) -> Label:
        body = self._call(
            "POST",
            "/v1/labels",
            operation="buy_label",
            body={"service": service, "parcel": mapping.parcel_json(parcel)},
            idempotency_key=idempotency_key,
        )
        label: Label = self._understood("buy_label", mapping.label_from, body)
        return label

    def void(self, tracking_number: str) -> None:
        self._call("POST", f"/v1/labels/{tracking_number}/void", operation="void")

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        body = self._call("GET", f"/v1/tracking/{tracking_number}", operation="track")

        def read(b: Any) -> list[TrackingEvent]:
            try:
                return [mapping.event_from(e) for e in b["events"]]
            except (KeyError, TypeError) as exc:
                raise mapping.BadPayload(f"track answer not understood: {exc!r}") from exc

        events: list[TrackingEvent] = self._understood("track", read, body)
        return events
