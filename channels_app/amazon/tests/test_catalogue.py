"""Go-live and "sync now": every listed SKU once, as ONE JSON_LISTINGS_FEED, over real HTTP.

Northwind goes live with 500 SKUs, most of which never moved since they were received (or never
held stock at all): before, only SKUs whose stock moved reached Amazon."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as WebClient

from channels_app.amazon import adapter, catalogue, tasks
from channels_app.amazon.models import AmazonException, AmazonIntegration, FeedSubmission, Listing
from channels_app.amazon.tests.conftest import SimControl
from tests.factories import Site, make_item, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item


def test_go_live_sends_500_skus_by_one_feed(
    sim: SimControl, integration: AmazonIntegration, nwo: Client, site: Site, oscar: User
) -> None:
    items = [make_item(nwo, f"NWO-G{i:03d}") for i in range(500)]
    stock(site, items[7], 12, oscar)
    stock(site, items[499], 3, oscar, at=site.face2)
    sim.listings(**{i.sku: 0 for i in items})
    Listing.objects.all().delete()  # nothing was ever pushed: the stock moves went nowhere yet

    sync = adapter.sync_catalogue(integration, cause="go-live")
    outcome = catalogue.wait_for_feed(integration, sync.feed_id, poll_seconds=0)

    assert outcome.status == "DONE" and not outcome.errors
    assert len(outcome.accepted) == 500
    state = sim.state()
    assert (state["calls"]["createFeedDocument"], state["calls"]["createFeed"]) == (1, 1)
    assert "patchListingsItem" not in state["calls"]
    shown = state["effects"]["availability"]
    assert len(shown) == 500
    assert (shown["NWO-G007"], shown["NWO-G499"], shown["NWO-G000"]) == (12, 3, 0)
    assert state["feeds"][sync.feed_id]["processingStatus"] == "DONE"
    assert Listing.objects.filter(pushed_quantity__isnull=False).count() == 500
    assert FeedSubmission.objects.get().feed_id == sync.feed_id


def test_sync_now_names_each_sku_amazon_refused(
    sim: SimControl, integration: AmazonIntegration, tent: Item, mug: Item, nwo: Client
) -> None:
    make_item(nwo, "NWO-LAMP")  # in our item master, no offer on Amazon
    sim.listings(**{"NWO-TENT": 4, "NWO-MUG": 4})
    out = io.StringIO()

    call_command("amazon_sync_now", seller="A3SIMSELLER01", poll_seconds=0, stdout=out)

    text = out.getvalue()
    assert "Sending 3 listing(s) to Amazon as one JSON_LISTINGS_FEED (sync-now)." in text
    assert "ERROR NWO-LAMP: 4000001 The SKU 'NWO-LAMP' does not exist for this seller." in text
    assert "DONE: 2 of 3 listing(s) accepted, 1 refused" in text
    refused = AmazonException.objects.get(kind="feed_error")
    assert refused.msku == "NWO-LAMP" and "NWO-LAMP" in refused.detail
    assert sim.state()["effects"]["availability"] == {"NWO-TENT": 0, "NWO-MUG": 0}


def test_a_command_for_an_unknown_seller_says_which_sellers_exist(
    integration: AmazonIntegration,
) -> None:
    with pytest.raises(CommandError, match=r"No Amazon integration for seller NOPE.*A3SIMSELLER01"):
        call_command("amazon_sync_now", seller="NOPE")


def test_a_client_without_items_cannot_go_live(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with pytest.raises(CommandError, match="no active items to list on Amazon"):
        call_command("amazon_sync_now", seller="A3SIMSELLER01", poll_seconds=0)
    assert sim.state()["calls"] == {}


def test_amazon_connect_registers_logs_in_and_goes_live(
    sim: SimControl, nwo: Client, tent: Item, site: Site, oscar: User, monkeypatch: Any
) -> None:
    from channels_app.amazon.simulator import Credentials
    from tests.factories import service

    creds = Credentials()
    monkeypatch.setenv("AMAZON_NWO_LWA_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", creds.refresh_token)
    service()
    stock(site, tent, 6, oscar)
    sim.listings(**{"NWO-TENT": 0})
    args = {
        "seller": "A3SIMSELLER01",
        "client": "NWO",
        "lwa_client_id": creds.client_id,
        "secrets_name": "NWO",
        "service": "UPS_GROUND",
        "poll_seconds": 0,
    }
    out = io.StringIO()

    call_command("amazon_connect", **args, stdout=out)

    assert "now active (logged in to Amazon)" in out.getvalue()
    assert AmazonIntegration.objects.get().active
    assert sim.state()["effects"]["availability"] == {"NWO-TENT": 6}

    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", "Atzr|wrong")
    with pytest.raises(CommandError, match="invalid grant"):
        call_command("amazon_connect", **args | {"tolerance": 3})
    assert AmazonIntegration.objects.get().reconcile_tolerance == 0  # refused: nothing saved


def test_activating_an_integration_in_the_back_office_sends_the_go_live_feed(
    sim: SimControl,
    integration: AmazonIntegration,
    tent: Item,
    mug: Item,
    ada: User,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(tasks.go_live, "delay", lambda *args: tasks.go_live.apply(args).get())
    AmazonIntegration.objects.filter(pk=integration.pk).update(active=False)
    sim.listings(**{"NWO-TENT": 5, "NWO-MUG": 5})
    web = WebClient()
    web.force_login(ada)

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            "/admin/amazon/amazonintegration/",
            {"action": "go_live", "_selected_action": [integration.pk]},
            follow=True,
        )

    assert "go-live feed queued" in response.content.decode()
    feed = FeedSubmission.objects.get()
    assert sorted(m for m, _ in feed.messages.values()) == ["NWO-MUG", "NWO-TENT"]
    for _ in range(2):
        web.post(
            "/admin/amazon/feedsubmission/",
            {"action": "read_report", "_selected_action": [feed.pk]},
        )
    feed.refresh_from_db()
    assert feed.status == "DONE"
    assert sim.state()["effects"]["availability"] == {"NWO-TENT": 0, "NWO-MUG": 0}


def test_creating_an_integration_in_the_back_office_sends_every_listing_once(
    sim: SimControl,
    nwo: Client,
    tent: Item,
    mug: Item,
    site: Site,
    oscar: User,
    ada: User,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from channels_app.amazon.simulator import Credentials
    from tests.factories import service

    creds = Credentials()
    monkeypatch.setenv("AMAZON_NWO_LWA_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", creds.refresh_token)
    monkeypatch.setattr(tasks.go_live, "delay", lambda *args: tasks.go_live.apply(args).get())
    stock(site, mug, 3, oscar)  # before the integration: this change reached no one
    sim.listings(**{"NWO-TENT": 9, "NWO-MUG": 9})
    web = WebClient()
    web.force_login(ada)

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            "/admin/amazon/amazonintegration/add/",
            {
                "client": nwo.pk,
                "seller_id": "A3SIMSELLER01",
                "marketplace_ids": '["ATVPDKIKX0DER"]',
                "lwa_client_id": creds.client_id,
                "secrets_name": "NWO",
                "default_service": service().pk,
                "service_map": "{}",
                "reconcile_tolerance": "0",
                "ship_from_phone": "",
                "orders_synced_through_0": "",
                "orders_synced_through_1": "",
                "active": "on",
            },
            follow=True,
        )

    assert "the go-live feed of every listing is queued" in response.content.decode()
    feed = FeedSubmission.objects.get()
    assert sorted(feed.messages.values()) == [["NWO-MUG", 3], ["NWO-TENT", 0]]
    catalogue.wait_for_feed(AmazonIntegration.objects.get(), feed.feed_id, poll_seconds=0)
    assert sim.state()["effects"]["availability"] == {"NWO-TENT": 0, "NWO-MUG": 3}
