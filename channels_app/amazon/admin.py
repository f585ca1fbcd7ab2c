"""Back office: Amazon integrations and every Amazon operation a person starts.

Each action calls the same service its management command calls (README, "Amazon: from nothing
to live"). Quick ones run in the request and say what happened; the FBA inbound workflow and the
go-live sync wait on Amazon for minutes, so they run as Celery tasks and their progress shows in
the lists (a plan's step and problem, a feed's status).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from channels_app.amazon import catalogue, listings, reconcile, returns, tasks
from channels_app.amazon.doors import patient_client
from channels_app.amazon.errors import AmazonNotConfigured
from channels_app.amazon.fba import check_order
from channels_app.amazon.fba_inventory import fetch_fba_inventory
from channels_app.amazon.models import (
    AmazonException,
    AmazonIntegration,
    AmazonOrder,
    AmazonPackage,
    AmazonReturn,
    FbaBox,
    FbaShipment,
    FeedSubmission,
    InboundPlan,
    Listing,
    ReconciliationLine,
)
from channels_app.errors import TransportError
from wms.errors import DomainError

REFUSALS = (DomainError, AmazonNotConfigured, TransportError)


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%dT%H%M%S.%f")


def _queue_go_live(integration: AmazonIntegration) -> None:
    transaction.on_commit(
        partial(tasks.go_live.delay, integration.pk, f"go-live:{integration.pk}:{_stamp()}")
    )


@admin.register(AmazonIntegration)
class AmazonIntegrationAdmin(admin.ModelAdmin[AmazonIntegration]):
    list_display = ("seller_id", "client", "secrets_name", "reconcile_tolerance", "active")
    list_filter = ("active",)
    actions = [
        "go_live",
        "sync_now",
        "reconcile_now",
        "fetch_fba_inventory",
        "pull_returns_now",
    ]

    def save_model(
        self, request: HttpRequest, obj: AmazonIntegration, form: Any, change: bool
    ) -> None:
        was_active = change and AmazonIntegration.objects.filter(pk=obj.pk, active=True).exists()
        super().save_model(request, obj, form, change)
        if obj.active and not was_active:
            # Created or activated: every listed SKU's quantity goes to Amazon once (item 9).
            _queue_go_live(obj)
            self.message_user(
                request,
                f"{obj} is active: the go-live feed of every listing is queued; its result shows "
                "under Feed submissions.",
            )

    @admin.action(description="Go live: activate and send every listing by one feed")
    def go_live(self, request: HttpRequest, queryset: QuerySet[AmazonIntegration]) -> None:
        for integration in queryset:
            catalogue.activate(integration)
            _queue_go_live(integration)
            self.message_user(request, f"{integration}: go-live feed queued.")

    @admin.action(description="Sync now: every listing's quantity by one feed")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[AmazonIntegration]) -> None:
        for integration in queryset.filter(active=True):
            try:
                with patient_client(integration) as api:
                    sync = catalogue.sync_catalogue(integration, cause="sync-now", api=api)
            except REFUSALS as exc:
                self.message_user(request, f"{integration}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{integration}: feed {sync.feed_id} sent with {len(sync.sent)} listing(s); "
                "Amazon processes it in minutes, its result shows under Feed submissions.",
            )

    @admin.action(description="Reconcile now (and send the corrected catalogue)")
    def reconcile_now(self, request: HttpRequest, queryset: QuerySet[AmazonIntegration]) -> None:
        for integration in queryset.filter(active=True):
            try:
                with patient_client(integration) as api:
                    done = reconcile.reconcile_now(integration, api=api)
            except REFUSALS as exc:
                self.message_user(request, f"{integration}: {exc}", messages.ERROR)
                continue
            found = done.reconciled
            differ = sum(1 for x in found.lines if x.delta)
            self.message_user(
                request,
                f"{integration}: {len(found.lines)} listing(s) reconciled, {differ} differ, "
                f"{len(found.held)} held now ({', '.join(found.held) or 'none'}), "
                f"{len(found.missing)} not on Amazon; feed {done.sync.feed_id} sent.",
                messages.WARNING if found.held or found.missing else messages.SUCCESS,
            )

    @admin.action(description="Fetch FBA inventory (shown on the listings)")
    def fetch_fba_inventory(
        self, request: HttpRequest, queryset: QuerySet[AmazonIntegration]
    ) -> None:
        for integration in queryset.filter(active=True):
            try:
                with patient_client(integration) as api:
                    found = fetch_fba_inventory(integration, api=api)
            except REFUSALS as exc:
                self.message_user(request, f"{integration}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{integration}: FBA inventory of {len(found.lines)} listing(s) read from "
                f"{found.pages} page(s); see Listings.",
            )

    @admin.action(description="Pull Amazon returns now (returns report, matched to RMAs)")
    def pull_returns_now(self, request: HttpRequest, queryset: QuerySet[AmazonIntegration]) -> None:
        for integration in queryset.filter(active=True):
            try:
                # Ask for the report, then look twice: a quick report is read at once; a slow one
                # is left to the beat's returns pull, and the message says so.
                pulled = returns.advance(integration)
                for _ in range(2):
                    if pulled is None or pulled.status not in returns.OPEN:
                        break
                    pulled = returns.advance(integration, request=False)
            except (TransportError, AmazonNotConfigured) as exc:
                self.message_user(request, f"{integration.seller_id}: {exc}", messages.ERROR)
                continue
            if pulled is not None:
                self.message_user(request, f"{integration.seller_id}: {pulled.message}")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin[Listing]):
    list_display = (
        "msku",
        "item",
        "our_quantity",
        "pushed_quantity",
        "amazon_quantity",
        "delta",
        "held",
        "fba_fulfillable",
        "fba_inbound",
        "fba_reserved",
        "fba_unfulfillable",
        "fba_checked_at",
    )
    list_filter = ("held",)
    search_fields = ("msku",)
    list_select_related = ("item", "integration")
    # What was pushed, what Amazon reports and the hold are written by the listings sync;
    # a hold is released through reconcile.release_listing, then published (the action below).
    readonly_fields = (
        "pushed_quantity",
        "pushed_at",
        "amazon_quantity",
        "delta",
        "reconciled_at",
        "held",
        "held_reason",
        "fba_fulfillable",
        "fba_inbound",
        "fba_reserved",
        "fba_unfulfillable",
        "fba_checked_at",
    )
    actions = ["release_selected"]

    @admin.display(description="ours now")
    def our_quantity(self, obj: Listing) -> int:
        """What we publish for the item now (our warehouses), beside Amazon's numbers."""
        return catalogue.quantities(obj.integration, [obj.item_id])[obj.item_id]

    @admin.action(description="Release the hold (the mismatch is explained) and publish")
    def release_selected(self, request: HttpRequest, queryset: QuerySet[Listing]) -> None:
        for listing in queryset.filter(held=True).select_related("item", "integration"):
            reconcile.release_listing(listing=listing)
            try:
                with patient_client(listing.integration) as api:
                    pushed = reconcile.publish_listing(listing=listing, api=api)
            except REFUSALS as exc:
                self.message_user(
                    request,
                    f"{listing.msku} released, but Amazon was not told yet ({exc}); the next "
                    "sync or stock change publishes it.",
                    messages.WARNING,
                )
                continue
            self.message_user(
                request,
                f"{listing.msku} released; Amazon now shows {pushed.sent.get(listing.msku)}.",
            )


