"""A packed order in two closed cartons, ready for the label desk: shared by the desk's service
tests and its browser test (tests/test_station_browser.py)."""

from __future__ import annotations

from compliance.models import SsccSeries
from tests.factories import Site, ctx, gtin, place, stock
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.orders import fulfilment
from wms.orders.models import Order, PickTask

TENT_GTIN = gtin(61414)


def packed_in_two_cartons(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, *, ref: str = "PO-DESK"
) -> Order:
    """6 tents for a retailer, packed 4 + 2 in cartons C-D1 and C-D2, both closed."""
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=TENT_GTIN)
    SsccSeries.objects.get_or_create(company_prefix="0614141", defaults={"client": nwo})
    stock(site, tent, 6, oscar)
    order = place(nwo, ref, [(tent, 6)], channel="edi")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote()
    for task in PickTask.objects.filter(order=order):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    order.refresh_from_db()
    for barcode, n in (("C-D1", 4), ("C-D2", 2)):
        carton = site.carton(barcode)
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=n
        )
        fulfilment.close_parcel(
            parcel=order.parcels.get(container=carton),
            weight_g=3000,
            length_mm=400,
            width_mm=300,
            height_mm=300,
        )
    order.refresh_from_db()
    return order
