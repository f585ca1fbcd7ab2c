"""Shopify's signature on webhooks and fulfillment-service callbacks.

``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(the app's secret, the raw body)). Verified on the
raw bytes before anything is parsed or stored, with a constant-time compare.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "X-Shopify-Hmac-Sha256"


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), signature.strip().encode())
