"""The SP-API HTTP client: Login with Amazon tokens, one call, errors mapped at the boundary.

httpx, not requests: explicit per-phase timeouts, a pluggable transport (``wire.ValidatingTransport``
checks every request and response against Amazon's models in tests, for every call site at once)
and type hints. Retrying is not the client's job: the outbox retries, so a failure becomes a
``TransportError`` saying whether a retry can help and when.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import redis
from django.conf import settings

from channels_app import http as http_policy
from channels_app.amazon import tokens, wire
from channels_app.amazon.errors import RateLimited, TransportError
from channels_app.amazon.models import AmazonIntegration

USER_AGENT = "Touchline-WMS/0.1 (Language=Python/3.11)"
# Our key for an effect, so a replayed push is recognisable; Amazon ignores unknown headers.
IDEMPOTENCY_HEADER = "x-touchline-idempotency-key"


@dataclass(frozen=True)
class Credentials:
    seller_id: str
    client_id: str
    client_secret: str
    refresh_token: str

    @classmethod
    def of(cls, integration: AmazonIntegration) -> Credentials:
        return cls(
            seller_id=integration.seller_id,
            client_id=integration.lwa_client_id,
            client_secret=integration.secret("LWA_CLIENT_SECRET"),
            refresh_token=integration.secret("REFRESH_TOKEN"),
        )


class TokenCache(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, token: str, ttl: float) -> None: ...
    def delete(self, key: str) -> None: ...
    def refreshing(self, key: str) -> contextlib.AbstractContextManager[None]:
        """Held while one caller logs in for ``key``; others wait, then read its token."""
        ...


class LocalTokenCache:
    """One process's tokens (no Redis configured): a lock so threads share one refresh."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def get(self, key: str) -> str | None:
        found = self._tokens.get(key)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def set(self, key: str, token: str, ttl: float) -> None:
        self._tokens[key] = (token, time.monotonic() + ttl)

    def delete(self, key: str) -> None:
        self._tokens.pop(key, None)

    @contextlib.contextmanager
    def refreshing(self, key: str) -> Iterator[None]:
        with self.lock:
            yield


# Longer than one LWA call can take (the client's timeout), so a holder that died frees the lock.
REFRESH_LOCK_SECONDS = 30


class RedisTokenCache:
    """Tokens shared by every worker. One worker at a time logs in for a key (a Redis lock); the
    others wait for it and use the token it cached, so a revoked token costs one LWA call, not one
    per worker."""

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2)

    @contextlib.contextmanager
    def refreshing(self, key: str) -> Iterator[None]:
        lock = self.redis.lock(
            f"{key}:refresh", timeout=REFRESH_LOCK_SECONDS, blocking_timeout=REFRESH_LOCK_SECONDS
        )
        try:
            held = lock.acquire()
        except redis.RedisError:
            held = False  # a Redis outage costs a second login, never a failed call
        try:
            yield
        finally:
            if held:
                with contextlib.suppress(redis.RedisError):
                    lock.release()

    def get(self, key: str) -> str | None:
        try:
            value = self.redis.get(key)
        except redis.RedisError:
            return None  # a Redis outage costs a token refresh, never a failed push
        return value.decode() if isinstance(value, bytes) else None

    def set(self, key: str, token: str, ttl: float) -> None:
        with contextlib.suppress(redis.RedisError):
            self.redis.set(key, token, ex=max(1, int(ttl)))

    def delete(self, key: str) -> None:
        with contextlib.suppress(redis.RedisError):
            self.redis.delete(key)


_local_cache = LocalTokenCache()


class Throttle(Protocol):
    """Rate limits shared by every worker (channels_app/amazon/throttle.py): asked before each
    SP-API request, told every answer's x-amzn-RateLimit-Limit, and told of a 429."""

    def take(self, operation: str) -> None:
        """Return when a call may go now; raise ``RateLimited`` with the wait otherwise."""
        ...

    def observe(self, operation: str, headers: Mapping[str, str]) -> None: ...

    def throttled(self, operation: str, retry_after: float | None) -> float:
        """Amazon answered 429: block the bucket; returns the seconds to wait."""
        ...


def default_token_cache() -> TokenCache:
    redis_url = getattr(settings, "REDIS_URL", "")
    return RedisTokenCache(redis_url) if redis_url else _local_cache


@dataclass
class Reply:
    status: int
    body: Any
    rate_limit: float | None
    request_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _errors_text(body: Any) -> str:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return ""
    return "; ".join(
        f"{e.get('code', '?')}: {e.get('message', '')}"
        + (f" ({e['details']})" if e.get("details") else "")
        for e in errors
        if isinstance(e, dict)
    )


