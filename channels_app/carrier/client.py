"""``HttpCarrier``: the carrier interface as JSON over HTTP, on the shared ``channels_app.http``
client (explicit timeout; which failures are permanent is the shared policy there).

A timeout or a connection failure leaves unknown whether the carrier applied the call, so label
purchases carry an idempotency key; 429 is ``RateLimited`` with the carrier's Retry-After.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from channels_app.carrier import mapping
from channels_app.carrier.adapter import Label, ParcelSpec, Rate, TrackingEvent
from channels_app.carrier.errors import TransportError
from channels_app.http import HttpClient, json_of


class HttpCarrier(HttpClient):
    partner = "carrier"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            headers={"authorization": f"Bearer {api_key}"},
            transport=transport,
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {mapping.IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        return json_of(self.request(method, path, operation=operation, json=body, headers=headers))

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
