"""Ada connects Northwind's store from the back office: the actions register, sync, subscribe and
reconcile through the same services as the command, and say what they did — or why they could not."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client as WebClient
from django.urls import reverse

from channels_app.shopify.models import ShopifyStore
from channels_app.shopify.tests.conftest import SimControl
from tests.factories import Site, stock
from wms.accounts.models import User
from wms.catalog.models import Item

pytestmark = pytest.mark.usefixtures("no_broker")

CHANGELIST = "admin:shopify_shopifystore_changelist"


@pytest.fixture(autouse=True)
def patient(sim: SimControl, settings: Any) -> None:
    settings.SHOPIFY_TIMEOUT = 30.0  # no faults here: a loaded machine is not a timeout


def act(ada: User, store: ShopifyStore, action: str) -> list[str]:
    web = WebClient()
    web.force_login(ada)
    response = web.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(store.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_go_live_from_the_back_office_then_reconcile(
    ada: User, store: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    sim.products(**{"NWO-TENT": 0})
    stock(site, tent, 7, oscar)

    (went,) = act(ada, store, "go_live")

    assert went.startswith(f"Go live {store.shop_domain}: Fulfillment service")
    assert "1 set in 1 call(s)" in went and "created APP_UNINSTALLED" in went
    assert sim.state()["available"] == {"NWO-TENT": 7}
    (reconciled,) = act(ada, store, "reconcile")
    assert "1 SKUs compared; 0 beyond tolerance" in reconciled
    (webhooks,) = act(ada, store, "subscribe_webhooks")
    assert "created none; 4 already subscribed" in webhooks


def test_an_action_that_cannot_run_says_why_and_changes_nothing(
    ada: User, store: ShopifyStore, sim: SimControl
) -> None:
    (refused,) = act(ada, store, "sync_stock")

    assert "failed" in refused and "register the fulfillment service first" in refused
    assert sim.state()["calls"] == {}