@admin.register(FeedSubmission)
class FeedSubmissionAdmin(admin.ModelAdmin[FeedSubmission]):
    list_display = (
        "feed_id",
        "integration",
        "status",
        "listing_count",
        "refused",
        "created_at",
        "done_at",
    )
    list_filter = ("status",)
    readonly_fields = (
        "integration",
        "idempotency_key",
        "feed_id",
        "document_id",
        "messages",
        "status",
        "report",
        "created_at",
        "done_at",
    )
    actions = ["read_report"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="listings")
    def listing_count(self, obj: FeedSubmission) -> int:
        return len(obj.messages)

    @admin.display(description="refused")
    def refused(self, obj: FeedSubmission) -> int | None:
        return None if obj.report is None else len((obj.report or {}).get("issues", []))

    @admin.action(description="Look at Amazon's processing of the feed now")
    def read_report(self, request: HttpRequest, queryset: QuerySet[FeedSubmission]) -> None:
        for feed in queryset.select_related("integration"):
            try:
                with patient_client(feed.integration) as api:
                    outcome = listings.poll_feed(feed.integration, feed.feed_id, api=api)
            except REFUSALS as exc:
                self.message_user(request, f"Feed {feed.feed_id}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"Feed {feed.feed_id}: {outcome.status}, {len(outcome.errors)} refused.",
                messages.WARNING if outcome.errors else messages.SUCCESS,
            )


