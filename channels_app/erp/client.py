"""``ErpClient``: the ERP's JSON-over-HTTP API (httpx). Errors are mapped once, here: timeouts and
connection failures transient (whether it applied is unknown: every write carries an idempotency
key), 429 ``RateLimited`` with Retry-After, 5xx transient, other 4xx permanent with the ERP's
message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from channels_app.erp.errors import ErpNotConfigured, RateLimited, TransportError
from channels_app.erp.models import ErpIntegration

IDEMPOTENCY_HEADER = "Idempotency-Key"
RATE_HEADER = "X-RateLimit-Limit"


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class Reply:
    status: int
    body: Any
    rate_limit: float | None


class ErpClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            transport=transport or httpx.HTTPTransport(),
            timeout=httpx.Timeout(timeout or settings.ERP_TIMEOUT),
            headers={"authorization": f"Bearer {token}", "user-agent": "Touchline-WMS/0.1"},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ErpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Reply:
        headers = {"accept": "application/json"}
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", params=params, json=body, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"ERP {operation} timed out; whether it was applied is unknown."
            ) from exc
        except httpx.TransportError as exc:
            raise TransportError(f"ERP {operation}: unreachable ({exc}).") from exc
        status = response.status_code
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = None
        rate = _float(response.headers.get(RATE_HEADER))
        if status < 300:
            return Reply(status, payload, rate)
        said = payload.get("message", "") if isinstance(payload, dict) else ""
        said = said or response.reason_phrase
        if status == 429:
            wait = _float(response.headers.get("retry-after")) or 1.0
            raise RateLimited(f"ERP {operation} throttled: {said}", retry_after=wait)
        raise TransportError(
            f"ERP {operation} failed ({status}): {said}",
            permanent=400 <= status < 500 and status not in (408, 409, 425),
            retry_after=_float(response.headers.get("retry-after")),
        )


def client_for(integration: ErpIntegration, **options: Any) -> ErpClient:
    try:
        url, token = integration.setting("URL"), integration.setting("TOKEN")
    except ErpNotConfigured as exc:
        raise TransportError(exc.message, permanent=True) from exc
    return ErpClient(base_url=url, token=token, **options)
