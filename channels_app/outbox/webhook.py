"""A plain HTTPS webhook destination (`webhook:<name>`, URL from OUTBOX_WEBHOOKS).

POSTs the payload as JSON with an `Idempotency-Key` header, through a shared token bucket per
webhook that adopts the receiver's `x-amzn-RateLimit-Limit` (or `X-RateLimit-Limit`) and backs off
on 429. Also the handler the outbox's own tests drive against a receiver on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from django.conf import settings

from channels_app import http as http_policy
from channels_app.outbox.handlers import Delivery, RateLimited, TransportError
from channels_app.outbox.ratelimit import AMAZON_RATE_HEADER, TokenBucket


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def bucket(name: str) -> TokenBucket:
    return TokenBucket(f"webhook:{name}:post", rate=settings.OUTBOX_WEBHOOK_RATE)


def send(delivery: Delivery) -> None:
    url = settings.OUTBOX_WEBHOOKS.get(delivery.target)
    if not url:
        raise TransportError(
            f"Webhook {delivery.target!r} has no URL; add it to OUTBOX_WEBHOOKS.", permanent=True
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(
            f"Webhook {delivery.target!r}: {url!r} is not an http(s) URL.", permanent=True
        )
    limiter = bucket(delivery.target)
    wait = limiter.take()
    if wait > 0:
        raise RateLimited(f"webhook {delivery.target}: no token for {wait:.2f}s", retry_after=wait)
    body = json.dumps(
        {"kind": delivery.kind, "idempotency_key": delivery.idempotency_key, **delivery.payload}
    ).encode()
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = connection_class(parts.hostname, parts.port, timeout=settings.OUTBOX_HTTP_TIMEOUT)
    try:
        conn.request(
            "POST",
            parts.path or "/",
            body=body,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": delivery.idempotency_key,
                "X-Touchline-Kind": delivery.kind,
            },
        )
        response = conn.getresponse()
        response.read()
    except TimeoutError as exc:
        raise TransportError(f"webhook {delivery.target}: no answer within the timeout") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"webhook {delivery.target}: {type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    headers = response.headers
    limiter.observe(headers, AMAZON_RATE_HEADER) or limiter.observe(headers, "X-RateLimit-Limit")
    status = response.status
    if 200 <= status < 300:
        return
    retry_after = _retry_after(headers.get("Retry-After"))
    if status == 429:
        wait = limiter.throttled(retry_after)
        raise RateLimited(f"webhook {delivery.target}: 429 Too Many Requests", retry_after=wait)
    permanent = http_policy.permanent(status)
    raise TransportError(
        f"webhook {delivery.target}: HTTP {status} {response.reason}",
        permanent=permanent,
        retry_after=retry_after,
    )
