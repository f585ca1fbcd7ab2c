"""The back office: item master, warehouses and locations editable; the ledger read-only.

Admin forms call the same rule functions as the API and services, so a barcode that the API would
refuse is refused here too, with the same message.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, Identifier, Item, Lot, PackLevel
from wms.errors import DomainError
from wms.inbound.models import ExpectedReceipt, Return
from wms.inventory import counting
from wms.inventory.availability import republish
from wms.inventory.ledger import ScanContext
from wms.inventory.models import Balance, ChannelRule, CountApproval, Scan, Touch
from wms.layout import services as layout
from wms.layout.models import VIRTUAL_TYPES, Container, Location, Warehouse
from wms.loading.models import Load, LoadParcel
from wms.orders.models import (
    AllocationDecision,
    AuthorityPolicy,
    CarrierService,
    Cutoff,
    Order,
    OrderEvent,
    OrderException,
    OrderLine,
)
from wms.outbox import queue as outbox
from wms.outbox.models import DeliveryException, OutboxMessage, OutboxState


def _as_validation_error(exc: DomainError) -> ValidationError:
    return ValidationError({exc.field: exc.message} if exc.field else exc.message)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "role", "client", "badge", "is_active", "last_login")
    list_filter = ("role", "client", "is_active")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Touchline", {"fields": ("role", "client", "badge")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Touchline", {"fields": ("role", "client", "badge")}),
    )


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin[Client]):
    list_display = ("code", "name", "active", "created_at")
    search_fields = ("code", "name")


class IdentifierForm(forms.ModelForm[Identifier]):
    class Meta:
        model = Identifier
        fields = ("item", "pack_level", "kind", "channel", "value")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        item = data.get("item") or getattr(self.instance, "item", None)
        if item is None or not data.get("kind") or not data.get("value"):
            return data
        try:
            self.instance.normalized = catalog.check_identifier(
                client=item.client,
                item=item,
                kind=data["kind"],
                value=data["value"],
                channel=data.get("channel", ""),
                pack_level=data.get("pack_level"),
                exclude_pk=self.instance.pk,
            )
        except DomainError as exc:
            raise _as_validation_error(exc) from None
        self.instance.client = item.client
        self.instance.value = data["value"].strip()
        return data


class IdentifierFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key, value = form.instance.normalized, form.cleaned_data.get("value", "")
            if key and key in seen:
                raise ValidationError(
                    f"{seen[key]} and {value} are the same barcode; keep one row."
                )
            seen[key] = value


class IdentifierInline(admin.TabularInline[Identifier, Item]):
    model = Identifier
    form = IdentifierForm
    formset = IdentifierFormSet
    extra = 1
    fields = ("kind", "channel", "value", "pack_level", "normalized")
    readonly_fields = ("normalized",)


class PackLevelInline(admin.TabularInline[PackLevel, Item]):
    model = PackLevel
    extra = 0
    fields = ("level", "quantity", "length_mm", "width_mm", "height_mm", "weight_g")


class ItemForm(forms.ModelForm[Item]):
    class Meta:
        model = Item
        fields = ("client", "sku", *catalog.ITEM_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            catalog.check_item_flags(
                sku=data.get("sku") or self.instance.sku,
                tracks_lots=bool(data.get("tracks_lots")),
                tracks_expiry=bool(data.get("tracks_expiry")),
                hazmat=bool(data.get("hazmat")),
                un=data.get("un_number") or "",
            )
        except DomainError as exc:
            raise _as_validation_error(exc) from None
        return data


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    form = ItemForm
    list_display = ("sku", "client", "description", "tracks_lots", "hazmat", "active")
    list_filter = ("client", "active", "tracks_lots", "hazmat")
    search_fields = ("sku", "description", "identifiers__value")
    inlines = [PackLevelInline, IdentifierInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Item | None = None) -> tuple[str, ...]:
        # A SKU is permanent: history points at it. Deactivate and create a new one instead.
        return ("client", "sku", "created_at") if obj else ("created_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Item, form: Any, change: bool) -> None:
        if change:
            fields = {f: getattr(obj, f) for f in catalog.ITEM_FIELDS}
            catalog.update_item(item=obj, **fields)
            return
        fields = {f: getattr(obj, f) for f in catalog.ITEM_FIELDS if f != "description"}
        created = catalog.create_item(
            client=obj.client, sku=obj.sku, description=obj.description, **fields
        )
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(Identifier)
class IdentifierAdmin(admin.ModelAdmin[Identifier]):
    form = IdentifierForm
    list_display = ("value", "kind", "channel", "item", "pack_level", "client")
    list_filter = ("kind", "client")
    search_fields = ("value", "normalized", "item__sku")
    autocomplete_fields = ("item",)


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin[Lot]):
    list_display = ("code", "item", "expiry_date", "client")
    list_filter = ("client",)
    search_fields = ("code", "item__sku")
    readonly_fields = ("client", "item", "code", "created_at")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin[Warehouse]):
    list_display = ("code", "name", "time_zone", "city", "active")

    def save_model(self, request: HttpRequest, obj: Warehouse, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        address = {
            f: getattr(obj, f)
            for f in ("address_line1", "address_line2", "city", "region", "postal_code", "country")
        }
        created = layout.create_warehouse(
            code=obj.code, name=obj.name, time_zone=obj.time_zone, **address
        )
        obj.pk = created.pk
        obj._state.adding = False


class LocationForm(forms.ModelForm[Location]):
    class Meta:
        model = Location
        fields = ("warehouse", "code", "barcode", "type", "sellable", "sequence", "active")

    def clean_type(self) -> str:
        value = self.cleaned_data["type"]
        if not self.instance.pk and value in VIRTUAL_TYPES:
            raise ValidationError(
                "Virtual locations come with the warehouse; pick a physical type."
            )
        return str(value)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    form = LocationForm
    list_display = ("code", "barcode", "warehouse", "type", "sellable", "sequence", "active")
    list_filter = ("warehouse", "type", "sellable", "active")
    search_fields = ("code", "barcode")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Location | None = None
    ) -> tuple[str, ...]:
        # Type decides whether stock may go negative there (virtual) — fixed once created.
        return ("warehouse", "type") if obj else ()

    def save_model(self, request: HttpRequest, obj: Location, form: Any, change: bool) -> None:
        if change and "sellable" in form.changed_data:
            # Through the service, which keeps what channels may sell in step.
            layout.set_sellable(location=obj, sellable=obj.sellable)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin[Container]):
    list_display = ("barcode", "type", "sscc", "location", "parent", "active")
    list_filter = ("type", "active", "warehouse")
    search_fields = ("barcode", "sscc")
    readonly_fields = ("location", "parent", "active", "created_at")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """The ledger is written by scans only; the back office reads it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "kind",
        "client",
        "item",
        "quantity",
        "from_location",
        "to_location",
        "actor",
        "reference",
    )
    list_filter = ("kind", "client")
    search_fields = ("item__sku", "reference", "scan__id")
    list_select_related = ("client", "item", "from_location", "to_location", "actor")
    show_full_result_count = False


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("item", "lot", "location", "container", "status", "quantity", "client")
    list_filter = ("client", "status", "is_virtual", "location__type")
    search_fields = ("item__sku", "location__code", "container__barcode")
    list_select_related = ("item", "lot", "location", "container", "client")


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "actor", "device", "created_at")
    list_filter = ("kind",)


