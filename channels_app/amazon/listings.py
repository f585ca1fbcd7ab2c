"""Availability to Amazon: a Listings Items patch per SKU, or a JSON_LISTINGS_FEED in bulk.

Quantities are absolute, so a replayed push is harmless; each one still carries an idempotency
key so the effect can be counted once. A held listing (its quantity disagreed with ours beyond the
client's tolerance, reconcile.py) is published as 0 until a person releases it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.amazon import mapping
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.inbound import msku_for
from channels_app.amazon.models import (
    AmazonException,
    AmazonIntegration,
    FeedSubmission,
    Listing,
)
from wms.catalog.models import Item

LISTINGS = "/listings/2021-08-01/items"


def listing_for(integration: AmazonIntegration, item: Item) -> Listing:
    listing = Listing.objects.filter(integration=integration, item=item).first()
    if listing is None:
        listing, _ = Listing.objects.get_or_create(
            integration=integration, msku=msku_for(integration, item), defaults={"item": item}
        )
    return listing


@dataclass
class AvailabilityPushed:
    mode: str  # "patch" or "feed"
    sent: dict[str, int] = field(default_factory=dict)  # msku → quantity sent
    rejected: dict[str, str] = field(default_factory=dict)  # msku → Amazon's issue
    feed_id: str = ""
    rate_limit: float | None = None


def _items(integration: AmazonIntegration, skus: list[str]) -> dict[str, Item]:
    found = {i.sku: i for i in Item.objects.filter(client_id=integration.client_id, sku__in=skus)}
    missing = sorted(set(skus) - set(found))
    if missing:
        from channels_app.amazon.errors import UnknownAmazonSku

        raise UnknownAmazonSku(f"No item {', '.join(missing)} for this client.")
    return found


def push_availability(
    integration: AmazonIntegration,
    items: list[tuple[str, int]],
    idempotency_key: str,
    *,
    api: SpApiClient | None = None,
) -> AvailabilityPushed:
    """Tell Amazon each SKU's quantity: one patch each, or one feed above AMAZON_FEED_THRESHOLD."""
    latest = dict(items)  # a SKU twice: the later value wins
    by_sku = _items(integration, list(latest))
    updates = []
    for sku, quantity in latest.items():
        listing = listing_for(integration, by_sku[sku])
        updates.append((listing, 0 if listing.held else max(0, quantity)))
    with api or client_for(integration) as client:
        if len(updates) > settings.AMAZON_FEED_THRESHOLD:
            result = submit_feed(integration, client, updates, idempotency_key)
        else:
            result = _patch_each(integration, client, updates, idempotency_key)
        result.rate_limit = client.last_rate_limit
    return result


def _patch_each(
    integration: AmazonIntegration,
    client: SpApiClient,
    updates: list[tuple[Listing, int]],
    key: str,
) -> AvailabilityPushed:
    result = AvailabilityPushed(mode="patch")
    for listing, quantity in updates:
        reply = client.call(
            "PATCH",
            f"{LISTINGS}/{integration.seller_id}/{listing.msku}",
            operation="patchListingsItem",
            params={"marketplaceIds": integration.marketplace_ids},
            body=mapping.availability_patch(listing.product_type, quantity),
            idempotency_key=f"{key}:{listing.msku}",
        )
        if reply.body["status"] == "INVALID":
            issue = "; ".join(i["message"] for i in reply.body.get("issues", []))
            result.rejected[listing.msku] = issue
            open_exception(
                integration, "listing_rejected", listing, f"Amazon refused {listing.msku}: {issue}"
            )
            continue
        Listing.objects.filter(pk=listing.pk).update(
            pushed_quantity=quantity, pushed_at=timezone.now()
        )
        result.sent[listing.msku] = quantity
    return result


