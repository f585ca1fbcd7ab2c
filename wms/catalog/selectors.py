from __future__ import annotations

from dataclasses import dataclass

from wms.catalog.identifiers import scan_key
from wms.catalog.models import Identifier, Item, PackLevel
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