@admin.register(InboundPlan)
class InboundPlanAdmin(admin.ModelAdmin[InboundPlan]):
    """Add a plan (integration + packed order) to start it; its step shows the progress."""

    list_display = (
        "order",
        "integration",
        "step",
        "inbound_plan_id",
        "confirmation_ids",
        "problem",
    )
    list_filter = ("step",)
    raw_id_fields = ("order",)
    actions = ["continue_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: InboundPlan | None = None) -> Any:
        written = [
            f.name for f in InboundPlan._meta.fields if f.name not in ("id", "integration", "order")
        ]
        return written + (["integration", "order"] if obj else [])

    def save_model(self, request: HttpRequest, obj: InboundPlan, form: Any, change: bool) -> None:
        if not change:
            try:
                check_order(obj.integration, obj.order)  # refuse now, in words, not in a task
            except DomainError as exc:
                self.message_user(request, f"Not started: {exc}", messages.ERROR)
                return
        super().save_model(request, obj, form, change)
        transaction.on_commit(partial(tasks.fba_inbound_plan.delay, obj.pk))
        self.message_user(
            request,
            f"FBA inbound plan for {obj.order} started; its step moves to 'labelled' as Amazon "
            "answers (refresh this list).",
        )

    @admin.action(description="Continue the selected plans from their step")
    def continue_selected(self, request: HttpRequest, queryset: QuerySet[InboundPlan]) -> None:
        # A labelled plan whose shipments were never read continues too: it reads them.
        waiting = list(
            queryset.exclude(step="labelled", shipments__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        )
        for pk in waiting:
            transaction.on_commit(partial(tasks.fba_inbound_plan.delay, pk))
        self.message_user(request, f"{len(waiting)} plan(s) continue in the background.")


class FbaBoxInline(admin.TabularInline[FbaBox, FbaShipment]):
    model = FbaBox
    fields = ("number", "parcel", "package_id")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FbaShipment)
class FbaShipmentAdmin(admin.ModelAdmin[FbaShipment]):
    """The shipments Amazon placed each plan in, as the plan read them (getShipment): read only.
    The label desk finds one by either ID and prints its boxes' labels."""

    list_display = ("confirmation_id", "shipment_id", "warehouse_id", "status", "plan")
    search_fields = ("confirmation_id", "shipment_id", "plan__order__external_id")
    inlines = [FbaBoxInline]

    def get_readonly_fields(self, request: HttpRequest, obj: FbaShipment | None = None) -> Any:
        return [f.name for f in FbaShipment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReconciliationLine)
class ReconciliationLineAdmin(admin.ModelAdmin[ReconciliationLine]):
    list_display = ("msku", "amazon_quantity", "our_quantity", "delta", "beyond_tolerance", "at")
    list_filter = ("beyond_tolerance",)
    search_fields = ("msku",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AmazonException)
class AmazonExceptionAdmin(admin.ModelAdmin[AmazonException]):
    list_display = ("kind", "msku", "owner", "created_at", "resolved_at")
    list_filter = ("kind", "resolved_at")
    readonly_fields = ("kind", "msku", "item", "detail", "evidence", "policy", "created_at")


@admin.register(AmazonOrder)
class AmazonOrderAdmin(admin.ModelAdmin[AmazonOrder]):
    list_display = ("amazon_order_id", "status", "last_update_date", "shipment_confirmed_at")
    search_fields = ("amazon_order_id",)
    # Written by the order import and the shipment confirmation, never typed.
    readonly_fields = (
        "integration",
        "amazon_order_id",
        "order",
        "status",
        "last_update_date",
        "shipment_confirmed_at",
        "confirmed_tracking",
        "confirmation_key",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AmazonPackage)
class AmazonPackageAdmin(admin.ModelAdmin[AmazonPackage]):
    """What each carton told Amazon (confirmShipment), one package per carton."""

    list_display = (
        "amazon_order_id",
        "package_reference_id",
        "carrier_code",
        "shipping_method",
        "tracking_number",
        "confirmed_at",
    )
    search_fields = ("amazon_order_id", "tracking_number")
    readonly_fields = (
        "integration",
        "amazon_order_id",
        "shipment_parcel",
        "package_reference_id",
        "carrier_code",
        "carrier_name",
        "shipping_method",
        "tracking_number",
        "order_items",
        "confirmed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AmazonReturn)
class AmazonReturnAdmin(admin.ModelAdmin[AmazonReturn]):
    """Lines of Amazon's returns report and the RMA each matched (returns.py)."""

    list_display = ("amazon_rma_id", "amazon_order_id", "msku", "quantity", "status", "ret")
    list_filter = ("status",)
    search_fields = ("amazon_rma_id", "amazon_order_id", "msku")
    readonly_fields = (
        "integration",
        "amazon_order_id",
        "amazon_rma_id",
        "merchant_rma_id",
        "msku",
        "quantity",
        "status",
        "reason",
        "tracking_id",
        "requested_at",
        "ret",
        "matched_at",
        "row",
        "first_seen_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
