"""The Admin GraphQL client: one document per call, the cost-based rate limit, errors at the boundary.

A ``channels_app.http.HttpClient`` (explicit timeout, the token header, transport failures and the
status policy shared with every channel), with a pluggable transport so
``wire.ValidatingTransport`` checks every document before it leaves (on unless
``SHOPIFY_VALIDATE_WIRE=0``). Shopify's own hooks sit on top: every document's cost is estimated
(cost.py) and one above Shopify's 1,000-point limit is refused before it is sent; Shopify meters
GraphQL by query cost, not by calls, and every response carries
``extensions.cost.throttleStatus`` (maximumAvailable, currentlyAvailable, restoreRate), which the
shared token bucket adopts, so every worker spends from the same Redis bucket that Shopify keeps
for the store. A ``THROTTLED`` error (HTTP 200) or a 429 becomes the outbox's ``RateLimited`` with
the time the bucket needs to refill; retrying is the outbox's job. Other GraphQL errors inside a
200 are classified by their ``extensions.code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from django.conf import settings
from graphql import GraphQLError

from channels_app.http import HttpClient, json_of, retry_after
from channels_app.outbox.ratelimit import IDLE_EXPIRY, TokenBucket
from channels_app.shopify import cost as query_cost
from channels_app.shopify import mapping, wire
from channels_app.shopify.errors import GraphQLRefused, RateLimited, TransportError
from channels_app.shopify.models import ShopifyStore

USER_AGENT = "Touchline-WMS/0.1 (Language=Python/3.11)"
TOKEN_HEADER = "X-Shopify-Access-Token"  # noqa: S105 - a header name, not a secret
# Shopify's Standard plan (100 points/s; a 2,000-point bucket in its answers) until the first
# response tells us the store's real one (https://shopify.dev/docs/apps/build/apis/graphql-admin/
# rate-limits).
DEFAULT_RESTORE_RATE = 100.0
DEFAULT_MAXIMUM = 2000.0

# KEYS[1] the bucket; ARGV: restore rate, maximum, currently available. Shopify's own numbers,
# taken on Redis's clock so the bucket refills from now.
_ADOPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('HSET', KEYS[1], 'rate', ARGV[1], 'burst', ARGV[2], 'tokens', ARGV[3], 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class CostBucket(TokenBucket):
    """The outbox's shared token bucket, in query-cost points, fed with Shopify's throttleStatus."""

    def __init__(self, shop_domain: str, *, url: str | None = None) -> None:
        super().__init__(
            f"shopify:{shop_domain}:graphql",
            rate=DEFAULT_RESTORE_RATE,
            burst=DEFAULT_MAXIMUM,
            url=url,
        )
        self._adopt = self.redis.register_script(_ADOPT)

    def adopt(self, status: dict[str, Any]) -> None:
        try:
            rate = float(status["restoreRate"])
            maximum = float(status["maximumAvailable"])
            available = float(status["currentlyAvailable"])
        except (KeyError, TypeError, ValueError):
            return
        if rate <= 0 or maximum <= 0:
            return
        self.rate = rate
        try:
            self._adopt(keys=[self.key], args=[rate, maximum, min(available, maximum), IDLE_EXPIRY])
        except redis.RedisError:
            return  # the next take() fails closed anyway


@dataclass
class Reply:
    data: dict[str, Any]
    cost: dict[str, Any] = field(default_factory=dict)


def _throttle_wait(cost: dict[str, Any], requested: float) -> float:
    status = cost.get("throttleStatus") or {}
    try:
        rate = float(status["restoreRate"])
        available = float(status["currentlyAvailable"])
    except (KeyError, TypeError, ValueError):
        return 1.0
    need = float(cost.get("requestedQueryCost") or requested)
    return max((need - available) / rate, 1.0 / rate) if rate > 0 else 1.0


class AdminClient(HttpClient):
    def __init__(
        self,
        *,
        shop_domain: str,
        access_token: str,
        api_version: str,
        base_url: str | None = None,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
        bucket: CostBucket | None = None,
    ) -> None:
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.partner = f"Shopify {shop_domain}"
        self.path = f"/admin/api/{api_version}/graphql.json"
        inner = transport or httpx.HTTPTransport()
        if settings.SHOPIFY_VALIDATE_WIRE and not isinstance(inner, wire.ValidatingTransport):
            inner = wire.ValidatingTransport(inner, version=api_version)
        self.transport = inner
        super().__init__(
            base_url=base_url or settings.SHOPIFY_ADMIN_URL or f"https://{shop_domain}",
            timeout=timeout or settings.SHOPIFY_TIMEOUT,
            headers={
                "user-agent": USER_AGENT,
                TOKEN_HEADER: access_token,
                # Which shop a simulator (or a proxy) serves; Shopify itself knows from the host.
                "X-Shopify-Shop-Domain": shop_domain,
            },
            transport=inner,
        )
        self.bucket = bucket or CostBucket(shop_domain)

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        operation: str,
        cost: float | None = None,
    ) -> Reply:
        """One document; `operation` names it in errors. Raises TransportError (or RateLimited).

        The requested cost is our own estimate of the document (cost.py), never a caller's guess
        (`cost` is accepted from older callers and ignored); a document above Shopify's
        single-query limit is refused here, before it is sent, with the number."""
        del cost
        try:
            requested = float(query_cost.estimate(query, variables, version=self.api_version))
        except (GraphQLError, StopIteration, ValueError, TypeError):
            requested = 1.0  # not a document Shopify would run: the wire check says why
        if requested > query_cost.LIMIT:
            raise GraphQLRefused(
                f"Shopify {self.shop_domain}: {operation} would cost {requested:g} points, above "
                f"Shopify's single-query limit of {query_cost.LIMIT}; it was not sent. Page the "
                "document (smaller first:/last:) — this is a bug in the document, not a retry.",
                codes=["MAX_COST_EXCEEDED"],
            )
        wait = self.bucket.take(requested)
        if wait > 0:
            raise RateLimited(
                f"Shopify {self.shop_domain}: {operation} waits {wait:.2f}s for query-cost points",
                retry_after=wait,
            )
        body = {"query": query, "variables": variables or {}, "operationName": operation}
        response = self.send("POST", self.path, operation=operation, json=body)
        return self._reply(response, operation, requested)

    def mutate(self, document: str, variables: dict[str, Any], *, field: str) -> Any:
        """A mutation's payload (``field``); its userErrors are a refusal, raised as permanent
        ``GraphQLRefused`` (a retry would be refused the same)."""
        reply = self.execute(document, variables, operation=_name(document))
        payload = reply.data.get(field)
        errors = mapping.user_errors(payload)
        if errors:
            raise GraphQLRefused(
                f"Shopify {self.shop_domain} refused {field}: {mapping.describe(errors)}",
                codes=[str(e.get("code")) for e in errors if e.get("code")],
            )
        return payload

    def message(self, response: httpx.Response) -> str:
        """Shopify's words for a refused call are in ``errors``: a string ("[API] Invalid API key
        or access token …", "Exceeded the rate limit …") or a list of GraphQL errors."""
        payload = json_of(response)
        said = payload.get("errors") if isinstance(payload, dict) else None
        if isinstance(said, list):
            said = "; ".join(
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in said
            )
        return str(said or response.text[:200] or response.reason_phrase)

    def _reply(self, response: httpx.Response, operation: str, requested: float) -> Reply:
        status = response.status_code
        payload = json_of(response)
        if not isinstance(payload, dict):
            payload = {}
        # Every answer, a refusal included, carries the store's bucket: adopt it first.
        cost = (payload.get("extensions") or {}).get("cost") or {}
        if cost.get("throttleStatus"):
            self.bucket.adopt(cost["throttleStatus"])
        if status == 429:
            # Shopify's hook on the shared policy: the wait goes into the shared cost bucket too.
            asked = retry_after(response.headers.get("retry-after"))
            wait = self.bucket.throttled(asked or _throttle_wait(cost, requested))
            raise RateLimited(
                f"Shopify {self.shop_domain}: {operation} got 429",
                retry_after=wait,
                status=status,
                operation=operation,
            )
        if status in (401, 403):
            # Permanent by the shared policy too; said here with what fixes it.
            raise TransportError(
                f"Shopify {self.shop_domain} refused our access token for {operation} ({status}): "
                "reinstall the app or set SHOPIFY_<NAME>_ACCESS_TOKEN, then retry.",
                permanent=True,
                status=status,
                operation=operation,
            )
        self.raise_for_response(
            response, operation=operation
        )  # the shared policy, any other status
        errors = payload.get("errors") or []
        if any(_code(e) == "THROTTLED" for e in errors):
            wait = self.bucket.throttled(_throttle_wait(cost, requested))
            raise RateLimited(
                f"Shopify {self.shop_domain}: {operation} THROTTLED (cost {requested:g})",
                retry_after=wait,
                operation=operation,
            )
        if errors:
            text = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
            raise GraphQLRefused(
                f"Shopify {self.shop_domain} refused {operation}: {text}",
                codes=[c for c in (_code(e) for e in errors) if c],
                permanent=not any(_code(e) == "INTERNAL_SERVER_ERROR" for e in errors),
            )
        data = payload.get("data")
        if not isinstance(data, dict):
            raise TransportError(
                f"Shopify {self.shop_domain}: {operation} answered without data.", permanent=False
            )
        return Reply(data, cost)


def _name(document: str) -> str:
    head = document.strip().split("(", 1)[0].split("{", 1)[0].split()
    return head[1] if len(head) > 1 else "anonymous"


def _code(error: Any) -> str:
    if not isinstance(error, dict):
        return ""
    return str((error.get("extensions") or {}).get("code") or "")


def client_for(store: ShopifyStore, **options: Any) -> AdminClient:
    return AdminClient(
        shop_domain=store.shop_domain,
        access_token=store.secret("ACCESS_TOKEN"),
        api_version=store.api_version,
        **options,
    )
