"""Reconciliation: Amazon's quantity against the ATP we publish; beyond tolerance, hold and explain."""

from __future__ import annotations

from channels_app.amazon import adapter
from channels_app.amazon.listings import listing_for
from channels_app.amazon.models import (
    AmazonException,
    AmazonIntegration,
    Listing,
    ReconciliationLine,
)
from channels_app.amazon.tests.conftest import SimControl
from tests.factories import Site, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory.models import ChannelAvailability


def test_a_difference_beyond_tolerance_holds_the_listing_with_the_touches_as_evidence(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
) -> None:
    AmazonIntegration.objects.filter(pk=integration.pk).update(reconcile_tolerance=2)
    integration.refresh_from_db()
    stock(site, tent, 10, oscar)
    stock(site, mug, 4, oscar)
    assert ChannelAvailability.objects.get(item=tent, channel="amazon").quantity == 10
    listing_for(integration, tent)
    listing_for(integration, mug)
    sim.listings(**{"NWO-TENT": 15, "NWO-MUG": 5})  # tent: Δ +5 (beyond ±2); mug: Δ +1

    result = adapter.reconcile(integration)

    assert result.held == ["NWO-TENT"]
    lines = {
        x.msku: (x.amazon_quantity, x.our_quantity, x.delta, x.beyond_tolerance)
        for x in result.lines
    }
    assert lines == {"NWO-TENT": (15, 10, 5, True), "NWO-MUG": (5, 4, 1, False)}
    assert ReconciliationLine.objects.count() == 2
    tent_listing = Listing.objects.get(msku="NWO-TENT")
    assert tent_listing.held and tent_listing.delta == 5
    assert not Listing.objects.get(msku="NWO-MUG").held
    exception = AmazonException.objects.get()
    assert (exception.kind, exception.msku, exception.policy) == (
        "quantity_mismatch",
        "NWO-TENT",
        "reconcile_tolerance=2",
    )
    evidence = exception.evidence
    assert (evidence["amazon_quantity"], evidence["our_quantity"]) == (15, 10)
    assert [t["kind"] for t in evidence["touches"]] == ["stow", "receive"]
    assert evidence["published"][0]["quantity"] == 10

    # Held: published as 0 until someone resolves it; the mug is published as it is.
    pushed = adapter.push_availability(integration, [("NWO-TENT", 10), ("NWO-MUG", 4)], "av-9")
    assert pushed.sent == {"NWO-TENT": 0, "NWO-MUG": 4}

    adapter.release_listing(listing=tent_listing)
    assert AmazonException.objects.get().resolved_at is not None
    assert adapter.push_availability(integration, [("NWO-TENT", 10)], "av-10").sent == {
        "NWO-TENT": 10
    }


def test_within_tolerance_nothing_is_held(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 10, oscar)
    listing_for(integration, tent)
    sim.listings(**{"NWO-TENT": 10})

    result = adapter.reconcile(integration)

    assert [(x.delta, x.beyond_tolerance) for x in result.lines] == [(0, False)]
    assert result.held == [] and not AmazonException.objects.exists()
