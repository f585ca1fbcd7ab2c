"""One definition of "sellable" (issue 11, rule 4): /api/balances/ and available-to-promise agree.

Units in a tote or carton are work in progress: not sellable in the balances list, and not in ATP.
Loose units and units on a pallet at a sellable location are, in both.
"""

from __future__ import annotations

from django.db.models import Sum

from tests.conftest import api_as
from tests.factories import Site, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory import selectors, touches
from wms.inventory.models import Balance, StockPosition
from wms.inventory.sellable import SELLABLE
from wms.layout import services as layout
from wms.orders import fulfilment
from wms.orders.models import PickTask


def test_units_in_a_tote_are_not_sellable_in_balances_nor_in_atp(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    pallet = layout.create_container(warehouse=site.warehouse, type="pallet", barcode="PAL-S")
    touches.receive(ctx(oscar), item=tent, quantity=4, location=site.dock, container=pallet)
    touches.move_container(ctx(oscar), container=pallet, to_location=site.storage1)
    order = place(nwo, "SO-SELL", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    # The picker's tote stands on a cart at a sellable pick face: where it is does not make its
    # units sellable.
    tote = layout.create_container(
        warehouse=site.warehouse, type="tote", barcode="T-SELL", location=site.face2
    )
    task = PickTask.objects.get(order=order)
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=2)

    rows = api_as(sam).get(f"/api/balances/?item={tent.pk}").json()["results"]
    by_place = {(r["location_code"], r["container_barcode"]): r for r in rows}
    in_tote = by_place[("P-02", "T-SELL")]
    assert (in_tote["quantity"], in_tote["sellable"]) == (2, False)
    on_pallet = by_place[("A-01-1", "PAL-S")]
    assert (on_pallet["quantity"], on_pallet["sellable"]) == (4, True)
    loose = by_place[(task.location.code, None)]
    assert (loose["quantity"], loose["sellable"]) == (3, True)

    # The balances list, the SELLABLE filter and the position ATP is computed from say the same.
    listed = sum(r["quantity"] for r in rows if r["sellable"])
    filtered = Balance.objects.filter(SELLABLE, item=tent).aggregate(n=Sum("quantity"))["n"]
    position = StockPosition.objects.get(item=tent, warehouse=site.warehouse)
    assert listed == filtered == position.on_hand == 7
    assert selectors.sellable_on_hand(item_id=tent.pk) == {site.warehouse.pk: 7}
    atp = api_as(sam).get(f"/api/atp/?item={tent.pk}&channel=shopify").json()
    assert atp["warehouses"] == {"TST1": position.on_hand - position.reserved}