def submit_feed(
    integration: AmazonIntegration,
    client: SpApiClient,
    updates: list[tuple[Listing, int]],
    key: str,
) -> AvailabilityPushed:
    """One JSON_LISTINGS_FEED of these quantities: document, upload, createFeed (once per key)."""
    existing = FeedSubmission.objects.filter(integration=integration, idempotency_key=key).first()
    if existing is not None:  # this push already became a feed: never submit it twice
        return AvailabilityPushed(mode="feed", feed_id=existing.feed_id)
    document, index = mapping.listings_feed(
        integration.seller_id, [(x.msku, x.product_type, q) for x, q in updates]
    )
    content_type = "application/json; charset=UTF-8"
    created = client.call(
        "POST",
        "/feeds/2021-06-30/documents",
        operation="createFeedDocument",
        body={"contentType": content_type},
    ).body
    client.upload(created["url"], document, kind="listings_feed", content_type=content_type)
    feed = client.call(
        "POST",
        "/feeds/2021-06-30/feeds",
        operation="createFeed",
        body={
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": integration.marketplace_ids,
            "inputFeedDocumentId": created["feedDocumentId"],
        },
        idempotency_key=key,
    ).body
    FeedSubmission.objects.create(
        integration=integration,
        idempotency_key=key,
        feed_id=feed["feedId"],
        document_id=created["feedDocumentId"],
        messages=index,
    )
    return AvailabilityPushed(mode="feed", feed_id=feed["feedId"], sent=dict(index.values()))


@dataclass
class FeedOutcome:
    status: str
    accepted: list[str] = field(default_factory=list)
    errors: list[mapping.ReportIssue] = field(default_factory=list)


def poll_feed(
    integration: AmazonIntegration, feed_id: str, *, api: SpApiClient | None = None
) -> FeedOutcome:
    """Look at a feed once; when DONE read its processing report: each error opens an exception."""
    submission = FeedSubmission.objects.get(integration=integration, feed_id=feed_id)
    if submission.done_at is not None:
        issues = mapping.report_issues(submission.report or {})
        return FeedOutcome(submission.status, errors=[i for i in issues if i.severity == "ERROR"])
    with api or client_for(integration) as client:
        feed = client.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}", operation="getFeed").body
        status = feed["processingStatus"]
        if status not in ("DONE", "CANCELLED", "FATAL"):
            FeedSubmission.objects.filter(pk=submission.pk).update(status=status)
            return FeedOutcome(status)
        report: dict[str, Any] = {}
        if feed.get("resultFeedDocumentId"):
            doc = client.call(
                "GET",
                f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}",
                operation="getFeedDocument",
            ).body
            report = client.download(doc["url"], kind="listings_feed_report") or {}
    issues = [i for i in mapping.report_issues(report) if i.severity == "ERROR"]
    failed = {i.msku for i in issues}
    outcome = FeedOutcome(status, errors=issues)
    with transaction.atomic():
        claimed = FeedSubmission.objects.filter(pk=submission.pk, done_at=None).update(
            status=status, report=report, done_at=timezone.now()
        )
        if not claimed:  # another poll read this report already
            return outcome
        now = timezone.now()
        for msku, quantity in submission.messages.values():
            if status == "DONE" and msku not in failed:
                Listing.objects.filter(integration=integration, msku=msku).update(
                    pushed_quantity=quantity, pushed_at=now
                )
                outcome.accepted.append(msku)
        for issue in issues:
            listing = Listing.objects.filter(integration=integration, msku=issue.msku).first()
            open_exception(
                integration,
                "feed_error",
                listing,
                f"Feed {feed_id}, message {issue.message_id} ({issue.msku}): {issue.code} "
                f"{issue.message}",
                evidence={"feed_id": feed_id, "message_id": issue.message_id},
            )
        if status != "DONE":
            open_exception(
                integration,
                "feed_failed",
                None,
                f"Amazon ended feed {feed_id} as {status}: none of its quantities applied. "
                "The next availability push sends them again.",
                evidence={"feed_id": feed_id},
            )
    return outcome


def open_exception(
    integration: AmazonIntegration,
    kind: str,
    listing: Listing | None,
    detail: str,
    *,
    evidence: dict[str, Any] | None = None,
    policy: str = "",
) -> AmazonException:
    return AmazonException.objects.create(
        integration=integration,
        kind=kind,
        msku=listing.msku if listing else "",
        item_id=listing.item_id if listing else None,
        detail=detail,
        evidence=evidence or {},
        owner="client services",
        policy=policy,
    )
