"""Availability to Amazon: Listings Items patches one by one, a JSON_LISTINGS_FEED in bulk."""

from __future__ import annotations

from typing import Any

from channels_app.amazon import adapter
from channels_app.amazon.models import AmazonException, AmazonIntegration, FeedSubmission, Listing
from channels_app.amazon.tests.conftest import SimControl
from tests.factories import make_item
from wms.catalog.models import Client, Item


def test_a_few_updates_go_as_single_patches(
    sim: SimControl, integration: AmazonIntegration, tent: Item, mug: Item
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})

    pushed = adapter.push_availability(integration, [("NWO-TENT", 7), ("NWO-MUG", 3)], "av-1")

    assert (pushed.mode, pushed.sent) == ("patch", {"NWO-TENT": 7, "NWO-MUG": 3})
    assert pushed.rate_limit == 5.0
    state = sim.state()
    assert state["effects"]["availability"] == {"NWO-TENT": 7, "NWO-MUG": 3}
    assert state["calls"]["patchListingsItem"] == 2
    assert Listing.objects.get(msku="NWO-TENT").pushed_quantity == 7


def test_a_replayed_push_is_applied_once(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    sim.listings(**{"NWO-TENT": 0})
    adapter.push_availability(integration, [("NWO-TENT", 7)], "av-1")
    adapter.push_availability(integration, [("NWO-TENT", 7)], "av-1")  # the outbox retried

    state = sim.state()
    assert state["calls"]["patchListingsItem"] == 2
    assert state["effects"]["keys"] == {"av-1:NWO-TENT": 2}
    assert state["effects"]["availability_writes"] == {"NWO-TENT": 1}


def test_a_listing_amazon_refuses_opens_an_exception(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    pushed = adapter.push_availability(integration, [("NWO-TENT", 4)], "av-2")
    assert "does not exist" in pushed.rejected["NWO-TENT"]
    assert AmazonException.objects.get().kind == "listing_rejected"


def skus(nwo: Client, n: int) -> list[Item]:
    return [make_item(nwo, f"NWO-B{i:02d}") for i in range(n)]


def test_many_updates_go_as_one_feed_whose_report_errors_open_exceptions(
    sim: SimControl, integration: AmazonIntegration, nwo: Client, settings: Any
) -> None:
    settings.AMAZON_FEED_THRESHOLD = 3
    items = skus(nwo, 5)
    sim.listings(**{i.sku: 0 for i in items[:4]})  # NWO-B04 is not listed on Amazon

    pushed = adapter.push_availability(
        integration, [(i.sku, 10 + n) for n, i in enumerate(items)], "bulk-1"
    )

    assert pushed.mode == "feed" and pushed.feed_id
    state = sim.state()
    assert "patchListingsItem" not in state["calls"]
    assert adapter.poll_feed(integration, pushed.feed_id).status == "IN_PROGRESS"
    assert sim.state()["effects"]["availability"] == {}  # not processed yet
    done = adapter.poll_feed(integration, pushed.feed_id)

    assert done.status == "DONE"
    assert sorted(done.accepted) == ["NWO-B00", "NWO-B01", "NWO-B02", "NWO-B03"]
    assert [(e.msku, e.code) for e in done.errors] == [("NWO-B04", "4000001")]
    assert sim.state()["effects"]["availability"] == {
        "NWO-B00": 10,
        "NWO-B01": 11,
        "NWO-B02": 12,
        "NWO-B03": 13,
    }
    exception = AmazonException.objects.get()
    assert (exception.kind, exception.msku) == ("feed_error", "NWO-B04")
    assert "does not exist" in exception.detail
    assert Listing.objects.get(msku="NWO-B01").pushed_quantity == 11
    assert Listing.objects.get(msku="NWO-B04").pushed_quantity is None

    again = adapter.poll_feed(integration, pushed.feed_id)  # the report is read once
    assert again.status == "DONE" and AmazonException.objects.count() == 1


def test_a_retried_bulk_push_does_not_submit_a_second_feed(
    sim: SimControl, integration: AmazonIntegration, nwo: Client, settings: Any
) -> None:
    settings.AMAZON_FEED_THRESHOLD = 1
    items = skus(nwo, 2)
    sim.listings(**{i.sku: 0 for i in items})
    first = adapter.push_availability(integration, [(i.sku, 5) for i in items], "bulk-2")
    again = adapter.push_availability(integration, [(i.sku, 5) for i in items], "bulk-2")

    assert again.feed_id == first.feed_id
    assert sim.state()["calls"]["createFeed"] == 1
    assert FeedSubmission.objects.count() == 1


def test_a_push_that_failed_half_way_is_retried_without_applying_anything_twice(
    sim: SimControl, integration: AmazonIntegration, tent: Item, mug: Item
) -> None:
    import pytest

    from channels_app.amazon.errors import TransportError

    sim.listings(**{"NWO-MUG": 0, "NWO-TENT": 0})
    sim.fault("apply_then_500", operation="patchListingsItem")  # the first SKU lands, then 500
    with pytest.raises(TransportError) as caught:
        adapter.push_availability(integration, [("NWO-MUG", 2), ("NWO-TENT", 6)], "av-3")
    assert (caught.value.permanent, caught.value.status) == (False, 500)

    adapter.push_availability(integration, [("NWO-MUG", 2), ("NWO-TENT", 6)], "av-3")

    effects = sim.state()["effects"]
    assert effects["availability"] == {"NWO-MUG": 2, "NWO-TENT": 6}
    assert effects["keys"] == {
        "av-3:NWO-MUG": 2,
        "av-3:NWO-TENT": 1,
    }  # the first one arrived twice…
    assert effects["availability_writes"] == {"NWO-MUG": 1, "NWO-TENT": 1}  # …and applied once
