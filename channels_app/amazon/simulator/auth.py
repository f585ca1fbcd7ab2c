"""Login with Amazon access tokens as Amazon's side holds them: issued, expiring, revoked.

- "An LWA access token expires one hour after it is issued."
  (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api); the token
  endpoint answers ``expires_in: 3600``.
- A request whose token Amazon does not accept is refused 403 ("Indicates access to the resource is
  forbidden. Possible reasons include Access Denied, Unauthorized, Expired Token, or Invalid
  Signature.", the 403 response of every operation in ordersV0.json). Amazon's wording varies; the
  bodies below are the ones Amazon has been seen to send, quoted:
    revoked/unknown: {"code": "Unauthorized", "message": "Access to requested resource is denied.",
      "details": "The access token you provided is revoked, malformed or invalid."}
      (https://qiita.com/0503/questions/f4714af20a30946465b4)
    expired: {"code": "Unauthorized", "message": "Access to requested resource is denied.",
      "details": "The access token you provided has expired."}
      (https://github.com/jlevers/selling-partner-api/issues/891)
    expired, gateway wording: {"message": "The security token included in the request is expired",
      "code": "Unauthorized"} with x-amzn-ErrorType: ExpiredTokenException
      (https://github.com/ericcj/amz_sp_api/issues/35)
    no token at all: {"message": "Access to requested resource is denied.",
      "code": "MissingAuthenticationToken"}
      (https://repost.aws/questions/QUc_LmwJOwTvuWYKys2PjQ7w)
  The simulator alternates the expired wordings, so a client that matches one sentence fails.
- ``revoke_all`` is a restart of Amazon's side: every token issued so far stops working at once,
  long before its hour is up (what the issue calls "a stale or revoked access token").
"""

from __future__ import annotations

import itertools
from typing import Any

from channels_app.amazon.simulator.usage import SimClock

TOKEN_TTL = 3600.0

DENIED = "Access to requested resource is denied."
REVOKED_DETAILS = "The access token you provided is revoked, malformed or invalid."
_EXPIRED: list[tuple[dict[str, Any], dict[str, str]]] = [
    (
        {
            "code": "Unauthorized",
            "message": DENIED,
            "details": "The access token you provided has expired.",
        },
        {},
    ),
    (
        {
            "message": "The security token included in the request is expired",
            "code": "Unauthorized",
        },
        {"x-amzn-ErrorType": "ExpiredTokenException"},
    ),
]

Refusal = tuple[int, dict[str, Any], dict[str, str]]


class AccessTokens:
    def __init__(self, clock: SimClock, ttl: float = TOKEN_TTL) -> None:
        self.clock = clock
        self.ttl = ttl
        self.expires: dict[str, float] = {}  # token → simulated expiry
        self.revoked_count = 0
        self.refused = 0
        self._expired_wording = itertools.cycle(_EXPIRED)

    def issue(self, token: str) -> int:
        self.expires[token] = self.clock.now() + self.ttl
        return int(self.ttl)

    def expire_all(self) -> int:
        """Every token issued so far has expired (Amazon's clock ran past them)."""
        now = self.clock.now()
        self.expires = dict.fromkeys(self.expires, now)
        return len(self.expires)

    def revoke_all(self) -> int:
        """Amazon's side forgot every token (a restart): they are now unknown."""
        count = len(self.expires)
        self.expires.clear()
        self.revoked_count += count
        return count

    def revoked(self) -> Refusal:
        self.refused += 1
        return (
            403,
            {"errors": [{"code": "Unauthorized", "message": DENIED, "details": REVOKED_DETAILS}]},
            {},
        )

    def refusal(self, token: str | None) -> Refusal | None:
        """None when the token opens the door, else Amazon's 403 answer for it."""
        if not token:
            self.refused += 1
            return 403, {"errors": [{"message": DENIED, "code": "MissingAuthenticationToken"}]}, {}
        expiry = self.expires.get(token)
        if expiry is None:
            self.refused += 1
            return (
                403,
                {
                    "errors": [
                        {"code": "Unauthorized", "message": DENIED, "details": REVOKED_DETAILS}
                    ]
                },
                {},
            )
        if expiry <= self.clock.now():
            self.refused += 1
            body, headers = next(self._expired_wording)
            return 403, {"errors": [dict(body)]}, dict(headers)
        return None

    def snapshot(self) -> dict[str, Any]:
        return {"live": len(self.expires), "revoked": self.revoked_count, "refused": self.refused}
