"""Restricted Data Tokens (Tokens API 2021-03-01) for the buyer's address and phone.

Amazon: "To access buyer and shipping address information, you must … Use a Restricted Data Token
(RDT)"; "Use any of the following values in the dataElements parameter in the
createRestrictedDataToken operation to access the getOrder operation: buyerInfo shippingAddress
buyerTaxInformation" (https://developer-docs.amazon.com/sp-api/docs/get-order-information). An
order fetched with the plain access token comes without the name, street lines and phone.

One RDT per restricted resource (``GET /orders/v0/orders`` for every page of a poll, or one
order's path), cached until shortly before its ``expiresIn``. The cache key carries the access
token it was made with: when that token is dropped (expired, revoked), the next call makes a new
RDT too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from channels_app.amazon.client import SpApiClient

ORDER_PII = ("buyerInfo", "shippingAddress")
PATH = "/tokens/2021-03-01/restrictedDataToken"


def restricted_data_token(
    client: SpApiClient, method: str, path: str, data_elements: Sequence[str]
) -> str:
    access = client.access_token()
    digest = hashlib.sha256(
        f"{access}|{method}|{path}|{','.join(sorted(data_elements))}".encode()
    ).hexdigest()[:24]
    key = f"{client.token_key}:rdt:{digest}"
    cached = client.tokens.get(key)
    if cached:
        return cached
    reply = client.call(
        "POST",
        PATH,
        operation="createRestrictedDataToken",
        body={
            "restrictedResources": [
                {"method": method, "path": path, "dataElements": list(data_elements)}
            ]
        },
    )
    token = str(reply.body["restrictedDataToken"])
    expires_in = float(reply.body.get("expiresIn", 3600))
    client.tokens.set(key, token, expires_in - min(60.0, expires_in / 2))
    return token
