"""One HTTP client base for every channel, and the one policy for which failures a retry can help.

The policy (``permanent``), written once and used by every channel's client and the outbox's webhook
handler. A failure is *retryable* when the same request, sent again later, may succeed; it is
*permanent* when only a person can make it succeed (a fix of the data, the credentials, the URL).

Retryable (the outbox backs off and sends again, with the same idempotency key):

- a timeout, a refused or reset connection: nothing, or nothing we know of, was applied; whether it
  was is settled by the idempotency key the retry carries.
- 408 Request Timeout: "the server did not receive a complete request message within the time that
  it was prepared to wait … the client MAY repeat that request" (RFC 9110 §15.5.9).
- 425 Too Early: "user agents … are expected to retry the request when receiving a 425"
  (RFC 8470 §5.2).
- 429 Too Many Requests, raised as ``RateLimited`` (not counted as an attempt): "too many requests
  in a given amount of time", with Retry-After (RFC 6585 §4). Both partners answer 429 when a call
  exceeds its rate limit, to be retried later
  (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits,
  https://shopify.dev/docs/api/usage/rate-limits).
- 5xx: the server failed, not the request (RFC 9110 §15.6); both partners list 5xx as errors on
  their side (https://shopify.dev/docs/api/usage/response-codes,
  https://developer-docs.amazon.com/sp-api/docs/troubleshoot-sp-api-errors).

Permanent (dead-lettered at once, to the integration engineer):

- any other 4xx (400, 401, 403, 404, 409, 422, …): "the client seems to have erred"
  (RFC 9110 §15.5); the same request fails the same way until someone changes it.
- a 3xx we did not follow: the configured URL is wrong.

409 Conflict is permanent: a void refused because the carrier has the parcel, an ERP refusing a
document that contradicts its state, do not change by waiting. (Before this module the carrier,
the ERP and the webhook handler retried 409 and Amazon and Shopify dead-lettered 408 and 425.)

Partner-specific hooks sit on top of the policy, in that partner's client: Amazon's 401/403 "the
access token is invalid/expired" drops the cached token and tries once more before the policy
applies (channels_app/amazon/client.py); Shopify's GraphQL errors inside a 200 are classified by
their ``extensions.code`` (channels_app/shopify/client.py). A client that subclasses ``HttpClient``
overrides ``message`` (where the partner puts its error text) and, when needed,
``raise_for_response``.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any, Self

import httpx

from channels_app.errors import RateLimited, TransportError

USER_AGENT = "Touchline-WMS/0.1"
RETRYABLE_STATUSES = frozenset({408, 425, 429})
DEFAULT_RETRY_AFTER = 1.0  # seconds, when a 429 does not say


def permanent(status: int) -> bool:
    """Whether a failed answer with this status can only succeed after a person changes something."""
    if status in RETRYABLE_STATUSES or status >= 500:
        return False
    return status >= 300


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or
    unreadable (the caller's own backoff applies)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def as_float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def json_of(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it has no body or the body is not JSON."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


class HttpClient:
    """One partner's HTTP connection: base URL, explicit timeout, its auth headers, and errors
    raised as the outbox's ``TransportError`` (``RateLimited`` for 429) per the policy above.

    ``partner`` names the partner in every message ("carrier buy_label failed (422): …").
    """

    partner = "partner"

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            transport=transport or httpx.HTTPTransport(),
            timeout=httpx.Timeout(timeout),
            headers={"user-agent": USER_AGENT, **(headers or {})},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; a transport failure is a retryable ``TransportError``, any answer is
        returned as it came (``request`` also checks it)."""
        try:
            return self.http.request(
                method,
                f"{self.base_url}{path}",
                params=params,
                json=json,
                headers={"accept": "application/json", **(headers or {})},
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"{self.partner} {operation} timed out; whether it was applied is unknown.",
                operation=operation,
            ) from exc
        except httpx.TransportError as exc:
            raise TransportError(
                f"{self.partner} {operation}: unreachable ({exc}).", operation=operation
            ) from exc

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request and check its answer: a 2xx response, or a raised ``TransportError``."""
        response = self.send(
            method, path, operation=operation, params=params, json=json, headers=headers
        )
        self.raise_for_response(response, operation=operation)
        return response

    def message(self, response: httpx.Response) -> str:
        """The partner's own words for a refusal (``{"message": …}`` by default)."""
        payload = json_of(response)
        said = payload.get("message", "") if isinstance(payload, dict) else ""
        return str(said or response.reason_phrase)

    def raise_for_response(self, response: httpx.Response, *, operation: str) -> None:
        status = response.status_code
        if status < 300:
            return
        said = self.message(response)
        wait = retry_after(response.headers.get("retry-after"))
        if status == 429:
            raise RateLimited(
                f"{self.partner} {operation} throttled: {said}",
                retry_after=wait if wait is not None else DEFAULT_RETRY_AFTER,
                status=status,
                operation=operation,
            )
        raise TransportError(
            f"{self.partner} {operation} failed ({status}): {said}",
            permanent=permanent(status),
            retry_after=wait,
            status=status,
            operation=operation,
        )
