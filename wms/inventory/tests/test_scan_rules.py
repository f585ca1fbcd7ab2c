"""Scan rules: a scan id is one person's one request, counting an empty container checks where it
is, and a plate of another warehouse is refused."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import Site, ctx, make_site
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.errors import ScanIdReused, WrongContainer
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.layout import services as layout


def test_a_scan_id_is_one_persons_one_request(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    scan_id = uuid.uuid4()
    touches.receive_return(
        ScanContext(scan_id, oscar),
        item=tent,
        quantity=1,
        location=site.returns,
        reference="RMA-1",
        reason_code="defect",
    )
    with pytest.raises(ScanIdReused):
        touches.receive_return(
            ScanContext(scan_id, oscar),
            item=tent,
            quantity=1,
            location=site.returns,
            reference="RMA-1",
            reason_code="wrong_size",
        )
    with pytest.raises(ScanIdReused):
        touches.receive_return(
            ScanContext(scan_id, sam),
            item=tent,
            quantity=1,
            location=site.returns,
            reference="RMA-1",
            reason_code="defect",
        )


def test_counting_an_empty_container_checks_where_it_is(
    site: Site, tent: Item, oscar: User
) -> None:
    tote = site.tote()  # at the pack station
    with pytest.raises(WrongContainer, match="is not at A-01-1"):
        touches.count(ctx(oscar), item=tent, location=site.storage1, container=tote, counted=0)


def test_a_plate_of_another_warehouse_is_refused(site: Site, tent: Item, oscar: User) -> None:
    elsewhere = make_site("OTH1")
    plate = layout.create_container(warehouse=elsewhere.warehouse, type="pallet", barcode="P-OTHER")
    with pytest.raises(WrongContainer, match="belongs to another warehouse"):
        touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock, container=plate)
