"""Back office: orders (read, with why), their exceptions, policies, carrier services and cutoffs."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from wms.admin._common import ReadOnlyAdmin
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
