"""AdminClient on the shared HttpClient: the status decision is the shared policy; what the
refusal says is Shopify's own ``errors`` (a string, or a list of GraphQL errors), so the
integration engineer reads Shopify's words in the dead letter."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from channels_app.errors import TransportError
from channels_app.shopify.client import AdminClient


def answering(status: int, body: dict[str, Any]) -> AdminClient:
    return AdminClient(
        shop_domain=f"client-{uuid.uuid4().hex[:8]}.myshopify.com",
        access_token="shpat_x",  # noqa: S106 - answered by the mock transport only
        api_version="2026-04",
        base_url="http://shopify.invalid",
        transport=httpx.MockTransport(lambda _request: httpx.Response(status, json=body)),
    )


@pytest.mark.parametrize(
    ("status", "body", "said", "permanent"),
    [
        (404, {"errors": "Not Found"}, "Not Found", True),
        (
            422,
            {"errors": [{"message": "Variable $id is invalid"}]},
            "Variable $id is invalid",
            True,
        ),
        (503, {"errors": [{"message": "Service unavailable"}]}, "Service unavailable", False),
        (401, {"errors": "[API] Invalid API key or access token"}, "reinstall the app", True),
    ],
)
def test_a_refusal_says_what_shopify_said_and_is_classified_by_the_shared_policy(
    settings: Any, status: int, body: dict[str, Any], said: str, permanent: bool
) -> None:
    settings.SHOPIFY_VALIDATE_WIRE = False  # the mock's answers are not Shopify's schema

    with answering(status, body) as api, pytest.raises(TransportError) as caught:
        api.execute("query Probe { shop { name } }", operation="Probe")

    assert said in caught.value.message
    assert (caught.value.permanent, caught.value.status) == (permanent, status)
    assert caught.value.operation == "Probe"