class SpApiClient(http_policy.HttpClient):
    """The SP-API on the shared ``HttpClient`` (its connection: base URL, explicit timeout, user
    agent, close; and its status policy, ``permanent``). The request path is Amazon's own: a
    refused access token is re-sent once with a new login before the answer is judged, an RDT
    stands in for the token on restricted calls, the seller's buckets are asked before and told
    after every send, and errors carry x-amzn-RateLimit-Limit and a 429's wait (``_reply``)."""

    partner = "Amazon SP-API"

    def __init__(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        lwa_url: str | None = None,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
        token_cache: TokenCache | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        inner = transport or httpx.HTTPTransport()
        if settings.AMAZON_VALIDATE_WIRE and not isinstance(inner, wire.ValidatingTransport):
            inner = wire.ValidatingTransport(inner)
        super().__init__(
            base_url=base_url or settings.AMAZON_SP_API_URL,
            timeout=timeout or settings.AMAZON_SP_API_TIMEOUT,
            headers={"user-agent": USER_AGENT},
            transport=inner,
        )
        self.credentials = credentials
        self.throttle = throttle
        self.lwa_url = (lwa_url or settings.AMAZON_LWA_URL).rstrip("/")
        self.transport = inner
        self.tokens = token_cache or default_token_cache()
        digest = hashlib.sha256(
            f"{self.lwa_url}|{credentials.client_id}|{credentials.refresh_token}".encode()
        ).hexdigest()[:24]
        self.token_key = f"amazon:lwa:{digest}"
        self.last_rate_limit: float | None = None

    # --- Login with Amazon ---------------------------------------------------------------------

    def access_token(self, *, refused: str | None = None) -> str:
        """The cached access token, else a new one from LWA. ``refused`` is a token Amazon just
        refused: it is never returned again; whoever holds the refresh lock first replaces it, and
        everyone who waited on the lock uses the replacement."""
        token = self.tokens.get(self.token_key)
        if token and token != refused:
            return token
        with self.tokens.refreshing(self.token_key):
            token = self.tokens.get(self.token_key)
            if token and token != refused:
                return token  # another worker logged in while we waited
            if token:
                self.tokens.delete(self.token_key)
            return self._refresh()

    def _refresh(self) -> str:
        try:
            response = self.http.post(
                f"{self.lwa_url}/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.credentials.refresh_token,
                    "client_id": self.credentials.client_id,
                    "client_secret": self.credentials.client_secret,
                },
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                "Login with Amazon timed out.", permanent=False, operation="lwa"
            ) from exc
        except httpx.TransportError as exc:
            raise TransportError(
                f"Login with Amazon unreachable: {exc}", permanent=False, operation="lwa"
            ) from exc
        body = self._json(response)
        if response.status_code != 200:
            described = body.get("error_description", "") if isinstance(body, dict) else ""
            raise TransportError(
                f"Login with Amazon refused the refresh token ({response.status_code}): {described}"
                if response.status_code < 500
                else f"Login with Amazon failed ({response.status_code}).",
                permanent=400 <= response.status_code < 500,
                status=response.status_code,
                operation="lwa",
            )
        if not isinstance(body, dict) or not body.get("access_token"):
            raise TransportError(
                "Login with Amazon answered without an access token.",
                permanent=False,
                status=200,
                operation="lwa",
            )
        token = str(body["access_token"])
        expires_in = float(body.get("expires_in", 3600))
        # Cached until shortly before it expires, so no call goes out with a token about to lapse.
        margin = min(60.0, expires_in / 2)
        self.tokens.set(self.token_key, token, expires_in - margin)
        return token

    # --- one SP-API call -----------------------------------------------------------------------

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
        patience: float = 0.0,
        pii: Sequence[str] = (),
    ) -> Reply:
        """One SP-API call. With ``patience`` the call waits for the usage plan (ours or a 429's
        Retry-After) while the wait fits in it, and raises ``RateLimited`` only beyond it: a
        poller paging a backlog paces itself at Amazon's rate instead of failing every burst.
        ``pii`` names the dataElements of a restricted operation (the buyer's address and phone):
        the call then goes with a Restricted Data Token (tokens.py)."""
        deadline = time.monotonic() + patience
        while True:
            try:
                return self._call_once(method, path, operation, params, body, idempotency_key, pii)
            except RateLimited as exc:
                wait = exc.retry_after or 1.0
                if time.monotonic() + wait > deadline:
                    raise
                time.sleep(wait)

    def _call_once(
        self,
        method: str,
        path: str,
        operation: str,
        params: dict[str, Any] | None,
        body: Any,
        idempotency_key: str | None,
        pii: Sequence[str],
    ) -> Reply:
        query = {
            k: ",".join(str(x) for x in v) if isinstance(v, list | tuple) else _param(v)
            for k, v in (params or {}).items()
            if v is not None
        }
        content = None if body is None else json.dumps(body).encode()
        access = self.access_token()
        token = tokens.restricted_data_token(self, method, path, pii) if pii else access
        response = self._send(method, path, query, content, operation, idempotency_key, token)
        if token_refused(response):
            # Expired early, or revoked (a restart on Amazon's side, a rotated client secret):
            # log in again once. This is authentication, not a retry of the operation; a
            # fresh token refused too is a real refusal and permanent (_reply).
            # An RDT is keyed by the access token it was made with: a new login makes a new one.
            access = self.access_token(refused=access)
            token = tokens.restricted_data_token(self, method, path, pii) if pii else access
            response = self._send(method, path, query, content, operation, idempotency_key, token)
            if token_refused(response):
                raise TransportError(
                    f"{operation}: Amazon refused a freshly issued access token too "
                    f"({response.status_code}: {_errors_text(self._json(response))}). Check the "
                    "app's authorization in Seller Central and the integration's secrets.",
                    permanent=True,
                    status=response.status_code,
                    operation=operation,
                )
        return self._reply(response, operation)

    def _send(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        content: bytes | None,
        operation: str,
        idempotency_key: str | None,
        token: str,
    ) -> httpx.Response:
        headers = {
            "x-amz-access-token": token,
            "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "accept": "application/json",
        }
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        if content is not None:
            headers["content-type"] = "application/json"
        if self.throttle is not None:
            self.throttle.take(operation)  # raises RateLimited: nothing was sent
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", params=query, content=content, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"{operation} timed out; whether Amazon applied it is unknown.",
                permanent=False,
                operation=operation,
            ) from exc
        except httpx.TransportError as exc:
            raise TransportError(
                f"{operation}: Amazon unreachable ({exc}).", permanent=False, operation=operation
            ) from exc
        if self.throttle is not None:
            self.throttle.observe(operation, response.headers)
        return response

    def _reply(self, response: httpx.Response, operation: str) -> Reply:
        status = response.status_code
        rate = _float(response.headers.get("x-amzn-RateLimit-Limit"))
        if rate is not None:
            self.last_rate_limit = rate
        body = self._json(response)
        request_id = response.headers.get("x-amzn-RequestId", "")
        if status < 300:
            return Reply(status, body, rate, request_id, dict(response.headers))
        text = _errors_text(body) or response.reason_phrase
        if status == 429:
            retry_after = _float(response.headers.get("retry-after"))
            if retry_after is None and rate:
                retry_after = 1 / rate
            if self.throttle is not None:
                retry_after = self.throttle.throttled(operation, retry_after)
            raise RateLimited(
                f"{operation} throttled by Amazon: {text}",
                retry_after=retry_after if retry_after is not None else 1.0,
                status=status,
                rate_limit=rate,
                operation=operation,
            )
        raise TransportError(
            f"{operation} failed ({status}): {text}",
            permanent=http_policy.permanent(status),
            status=status,
            rate_limit=rate,
            operation=operation,
        )

    # --- documents at presigned URLs (feeds) ---------------------------------------------------

    def upload(self, url: str, document: Any, *, kind: str, content_type: str) -> None:
        try:
            response = self.http.put(
                url,
                content=json.dumps(document).encode(),
                headers={"content-type": content_type},
                extensions={wire.DOCUMENT_EXTENSION: kind},
            )
        except httpx.HTTPError as exc:
            raise TransportError(f"Feed upload failed: {exc}", permanent=False) from exc
        if response.status_code >= 300:
            raise TransportError(
                f"Feed upload refused ({response.status_code}).",
                permanent=response.status_code < 500,
                status=response.status_code,
            )

    def download(self, url: str, *, kind: str) -> Any:
        try:
            response = self.http.get(url, extensions={wire.RESPONSE_DOCUMENT_EXTENSION: kind})
        except httpx.HTTPError as exc:
            raise TransportError(f"Document download failed: {exc}", permanent=False) from exc
        if response.status_code != 200:
            raise TransportError(
                f"Document download refused ({response.status_code}).",
                permanent=response.status_code < 500,
                status=response.status_code,
            )
        return self._json(response)