# --- orders, policies and channels ------------------------------------------------------------


@admin.register(AuthorityPolicy)
class AuthorityPolicyAdmin(admin.ModelAdmin[AuthorityPolicy]):
    """Who decides and how each conflict is settled, per client (docs/orders.md, "Policies")."""

    list_display = (
        "client",
        "allocation",
        "allow_split",
        "allow_backorder",
        "allow_partial_shipment",
        "cancel_after_pick",
        "address_after_label",
        "short_pick",
        "safety_buffer",
    )


@admin.register(ChannelRule)
class ChannelRuleAdmin(admin.ModelAdmin[ChannelRule]):
    list_display = ("client", "channel", "buffer", "cap", "share_percent")
    list_filter = ("client", "channel")
    filter_horizontal = ("warehouses",)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The channel's promise changes with its rule: tell it now, not at the next scan.
        republish(client_id=form.instance.client_id)


@admin.register(CarrierService)
class CarrierServiceAdmin(admin.ModelAdmin[CarrierService]):
    list_display = ("code", "carrier", "name", "level")


@admin.register(Cutoff)
class CutoffAdmin(admin.ModelAdmin[Cutoff]):
    list_display = ("warehouse", "service", "local_time")
    list_filter = ("warehouse",)


class OrderEventInline(admin.TabularInline[OrderEvent, Order]):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "from_state", "to_state", "owner", "actor", "policy", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class AllocationDecisionInline(admin.TabularInline[AllocationDecision, Order]):
    model = AllocationDecision
    extra = 0
    can_delete = False
    fields = ("at", "mode", "outcome", "warehouses", "reason")
    readonly_fields = fields
    verbose_name_plural = "allocation decisions (why this node)"

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderLineInline(admin.TabularInline[OrderLine, Order]):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("item", "quantity", "picked", "packed", "shipped", "channel_line_id")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Orders change through their services (API, floor, channels); here they are read, with why."""

    list_display = (
        "external_id",
        "client",
        "channel",
        "state",
        "warehouse",
        "service",
        "due_at",
        "received_at",
    )
    list_filter = ("state", "channel", "client", "warehouse")
    search_fields = ("external_id", "ship_to_name")
    inlines = [OrderLineInline, AllocationDecisionInline, OrderEventInline]
    list_select_related = ("client", "warehouse", "service")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_staff)


@admin.register(OrderException)
class OrderExceptionAdmin(ReadOnlyAdmin):
    list_display = ("order", "kind", "owner", "created_at", "resolved_at", "detail")
    list_filter = ("kind", "owner")


@admin.register(ExpectedReceipt)
class ExpectedReceiptAdmin(ReadOnlyAdmin):
    list_display = ("reference", "client", "warehouse", "kind", "state", "expected_at")
    list_filter = ("state", "client", "warehouse")


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ("rma", "client", "order", "warehouse", "created_at")
    list_filter = ("client",)


# --- cycle counts waiting for a supervisor (wms.inventory.counting) --------------------------------


@admin.register(CountApproval)
class CountApprovalAdmin(ReadOnlyAdmin):
    """Counts beyond the threshold. Approve/reject call the counting service, as the RF queue does:
    approval records the count touch with the signed-in supervisor as actor."""

    list_display = (
        "id",
        "counted_at",
        "warehouse",
        "location",
        "item",
        "lot",
        "counted",
        "system",
        "variance",
        "counted_by",
        "state",
        "decided_by",
    )
    list_filter = ("state", "warehouse")
    list_select_related = ("warehouse", "location", "item", "lot", "counted_by", "decided_by")
    actions = ["approve", "reject"]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_staff)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[CountApproval], *, approve: bool
    ) -> None:
        user = request.user
        if not isinstance(user, User):
            return
        done = 0
        for approval in queryset.select_related("item", "lot", "location", "container"):
            try:
                if approve:
                    ctx = ScanContext(uuid.uuid4(), user, device="back office")
                    counting.approve_count(ctx, approval=approval)
                else:
                    counting.reject_count(approval=approval, actor=user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"Count {approval.pk}: {exc.message}", messages.ERROR)
        if done:
            verb = "Approved and recorded" if approve else "Rejected"
            self.message_user(request, f"{verb} {done} count(s).", messages.SUCCESS)

    @admin.action(description="Approve: record the count (as you)")
    def approve(self, request: HttpRequest, queryset: QuerySet[CountApproval]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject: a new count is due")
    def reject(self, request: HttpRequest, queryset: QuerySet[CountApproval]) -> None:
        self._decide(request, queryset, approve=False)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Where each event is on its way to each destination, and why it is stuck."""

    list_display = (
        "id",
        "kind",
        "destination",
        "client",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state", "kind", "destination")
    search_fields = ("idempotency_key", "listing", "event__order__external_id")
    actions = ["retry_now"]

    @admin.action(description="Retry now (dead or waiting messages)")
    def retry_now(self, request: HttpRequest, queryset: Any) -> None:
        done = 0
        for message in queryset.filter(state__in=[OutboxState.DEAD, OutboxState.PENDING]):
            outbox.retry(message)
            done += 1
        self.message_user(request, f"{done} message(s) will be sent again now.")


@admin.register(DeliveryException)
class DeliveryExceptionAdmin(ReadOnlyAdmin):
    list_display = ("message", "order", "owner", "created_at", "resolved_at", "detail")
    list_filter = ("owner", "kind")


class LoadParcelInline(admin.TabularInline[LoadParcel, Load]):
    model = LoadParcel
    fields = ("parcel", "loaded_by", "loaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Load)
class LoadAdmin(ReadOnlyAdmin):
    """Trailers and lanes being loaded on the floor, and what each closed load shipped."""

    list_display = (
        "reference",
        "location",
        "carrier",
        "state",
        "opened_by",
        "opened_at",
        "closed_at",
    )
    list_filter = ("state", "warehouse", "carrier")
    search_fields = ("reference", "parcels__parcel__container__barcode")
    inlines = [LoadParcelInline]
