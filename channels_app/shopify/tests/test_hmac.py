"""Webhooks are taken only with Shopify's signature: HMAC-SHA256 of the raw body with the app's
secret. A bad or missing signature is 401 and stores nothing; a replay of a webhook id is dropped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient

from channels_app.shopify import signing
from channels_app.shopify.models import ShopifyStore
from channels_app.shopify.tests.conftest import WEBHOOKS, SimControl
from wms.outbox.models import InboundMessage

pytestmark = pytest.mark.django_db


def post(
    store: ShopifyStore,
    body: bytes,
    *,
    signature: str | None,
    webhook_id: str = "wh-1",
    topic: str = "orders/create",
) -> Any:
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": store.shop_domain,
        "X-Shopify-Webhook-Id": webhook_id,
    }
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    return HttpClient().post(WEBHOOKS, data=body, content_type="application/json", headers=headers)


BODY = json.dumps(
    {"id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/1"}
).encode()


def test_a_validly_signed_webhook_is_taken_once(store: ShopifyStore, sim: SimControl) -> None:
    response = post(store, BODY, signature=signing.sign(sim.sim.webhook_secret, BODY))

    assert response.status_code == 200, response.content
    assert response.json() == {"outcome": "noted"}
    assert InboundMessage.objects.filter(
        source=f"shopify:{store.pk}:webhook", external_id="wh-1"
    ).exists()


@pytest.mark.parametrize(
    "signature",
    [
        "not-base64-at-all",
        signing.sign("another-apps-secret", BODY),
        signing.sign("sim-webhook-secret", BODY + b" "),  # right secret, different body
    ],
    ids=["garbage", "wrong-secret", "tampered-body"],
)
def test_an_invalid_signature_is_401_and_nothing_is_stored(
    store: ShopifyStore, signature: str
) -> None:
    response = post(store, BODY, signature=signature)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    assert InboundMessage.objects.count() == 0


def test_a_missing_signature_is_401_and_nothing_is_stored(store: ShopifyStore) -> None:
    response = post(store, BODY, signature=None)

    assert response.status_code == 401
    assert "Missing X-Shopify-Hmac-Sha256" in response.json()["message"]
    assert InboundMessage.objects.count() == 0


def test_an_unknown_shop_is_401(store: ShopifyStore, sim: SimControl) -> None:
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "someone-else.myshopify.com",
        "X-Shopify-Webhook-Id": "wh-x",
        "X-Shopify-Hmac-Sha256": signing.sign(sim.sim.webhook_secret, BODY),
    }
    response = HttpClient().post(
        WEBHOOKS, data=BODY, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert InboundMessage.objects.count() == 0


def test_a_replayed_webhook_id_is_stored_once(store: ShopifyStore, sim: SimControl) -> None:
    signature = signing.sign(sim.sim.webhook_secret, BODY)

    first = post(store, BODY, signature=signature, webhook_id="wh-replay")
    again = post(store, BODY, signature=signature, webhook_id="wh-replay")

    assert (first.json(), again.json()) == ({"outcome": "noted"}, {"outcome": "duplicate"})
    assert InboundMessage.objects.filter(external_id="wh-replay").count() == 1


def test_app_uninstalled_stops_the_store(store: ShopifyStore, sim: SimControl) -> None:
    body = json.dumps({"id": 1, "domain": store.shop_domain}).encode()
    response = post(
        store,
        body,
        signature=signing.sign(sim.sim.webhook_secret, body),
        topic="app/uninstalled",
        webhook_id="wh-bye",
    )
    assert response.json() == {"outcome": "store deactivated"}
    store.refresh_from_db()
    assert not store.active and store.uninstalled_at is not None


def test_the_signature_is_a_constant_time_compare_of_base64_hmac_sha256() -> None:
    # Shopify's documented example shape: base64 of the raw digest (44 characters), not hex.
    signature = signing.sign("secret", b'{"a":1}')
    assert len(signature) == 44 and signature.endswith("=")
    assert signing.verify("secret", b'{"a":1}', signature)
    assert not signing.verify("secret", b'{"a":2}', signature)
    assert not signing.verify("", b'{"a":1}', signature)
    assert not signing.verify("secret", b'{"a":1}', None)
