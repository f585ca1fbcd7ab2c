"""Every channel's client classifies a failed answer by the one policy (channels_app/http.py):
the same status is retried, or dead-lettered, whichever partner said it. Amazon's and Shopify's
clients keep their own hooks (token refresh, GraphQL error codes); the status decision is shared."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from channels_app.amazon.client import Credentials, LocalTokenCache, SpApiClient
from channels_app.carrier.client import HttpCarrier
from channels_app.erp.client import ErpClient
from channels_app.errors import RateLimited, TransportError
from channels_app.http import permanent
from channels_app.shopify.client import AdminClient

STATUSES = [400, 404, 408, 409, 422, 425, 429, 500, 502, 503]


def answering(status: int) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            return httpx.Response(
                200, json={"access_token": "Atza|t", "token_type": "bearer", "expires_in": 3600}
            )
        body = {"message": "no", "errors": [{"code": "Refused", "message": "no"}]}
        return httpx.Response(status, json=body, headers={"retry-after": "1"})

    return httpx.MockTransport(handler)


def amazon(status: int) -> None:
    api = SpApiClient(
        Credentials("A3SELLER", "client", "secret", "Atzr|refresh"),
        base_url="http://amazon.invalid",
        lwa_url="http://amazon.invalid",
        transport=answering(status),
        token_cache=LocalTokenCache(),
    )
    with api:
        api.call("GET", "/orders/v0/orders", operation="getOrders")


def shopify(status: int) -> None:
    api = AdminClient(
        shop_domain=f"policy-{uuid.uuid4().hex[:8]}.myshopify.com",
        access_token="shpat_x",  # noqa: S106 - answered by the mock transport only
        api_version="2026-04",
        base_url="http://shopify.invalid",
        transport=answering(status),
    )
    with api:
        api.execute("query Probe { shop { name } }", operation="Probe", cost=1)


def carrier(status: int) -> None:
    with HttpCarrier(
        base_url="http://carrier.invalid", api_key="k", transport=answering(status)
    ) as api:
        api.void("SX0001")


def erp(status: int) -> None:
    with ErpClient(base_url="http://erp.invalid", token="t", transport=answering(status)) as api:  # noqa: S106
        api.call("GET", "/api/v1/items", operation="list_items")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("channel", [amazon, shopify, carrier, erp], ids=lambda c: c.__name__)
def test_every_channel_classifies_a_status_the_same_way(
    settings: Any, channel: Any, status: int
) -> None:
    settings.AMAZON_VALIDATE_WIRE = False  # the mock answers are not Amazon's models
    settings.SHOPIFY_VALIDATE_WIRE = False

    with pytest.raises(TransportError) as caught:
        channel(status)

    assert caught.value.permanent is permanent(status)
    assert isinstance(caught.value, RateLimited) is (status == 429)
