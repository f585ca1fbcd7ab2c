"""Count and quarantine reach stock in a plate (a pallet at a location), not only loose stock."""

from __future__ import annotations

from tests.factories import Site
from tests.rf import Scanner
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory.models import Balance, StockStatus, Touch, TouchKind
from wms.inventory.reconcile import verify

from .test_rf_stow_move import pallet, received


def test_a_count_in_a_plate_counts_the_plate(site: Site, tent: Item, oscar: User) -> None:
    plate = pallet(site)
    received(site, tent, 8, oscar, container=plate)
    rf = Scanner(oscar, site.warehouse)
    rf.open("count")
    shown = rf.scan("PLT-1")
    assert (shown.tone, shown.step, shown.message) == ("ok", "item", "Plate PLT-1 at DOCK-1.")
    assert "DOCK-1 · plate PLT-1" in shown.body
    shown = rf.through("NWO-TENT", "8")
    assert shown.tone == "ok", shown.message  # agrees with the plate's 8: recorded at once
    assert Touch.objects.filter(kind=TouchKind.COUNT).count() <= 1
    assert verify().ok


def test_quarantine_stock_in_a_plate(site: Site, tent: Item, oscar: User) -> None:
    plate = pallet(site)
    received(site, tent, 8, oscar, container=plate)
    rf = Scanner(oscar, site.warehouse)
    rf.open("quarantine")
    rf.through("PLT-1", "NWO-TENT", "3")
    shown = rf.scan(action="damaged")
    assert shown.tone == "warn", shown.message
    held = Balance.objects.get(item=tent, container=plate, status=StockStatus.QUARANTINE)
    assert held.quantity == 3
    assert verify().ok
