"""Back office: trailers and lanes being loaded, and what each closed load shipped."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from wms.admin._common import ReadOnlyAdmin
from wms.loading.models import Load, LoadParcel


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
