"""Reads of the warehouse layout: locations, containers and warehouses by what a scanner holds.

Selectors pull, services push: nothing here writes. Each keeps the exact query its caller made
(the RF screens pin their query counts), so a read moved here costs the same.
"""

from __future__ import annotations

from django.db.models import Q

from wms.layout.models import Container, Location, Warehouse


def location_by_label(*, warehouse: Warehouse, code: str) -> Location | None:
    """A location of this warehouse by its label (barcode) first, then by its code."""
    return (
        Location.objects.filter(warehouse=warehouse, barcode=code).first()
        or Location.objects.filter(warehouse=warehouse, code__iexact=code).first()
    )


def container_by_label(*, code: str) -> Container | None:
    """A container (with its location) by its plate, or by its SSCC with or without AI 00."""
    found = Container.objects.filter(barcode=code).select_related("location").first()
    if found is None and code.isdigit() and len(code) in (18, 20):
        found = Container.objects.filter(sscc=code[-18:]).select_related("location").first()
    return found


def is_location_label(*, code: str) -> bool:
    """Whether a scanned value is some location's label or code (to say so when a plate was due)."""
    return Location.objects.filter(Q(barcode=code) | Q(code__iexact=code)).exists()


def container_by_barcode(*, barcode: str) -> Container | None:
    return Container.objects.filter(barcode=barcode).first()


def get_location(*, pk: int) -> Location:
    return Location.objects.get(pk=pk)


def locations_by_pk(*, pks: list[int]) -> dict[int, Location]:
    return Location.objects.in_bulk(pks)


def location_in_warehouse(*, pk: int, warehouse: Warehouse) -> Location | None:
    return Location.objects.filter(pk=pk, warehouse=warehouse).first()


def is_location_of(*, pk: int, warehouse: Warehouse) -> bool:
    return Location.objects.filter(pk=pk, warehouse=warehouse).exists()


def get_container(*, pk: int) -> Container:
    return Container.objects.get(pk=pk)


def get_plate(*, pk: int) -> Container:
    """A plate with the location it stands at (one query)."""
    return Container.objects.select_related("location").get(pk=pk)


def plates_holding_stock_at(*, location: Location) -> list[str]:
    """Barcodes of the active plates at a location that hold stock (one row per balance)."""
    plates = Container.objects.filter(location=location, active=True, balances__quantity__gt=0)
    return list(plates.values_list("barcode", flat=True))


def active_warehouses() -> list[Warehouse]:
    return list(Warehouse.objects.filter(active=True).order_by("code"))


def warehouse_or_none(*, pk: int) -> Warehouse | None:
    return Warehouse.objects.filter(pk=pk).first()
