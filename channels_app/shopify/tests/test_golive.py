"""Going live and staying right, against the simulator over real HTTP: registering publishes every
SKU's quantity once (the "21 of 25 SKUs stayed at 0" finding), reconciliation turns a difference
into an exception with the SKU's touch history, and a store that uninstalled and reinstalled the
app is registered again on a new location. Northwind (NWO) is the brand, Oscar works the floor."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from channels_app.shopify import registration, stock, tasks
from channels_app.shopify.models import (
    ShopifyException,
    ShopifyInventoryItem,
    ShopifyReconciliationLine,
    ShopifyStore,
)
from channels_app.shopify.tests.conftest import SimControl
from tests.factories import Site, make_item
from tests.factories import stock as put_away
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.models import ChannelAvailability

pytestmark = pytest.mark.usefixtures("no_broker")


@pytest.fixture(autouse=True)
def patient(sim: SimControl, settings: Any) -> None:
    """No fault is injected here: a loaded machine must not turn into a timeout."""
    settings.SHOPIFY_TIMEOUT = 30.0


def _golive(sim: SimControl) -> dict[str, Any]:
    return dict(sim.http.get("/golive").json())


def test_registering_publishes_every_skus_quantity_once(
    store: ShopifyStore, sim: SimControl, site: Site, nwo: Client, oscar: User
) -> None:
    items = [make_item(nwo, f"NWO-G{n:02d}") for n in range(25)]
    sim.products(**{item.sku: 0 for item in items})  # the merchant's products, none stocked yet
    for n, item in enumerate(items):
        put_away(site, item, n + 1, oscar)  # before the store is connected: nothing is pushed

    registered, synced = registration.register_and_sync(store)

    assert registered.action == "created"
    available = sim.state()["available"]
    assert available == {item.sku: n + 1 for n, item in enumerate(items)}
    assert all(available[item.sku] > 0 for item in items)
    assert sorted(synced.changed) == sorted(item.sku for item in items)
    assert synced.calls == 1  # 25 quantities fit one document (≤ 100 per call, Shopify: ≤ 250)
    assert sim.state()["calls"]["inventorySetQuantities"] == 1
    known = dict(ShopifyInventoryItem.objects.values_list("sku", "known_quantity"))
    assert known == available

    again = stock.sync_stock(store)  # "sync stock now" with nothing changed: nothing is written

    assert again.changed == [] and again.already == 25
    assert sim.state()["calls"]["inventorySetQuantities"] == 1


def test_sync_batches_large_catalogues_and_names_what_it_cannot_set(
    store: ShopifyStore, sim: SimControl, site: Site, nwo: Client, oscar: User, monkeypatch: Any
) -> None:
    monkeypatch.setattr(stock, "BATCH", 2)
    items = [make_item(nwo, f"NWO-B{n}") for n in range(5)]
    sim.products(**{item.sku: 0 for item in items[:4]})  # NWO-B4 has no Shopify product
    for item in items:
        put_away(site, item, 3, oscar)

    _registered, synced = registration.register_and_sync(store)

    assert synced.calls == 2 and len(synced.changed) == 4
    assert synced.missing == ["NWO-B4"]
    assert "no Shopify product for NWO-B4" in synced.message


def test_reconcile_finds_a_difference_and_opens_an_exception_with_the_touch_history(
    store: ShopifyStore, sim: SimControl, site: Site, tent: Item, mug: Item, oscar: User
) -> None:
    ShopifyStore.objects.filter(pk=store.pk).update(reconcile_tolerance=1)
    sim.products(**{"NWO-TENT": 0, "NWO-MUG": 0})
    put_away(site, tent, 10, oscar)
    put_away(site, mug, 4, oscar)
    registration.register_and_sync(store)
    store.refresh_from_db()
    sim.set_available(**{"NWO-TENT": 14, "NWO-MUG": 5})  # edited at Shopify: Δ +4 and Δ +1

    result = stock.reconcile(store)

    lines = {
        x.sku: (x.shopify_quantity, x.our_quantity, x.delta, x.beyond_tolerance)
        for x in result.lines
    }
    assert lines == {"NWO-TENT": (14, 10, 4, True), "NWO-MUG": (5, 4, 1, False)}
    assert ShopifyReconciliationLine.objects.filter(store=store).count() == 2
    (exception,) = ShopifyException.objects.filter(store=store)
    assert exception.kind == "quantity_mismatch" and exception.sku == "NWO-TENT"
    assert exception.owner == stock.OWNER and exception.item == tent
    assert "Shopify shows 14" in exception.detail and "tolerance ±1" in exception.detail
    touches = exception.evidence["touches"]
    assert len(touches) == 2  # received at the dock, stowed to the pick face
    assert sum(t["quantity"] for t in touches) == 20  # received 10, stowed 10
    assert exception.evidence["our_quantity"] == 10

    stock.reconcile(store)  # still different: the one open exception stays the only one

    assert ShopifyException.objects.filter(store=store).count() == 1
    assert ChannelAvailability.objects.get(item=tent, channel="shopify").quantity == 10


def test_re_register_after_uninstall_and_reinstall_makes_a_new_service_and_republishes(
    store: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    sim.products(**{"NWO-TENT": 0})
    put_away(site, tent, 6, oscar)
    first = registration.go_live(store)
    store.refresh_from_db()
    old_service, old_location = store.fulfillment_service_id, store.location_id
    assert first.registered.action == "created"
    assert sorted(first.subscribed.created) == sorted(registration.TOPICS)

    sim._post("/uninstall", {"webhook": False})  # Shopify deletes what the app created
    assert _golive(sim)["webhooks"] == [] and sim.state()["services"] == {}

    again = registration.go_live(store)
    store.refresh_from_db()

    assert again.registered.action == "recreated"
    assert store.fulfillment_service_id != old_service and store.location_id != old_location
    assert store.active and store.uninstalled_at is None
    assert sim.state()["available"] == {"NWO-TENT": 6}  # the new location got our stock
    assert sorted(again.subscribed.created) == sorted(registration.TOPICS)


def test_registering_and_subscribing_twice_changes_nothing(
    store: ShopifyStore, sim: SimControl
) -> None:
    registration.go_live(store)
    calls = dict(sim.state()["calls"])

    again = registration.go_live(store)

    assert again.registered.action == "unchanged"
    assert again.subscribed.created == [] and len(again.subscribed.existing) == 4
    after = sim.state()["calls"]
    assert after["fulfillmentServiceCreate"] == calls["fulfillmentServiceCreate"] == 1
    assert after["webhookSubscriptionCreate"] == calls["webhookSubscriptionCreate"] == 4


def test_a_changed_callback_url_updates_the_service(
    store: ShopifyStore, sim: SimControl, settings: Any
) -> None:
    registration.register_service(store)
    settings.SHOPIFY_CALLBACK_BASE_URL = "https://wms.example.com"

    registered = registration.register_service(store)

    assert registered.action == "updated"
    (service,) = sim.state()["services"].values()
    assert (
        service["callbackUrl"] == f"https://wms.example.com/channels/shopify/callbacks/{store.pk}"
    )


def test_the_command_reports_each_step_and_a_clear_error(
    store: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    sim.products(**{"NWO-TENT": 0})
    put_away(site, tent, 2, oscar)
    out = io.StringIO()

    call_command("shopify_store", "golive", store.shop_domain, stdout=out)

    text = out.getvalue()
    assert "created" in text and "1 set in 1 call(s)" in text and "created APP_UNINSTALLED" in text
    call_command("shopify_store", "reconcile", str(store.pk), stdout=out)
    assert "1 SKUs compared; 0 beyond tolerance" in out.getvalue()
    with pytest.raises(CommandError, match=r"No Shopify store 'nope\.myshopify\.com'"):
        call_command("shopify_store", "sync", "nope.myshopify.com")


def test_sync_before_registration_says_what_to_do(store: ShopifyStore) -> None:
    with pytest.raises(CommandError, match="register the fulfillment service first"):
        call_command("shopify_store", "sync", store.shop_domain)


def test_the_scheduled_reconciliation_runs_per_live_store_and_records_a_refusal(
    store: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User, monkeypatch: Any
) -> None:
    sim.products(**{"NWO-TENT": 0})
    put_away(site, tent, 3, oscar)
    assert tasks.reconcile_all.apply().get() == 0  # not registered yet: nothing to do
    registration.register_and_sync(store)
    sent: list[int] = []
    monkeypatch.setattr(tasks.reconcile, "apply_async", lambda args: sent.append(args[0]))

    assert tasks.reconcile_all.apply().get() == 1 and sent == [store.pk]
    done = tasks.reconcile.apply((store.pk,)).get()
    assert done == {"message": "1 SKUs compared; 0 beyond tolerance; 0 new exception(s)."}

    monkeypatch.delenv("SHOPIFY_NWO_ACCESS_TOKEN")  # a permanent failure: no retry, an exception
    failed = tasks.reconcile.apply((store.pk,)).get()
    assert "SHOPIFY_NWO_ACCESS_TOKEN" in failed["failed"]
    (exception,) = ShopifyException.objects.filter(kind="reconciliation_failed")
    assert exception.owner == tasks.ENGINEER