# Amazon words a refused token many ways (simulator/auth.py quotes them): "The access token you
# provided is revoked, malformed or invalid.", "... has expired.", "The security token included in
# the request is expired", a MissingAuthenticationToken code. What they share: a 401/403 whose
# code, error type or text speaks of the token. A 403 about anything else (the app lacks the role
# for this operation) is not cured by a new token and stays a plain permanent refusal.
_TOKEN_WORDS = re.compile(
    r"token.*(expired|invalid|revoked|malformed|not recogni[sz]ed|unrecogni[sz]ed|missing)"
    r"|(expired|invalid|missing)\s*(access|security|authentication)?\s*token",
    re.IGNORECASE,
)
_TOKEN_ERROR_TYPES = ("ExpiredTokenException", "UnrecognizedClientException")


def token_refused(response: httpx.Response) -> bool:
    if response.status_code not in (401, 403):
        return False
    if response.headers.get("x-amzn-ErrorType", "").split(":")[0] in _TOKEN_ERROR_TYPES:
        return True
    body = SpApiClient._json(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        if error.get("code") in ("MissingAuthenticationToken", "InvalidToken", "ExpiredToken"):
            return True
        text = f"{error.get('message') or ''} {error.get('details') or ''}"
        if _TOKEN_WORDS.search(text):
            return True
    return response.status_code == 401 and not errors


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def client_for(integration: AmazonIntegration, **options: Any) -> SpApiClient:
    return SpApiClient(Credentials.of(integration), **options)
