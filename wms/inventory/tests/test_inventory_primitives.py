"""Inventory primitives written once (issue 11): the quantity rule, the derived scan id, named errors."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_as
from tests.factories import Site, changes_nothing, ctx
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.errors import DomainError, InvalidQuantity
from wms.inventory import ledger, touches
from wms.inventory.errors import VirtualLocationMissing
from wms.inventory.models import StockStatus
from wms.inventory.quantities import whole_quantity
from wms.layout.models import Location, LocationType
from wms.orders import fulfilment


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "3", None])
def test_a_quantity_is_a_whole_number_of_at_least_one(value: object) -> None:
    with pytest.raises(InvalidQuantity) as refused:
        whole_quantity(value)
    assert refused.value.message == (
        f"Quantity must be a whole number of at least 1; you entered {value!r}."
    )
    assert refused.value.field == "quantity"
    assert whole_quantity(3) == 3


def test_the_api_and_the_service_refuse_a_zero_quantity_in_the_same_words(
    site: Site, tent: Item, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=2, location=site.dock)
    body = {
        "scan_id": str(uuid.uuid4()),
        "item": tent.pk,
        "quantity": 0,
        "from_location": site.dock.pk,
        "to_location": site.face1.pk,
    }
    with changes_nothing():
        response = api_as(oscar).post("/api/scans/stow/", body, format="json")
        with pytest.raises(InvalidQuantity) as refused:
            touches.stow(
                ctx(oscar), item=tent, quantity=0, from_location=site.dock, to_location=site.face1
            )
    assert response.status_code == 400
    assert response.json()["fields"]["quantity"] == [refused.value.message]


def test_a_derived_scan_id_is_the_one_fulfilment_always_derived(oscar: User) -> None:
    first = ctx(oscar)
    derived = ledger.derive(first, "C-1")
    assert derived == first.derive("C-1") == fulfilment.derived(first, "C-1")
    assert derived.scan_id == uuid.uuid5(first.scan_id, "C-1")
    assert (derived.actor, derived.device) == (first.actor, first.device)
    assert first.derive("C-2").scan_id != derived.scan_id


def test_a_missing_virtual_location_is_a_named_error_the_api_maps_like_any_domain_error(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    Location.objects.filter(warehouse=site.warehouse, type=LocationType.SCRAP).delete()
    with (
        changes_nothing(),
        pytest.raises(VirtualLocationMissing, match=r"has no Scrap \(virtual\) location"),
    ):
        touches.dispose(
            ctx(sam),
            item=tent,
            quantity=1,
            location=site.dock,
            reason_code="x",
            status=StockStatus.AVAILABLE,
        )
    assert issubclass(VirtualLocationMissing, DomainError)
    response = api_as(sam).post(
        "/api/scans/dispose/",
        {
            "scan_id": str(uuid.uuid4()),
            "item": tent.pk,
            "quantity": 1,
            "location": site.dock.pk,
            "status": "available",
            "reason_code": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "virtual_location_missing"
