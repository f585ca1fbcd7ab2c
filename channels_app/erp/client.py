"""``ErpClient``: the ERP's JSON-over-HTTP API, on the shared ``channels_app.http`` client (explicit
timeout; which failures are permanent is the shared policy there). A timeout or connection failure
leaves unknown whether the ERP applied a write, so every write carries an idempotency key; 429 is
``RateLimited`` with Retry-After."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from channels_app.erp.errors import ErpNotConfigured, TransportError
from channels_app.erp.models import ErpIntegration
from channels_app.http import HttpClient, as_float, json_of

IDEMPOTENCY_HEADER = "Idempotency-Key"
RATE_HEADER = "X-RateLimit-Limit"


@dataclass
class Reply:
    status: int
    body: Any
    rate_limit: float | None


class ErpClient(HttpClient):
    partner = "ERP"

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            timeout=timeout or settings.ERP_TIMEOUT,
            headers={"authorization": f"Bearer {token}"},
            transport=transport,
        )

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
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        response = self.request(
            method, path, operation=operation, params=params, json=body, headers=headers
        )
        return Reply(
            response.status_code, json_of(response), as_float(response.headers.get(RATE_HEADER))
        )


def client_for(integration: ErpIntegration, **options: Any) -> ErpClient:
    try:
        url, token = integration.setting("URL"), integration.setting("TOKEN")
    except ErpNotConfigured as exc:
        raise TransportError(exc.message, permanent=True) from exc
    return ErpClient(base_url=url, token=token, **options)
