"""Back office: warehouses, locations and containers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest

from wms.errors import DomainError
from wms.layout import services as layout
from wms.layout.models import VIRTUAL_TYPES, Container, Location, Warehouse


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
        if not change:
            created = layout.create_location(
                warehouse=obj.warehouse,
                code=obj.code,
                type=obj.type,
                barcode=obj.barcode,
                sellable=obj.sellable,
                sequence=obj.sequence,
                active=obj.active,
            )
            obj.pk = created.pk
            obj._state.adding = False
            return
        if "sellable" in form.changed_data:
            # Through the service, which keeps what channels may sell in step.
            layout.set_sellable(location=obj, sellable=obj.sellable)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ContainerForm(forms.ModelForm[Container]):
    class Meta:
        model = Container
        fields = ("warehouse", "barcode", "type", "sscc")

    def clean_sscc(self) -> str | None:
        value = self.cleaned_data.get("sscc")
        if not value:
            return None
        try:
            return layout.check_sscc(value)
        except DomainError as exc:
            raise ValidationError(exc.message) from None


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin[Container]):
    form = ContainerForm
    list_display = ("barcode", "type", "sscc", "location", "parent", "active")
    list_filter = ("type", "active", "warehouse")
    search_fields = ("barcode", "sscc")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Container | None = None
    ) -> tuple[str, ...]:
        # A plate's identity is printed and scanned: registered once by layout.create_container,
        # then moved only by touches.
        moved_by_touches = ("location", "parent", "active", "created_at")
        return (
            ("warehouse", "barcode", "type", "sscc", *moved_by_touches) if obj else moved_by_touches
        )

    def save_model(self, request: HttpRequest, obj: Container, form: Any, change: bool) -> None:
        if change:
            return  # nothing editable once registered (see get_readonly_fields)
        created = layout.create_container(
            warehouse=obj.warehouse, type=obj.type, barcode=obj.barcode, sscc=obj.sscc
        )
        obj.pk = created.pk
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
