"""What counts as sellable: positions stay true whatever a scan claims, units in a tote are never
for sale, and stock that falls below what is promised is listed with the orders holding it."""

from __future__ import annotations

from tests.conftest import api_as
from tests.factories import Site, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory import touches
from wms.inventory.models import StockPosition
from wms.inventory.reconcile import verify
from wms.layout import services as layout
from wms.layout.models import Location


def on_hand(item: Item, site: Site) -> tuple[int, int]:
    p = StockPosition.objects.filter(item=item, warehouse=site.warehouse).first()
    return (p.on_hand, p.reserved) if p else (0, 0)


def test_a_scan_with_a_stale_sellable_flag_keeps_positions_true(
    site: Site, tent: Item, oscar: User
) -> None:
    stale = Location.objects.get(pk=site.face1.pk)  # loaded before the flag changed
    layout.set_sellable(location=site.face1, sellable=False)
    stock(site, tent, 5, oscar, at=stale)
    assert on_hand(tent, site) == (0, 0)
    assert verify().ok


def test_units_in_a_tote_are_never_for_sale(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(site, tent, 10, oscar)
    tote = layout.create_container(
        warehouse=site.warehouse, type="tote", barcode="T-SHELF", location=site.storage1
    )
    touches.pick(ctx(oscar), item=tent, quantity=3, from_location=site.face1, tote=tote)
    assert on_hand(tent, site) == (7, 0)
    assert verify().ok


def test_stock_that_falls_below_what_is_promised_is_listed_with_its_orders(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 4, oscar)
    first = place(nwo, "OS-1", [(tent, 2)])
    place(nwo, "OS-2", [(tent, 2)])
    touches.quarantine(ctx(oscar), item=tent, quantity=3, location=site.face1, reason_code="WET")

    rows = api_as(sam).get("/api/orders/oversold/").json()

    assert [(r["sku"], r["on_hand"], r["reserved"], r["short"]) for r in rows] == [
        ("NWO-TENT", 1, 4, 3)
    ]
    assert [o["order"] for o in rows[0]["orders"]] == ["OS-1", "OS-2"]
    assert first.pk == rows[0]["orders"][0]["id"]
