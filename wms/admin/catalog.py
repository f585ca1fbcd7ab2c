"""Back office: clients and the item master (items, pack levels, identifiers, lots)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from wms.admin._common import _as_validation_error
from wms.catalog import services as catalog
from wms.catalog.models import Client, Identifier, Item, Lot, PackLevel
from wms.errors import DomainError


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
            if self.instance.pk:
                catalog.check_stays_with_its_brand(identifier=self.instance, item=item)
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


class PackLevelForm(forms.ModelForm[PackLevel]):
    class Meta:
        model = PackLevel
        fields = ("level", "quantity", "length_mm", "width_mm", "height_mm", "weight_g")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and "level" in self.changed_data:
            raise ValidationError(
                "A pack level's kind is fixed once created (identifiers may name it); "
                "add a new row instead.",
            )
        if data.get("level") and data.get("quantity") is not None:
            try:
                catalog.check_pack_level(level=data["level"], quantity=data["quantity"])
            except DomainError as exc:
                raise _as_validation_error(exc) from None
        return data


class PackLevelInline(admin.TabularInline[PackLevel, Item]):
    model = PackLevel
    form = PackLevelForm
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

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Inline rows are written by the catalog services (client lock, normalised channel),
        # not by formset.save(); the lists below feed the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        item = form.instance
        for row in formset.forms:
            if not row.has_changed() and row.instance.pk is None:
                continue
            if row.instance.pk is not None and formset._should_delete_form(row):
                formset.deleted_objects.append(row.instance)
                if formset.model is Identifier:
                    catalog.remove_identifier(identifier=row.instance)
                else:
                    row.instance.delete()  # a pack level holds no rule of its own to keep
                continue
            if not row.has_changed():
                continue
            new = row.instance.pk is None
            if formset.model is Identifier:
                saved: Model = save_identifier(row, item=item)
            elif formset.model is PackLevel:
                data = row.cleaned_data
                saved = catalog.set_pack_level(
                    item=item,
                    level=data["level"],
                    quantity=data["quantity"],
                    length_mm=data.get("length_mm"),
                    width_mm=data.get("width_mm"),
                    height_mm=data.get("height_mm"),
                    weight_g=data.get("weight_g"),
                )
            else:  # pragma: no cover - every inline of an item is one of the two above
                raise TypeError(f"No service writes {formset.model.__name__} rows.")
            row.instance = saved
            if new:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, row.changed_data))


def save_identifier(form: Any, *, item: Item) -> Identifier:
    """An identifier form's row, written through the catalog service that owns identifiers."""
    data = form.cleaned_data
    fields = {
        "item": item,
        "kind": data["kind"],
        "value": data["value"],
        "channel": data.get("channel") or "",
        "pack_level": data.get("pack_level"),
    }
    if form.instance.pk is None:
        return catalog.add_identifier(**fields)
    return catalog.change_identifier(identifier=form.instance, **fields)


@admin.register(Identifier)
class IdentifierAdmin(admin.ModelAdmin[Identifier]):
    form = IdentifierForm
    list_display = ("value", "kind", "channel", "item", "pack_level", "client")
    list_filter = ("kind", "client")
    search_fields = ("value", "normalized", "item__sku")
    autocomplete_fields = ("item",)

    def save_model(self, request: HttpRequest, obj: Identifier, form: Any, change: bool) -> None:
        saved = save_identifier(form, item=form.cleaned_data["item"])
        obj.pk = saved.pk
        obj.channel = saved.channel
        obj.normalized = saved.normalized
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Identifier) -> None:
        catalog.remove_identifier(identifier=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Identifier]) -> None:
        for identifier in queryset:
            catalog.remove_identifier(identifier=identifier)


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin[Lot]):
    list_display = ("code", "item", "expiry_date", "client")
    list_filter = ("client",)
    search_fields = ("code", "item__sku")
    readonly_fields = ("client", "item", "code", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a lot is born at receiving, where the item's lot and expiry rules apply
