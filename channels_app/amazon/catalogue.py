"""The whole catalogue at once: go-live, "sync now" and reconciliation's correction.

Every active item of the integration's client is a listing, and each is told the quantity we
publish for it now (held listings 0) in ONE JSON_LISTINGS_FEED — not only the SKUs whose stock
happened to move since the rule was set (those reach Amazon through the outbox, one
patchListingsItem each, and still do). Amazon's Feeds API is asynchronous: createFeedDocument →
upload → createFeed, then getFeed until DONE and the processing report (listings.poll_feed turns
each ERROR in it into an exception naming the SKU). ``wait_for_feed`` polls in the foreground for
the doors a person is watching (management commands); otherwise the beat's poll_feeds reads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels_app.amazon import listings
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.errors import NothingListed
from channels_app.amazon.models import AmazonIntegration, Listing
from wms.catalog.models import Identifier, IdentifierKind, Item
from wms.inventory import availability
from wms.inventory.models import StockPosition

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return


def ensure_listings(integration: AmazonIntegration) -> list[Listing]:
    """A listing for every active item of the client (created where missing), by MSKU."""
    items = list(Item.objects.filter(client_id=integration.client_id, active=True).order_by("sku"))
    channel_skus = dict(
        Identifier.objects.filter(
            item__in=items, kind=IdentifierKind.CHANNEL_SKU, channel="amazon"
        ).values_list("item_id", "value")
    )
    have = set(Listing.objects.filter(integration=integration).values_list("item_id", flat=True))
    Listing.objects.bulk_create(
        [
            Listing(integration=integration, item=item, msku=channel_skus.get(item.pk, item.sku))
            for item in items
            if item.pk not in have
        ],
        ignore_conflicts=True,
    )
    return list(
        Listing.objects.filter(integration=integration, item__active=True)
        .select_related("item")
        .order_by("msku")
    )


def quantities(integration: AmazonIntegration, item_ids: list[int]) -> dict[int, int]:
    """What we publish to Amazon for each item now: the same ATP rule as every stock change
    (wms.inventory.availability), read from the positions; an item never stocked is 0."""
    terms = availability.terms_for(client_id=integration.client_id, channel="amazon")
    by_item: dict[int, list[StockPosition]] = {i: [] for i in item_ids}
    active: set[int] = set()
    for p in StockPosition.objects.filter(item_id__in=item_ids).annotate(
        node_active=F("warehouse__active")
    ):
        by_item[p.item_id].append(p)
        if p.node_active:
            active.add(p.warehouse_id)
    return {i: availability.channel_quantity(rows, terms, active) for i, rows in by_item.items()}


@dataclass
class CatalogueSync:
    feed_id: str
    sent: dict[str, int]  # msku → quantity in the feed
    cause: str


def sync_catalogue(
    integration: AmazonIntegration,
    *,
    cause: str,
    idempotency_key: str | None = None,
    api: SpApiClient | None = None,
    progress: Progress = _quiet,
) -> CatalogueSync:
    """Send every listing's quantity as one JSON_LISTINGS_FEED (a retry with the same key sends
    nothing twice)."""
    found = ensure_listings(integration)
    if not found:
        raise NothingListed(
            f"Client {integration.client} has no active items to list on Amazon: add them to the "
            "item master (with their Amazon SKU as channel SKU where it differs), then sync again."
        )
    ours = quantities(integration, [x.item_id for x in found])
    updates = [(x, 0 if x.held else ours[x.item_id]) for x in found]
    key = idempotency_key or f"{cause}:{integration.pk}:{timezone.now():%Y%m%dT%H%M%S.%f}"
    progress(f"Sending {len(updates)} listing(s) to Amazon as one JSON_LISTINGS_FEED ({cause}).")
    with api or client_for(integration) as client:
        pushed = listings.submit_feed(integration, client, updates, key)
    progress(f"Feed {pushed.feed_id} submitted; Amazon processes it asynchronously.")
    return CatalogueSync(pushed.feed_id, pushed.sent, cause)


def wait_for_feed(
    integration: AmazonIntegration,
    feed_id: str,
    *,
    api: SpApiClient | None = None,
    poll_seconds: float = 30.0,
    timeout: float = 1800.0,
    progress: Progress = _quiet,
) -> listings.FeedOutcome:
    """getFeed until Amazon is done with the feed; its report's errors become exceptions."""
    deadline = time.monotonic() + timeout
    with api or client_for(integration) as client:
        while True:
            outcome = listings.poll_feed(integration, feed_id, api=borrowed(client))
            progress(f"Feed {feed_id}: {outcome.status}.")
            if outcome.status in ("DONE", "FATAL", "CANCELLED"):
                return outcome
            if time.monotonic() > deadline:
                return outcome  # still processing: the beat's poll_feeds reads it later
            time.sleep(poll_seconds)


class _Borrowed:
    """The client itself, but leaving a `with` block does not close it."""

    def __init__(self, client: SpApiClient) -> None:
        self.client = client

    def __enter__(self) -> SpApiClient:
        return self.client

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> object:
        return getattr(self.client, name)


def borrowed(client: SpApiClient) -> SpApiClient:
    """The client for an adapter call that must not close it (they close what they are given)."""
    return _Borrowed(client)  # type: ignore[return-value]


@transaction.atomic
def activate(integration: AmazonIntegration) -> bool:
    """Mark the integration active; True when it was not (it goes live: sync the catalogue)."""
    changed = AmazonIntegration.objects.filter(pk=integration.pk, active=False).update(active=True)
    integration.active = True
    return bool(changed)
