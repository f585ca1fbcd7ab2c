"""Reads of the item master: what a barcode names, items and lots by id or code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wms.catalog.identifiers import scan_key
from wms.catalog.models import Identifier, Item, Lot, PackLevel
from wms.errors import UnknownBarcode


@dataclass(frozen=True)
class ResolvedBarcode:
    item: Item
    pack_level: PackLevel | None
    units: int  # base units one scan of this barcode stands for (a case barcode counts the case)


def resolve_barcode(*, client_id: int, value: str) -> ResolvedBarcode:
    """What a scanned barcode names within one client: an identifier first, then a SKU."""
    key = scan_key(value)
    ident = (
        Identifier.objects.select_related("item", "pack_level")
        .filter(client_id=client_id, normalized=key)
        .first()
    )
    if ident is not None:
        units = ident.pack_level.quantity if ident.pack_level else 1
        return ResolvedBarcode(ident.item, ident.pack_level, units)
    item = Item.objects.filter(client_id=client_id, sku=value.strip()).first()
    if item is not None:
        return ResolvedBarcode(item, None, 1)
    raise UnknownBarcode(
        f"Barcode {value.strip()} is not known for this client. Scan the item's UPC, FNSKU or SKU "
        "label, or ask the item-master admin to add it."
    )


def clients_naming(*, code: str) -> set[int]:
    """Every client with an identifier or a SKU that a scan of `code` would name."""
    return set(
        Identifier.objects.filter(normalized=scan_key(code)).values_list("client_id", flat=True)
    ) | set(Item.objects.filter(sku=code).values_list("client_id", flat=True))


def get_item(*, pk: int) -> Item:
    return Item.objects.get(pk=pk)


def item_or_none(*, pk: int) -> Item | None:
    return Item.objects.filter(pk=pk).first()


def get_lot(*, pk: int) -> Lot:
    return Lot.objects.get(pk=pk)


def lot_or_none(*, pk: int) -> Lot | None:
    return Lot.objects.filter(pk=pk).first()


def lot_by_code(*, item: Item, code: str) -> Lot | None:
    return Lot.objects.filter(item=item, code=code).first()


def lot_with_expiry(*, item: Item, code: str) -> Lot | None:
    """The item's lot of this code when its expiry is already known."""
    return Lot.objects.filter(item=item, code=code).exclude(expiry_date=None).first()


def lot_expiry(*, item_id: int, code: str) -> dt.date | None:
    return (
        Lot.objects.filter(item_id=item_id, code=code).values_list("expiry_date", flat=True).first()
    )
