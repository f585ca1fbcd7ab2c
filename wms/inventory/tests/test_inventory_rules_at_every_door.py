"""Inventory rules the RF screens used to hold alone now live in the touch and inbound services, so
the API (and any other door) refuses the same things in the same words, and a refusal writes
nothing: which plates take received units, how long a lot or a reason may be, what is on the ASN,
where returns go, which plates can move, which tote takes an order's second pick."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import api_as
from tests.factories import Site, changes_nothing, ctx, make_item, make_site, place, stock
from tests.rf import Scanner
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inbound import services as inbound
from wms.inbound.models import ExpectedReceipt, ExpectedReceiptLine, Grade, ReturnUnit
from wms.inventory import touches
from wms.inventory.errors import LotCodeTooLong, ReasonTooLong
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType
from wms.orders import fulfilment
from wms.orders.models import PickTask

LONG_LOT = "L" * 41


def _receipt(site: Site, client: Client, item: Item) -> ExpectedReceipt:
    return inbound.create_receipt(
        client=client, warehouse=site.warehouse, reference="ASN-RULES", lines=[(item, 10)]
    )


def _lines() -> Any:
    return ExpectedReceiptLine.objects.values_list("pk", "received")


def _refused(answer: Any, message: str) -> None:
    assert answer.status_code == 400, answer.json()
    assert answer.json()["message"] == message


# --- receiving onto a license plate ---------------------------------------------------------------


def test_a_plate_of_another_warehouse_is_refused_through_the_api(
    site: Site, tent: Item, oscar: User
) -> None:
    elsewhere = make_site("OTH1")
    plate = layout.create_container(
        warehouse=elsewhere.warehouse, type=ContainerType.PALLET, barcode="PLT-OTH"
    )
    body = {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 1}
    body |= {"location": site.dock.pk, "container": plate.pk}
    with changes_nothing(Container.objects.values_list("pk", "location_id")):
        answer = api_as(oscar).post("/api/scans/receive/", body, format="json")
    _refused(answer, "License plate PLT-OTH belongs to another warehouse; use one of TST1's.")


def test_a_plate_standing_elsewhere_is_refused_through_the_receipts_api(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    asn = _receipt(site, nwo, tent)
    layout.create_container(
        warehouse=site.warehouse,
        type=ContainerType.PALLET,
        barcode="PLT-AWAY",
        location=site.staging,
    )
    body = {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 1}
    body |= {"location": site.dock.pk, "container": "PLT-AWAY"}
    with changes_nothing(_lines()):
        answer = api_as(oscar).post(f"/api/receipts/{asn.pk}/receive/", body, format="json")
    _refused(answer, "PLT-AWAY is at STAGE-1, not DOCK-1. Bring it here, or scan another plate.")


def test_a_closed_plate_never_placed_is_refused_through_the_api(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    """A sealed plate that stands nowhere was placed by the receipt before: the ledger checks a
    seal only on plates already standing somewhere."""
    asn = _receipt(site, nwo, tent)
    sealed = layout.create_container(
        warehouse=site.warehouse, type=ContainerType.PALLET, barcode="PLT-SEALED"
    )
    Container.objects.filter(pk=sealed.pk).update(sealed_at=timezone.now())
    body = {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 1}
    body |= {"location": site.dock.pk, "container": "PLT-SEALED"}
    with changes_nothing(_lines(), Container.objects.values_list("pk", "location_id")):
        answer = api_as(oscar).post(f"/api/receipts/{asn.pk}/receive/", body, format="json")
    _refused(answer, "License plate PLT-SEALED has shipped or is closed; use a new one.")


# --- what the paperwork and the ledger can hold ---------------------------------------------------


def test_a_sku_not_on_the_asn_is_refused_at_every_door_in_one_wording(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stove = make_item(nwo, "NWO-STOVE")
    asn = _receipt(site, nwo, tent)
    said = (
        "SKU NWO-STOVE is not on ASN ASN-RULES; receive it blind or ask the brand to amend the ASN."
    )
    body = {"scan_id": str(uuid.uuid4()), "item": stove.pk, "quantity": 1}
    body |= {"location": site.dock.pk}
    with changes_nothing(_lines()):
        _refused(api_as(oscar).post(f"/api/receipts/{asn.pk}/receive/", body, format="json"), said)
    rf = Scanner(oscar, site.warehouse)
    rf.open("receive")
    rf.through("ASN-RULES", "DOCK-1")
    rf.scan(action="noplate")
    with changes_nothing(_lines()):
        shown = rf.scan("NWO-STOVE")
    assert (shown.tone, shown.step, shown.message) == ("error", "item", said)


def test_a_lot_code_longer_than_the_ledger_holds_is_refused_by_the_service(
    site: Site, serum: Item, oscar: User
) -> None:
    said = f"A lot has at most 40 characters; you scanned {LONG_LOT}."
    with changes_nothing(), pytest.raises(LotCodeTooLong) as refused:
        touches.receive(ctx(oscar), item=serum, quantity=1, location=site.dock, lot_code=LONG_LOT)
    assert refused.value.message == said
    ret = inbound.open_return(client=serum.client, warehouse=site.warehouse, rma="RMA-LOT")
    with changes_nothing(), pytest.raises(LotCodeTooLong, match="at most 40 characters"):
        inbound.receive_return_units(
            ctx(oscar),
            ret=ret,
            item=serum,
            quantity=1,
            grade=Grade.SELLABLE,
            location=site.returns,
            lot_code=LONG_LOT,
        )
    body = {"scan_id": str(uuid.uuid4()), "item": serum.pk, "quantity": 1}
    body |= {"location": site.dock.pk, "lot_code": LONG_LOT}
    with changes_nothing():
        answer = api_as(oscar).post("/api/scans/receive/", body, format="json")
    assert answer.status_code == 400, answer.json()


def test_a_reason_longer_than_a_touch_holds_is_refused_by_the_service(
    site: Site, tent: Item, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=2, location=site.dock)
    reason = "r" * 41
    with changes_nothing(), pytest.raises(ReasonTooLong) as refused:
        touches.stow(
            ctx(oscar),
            item=tent,
            quantity=2,
            from_location=site.dock,
            to_location=site.storage1,
            reason_code=reason,
        )
    assert refused.value.message == "Keep the reason to 40 characters; you typed 41."
    body = {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 1}
    body |= {"location": site.dock.pk, "to_location": site.quarantine.pk, "reason_code": reason}
    with changes_nothing():
        answer = api_as(oscar).post("/api/scans/quarantine/", body, format="json")
    assert answer.status_code == 400, answer.json()


# --- returns ------------------------------------------------------------------------------------


def test_returns_go_only_into_a_returns_location_through_the_api(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    ret = inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-SHELF")
    said = "P-01 is a pick face location; scan a returns location (RET-…)."
    body = {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 1, "grade": "sellable"}
    body |= {"location": site.face1.pk}
    with changes_nothing(ReturnUnit.objects.values_list("pk", "quantity")):
        _refused(api_as(oscar).post(f"/api/returns/{ret.pk}/receive/", body, format="json"), said)
    raw = {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 1, "reference": "RMA-SHELF"}
    raw |= {"location": site.face1.pk}
    with changes_nothing():
        _refused(api_as(oscar).post("/api/scans/return/", raw, format="json"), said)


# --- moving plates ------------------------------------------------------------------------------


def test_a_plate_of_another_warehouse_cannot_move_here_through_the_api(
    site: Site, tent: Item, oscar: User
) -> None:
    elsewhere = make_site("OTH2")
    plate = layout.create_container(
        warehouse=elsewhere.warehouse,
        type=ContainerType.PALLET,
        barcode="PLT-OTH2",
        location=elsewhere.dock,
    )
    body = {"scan_id": str(uuid.uuid4()), "container": plate.pk, "to_location": site.dock.pk}
    with changes_nothing(Container.objects.values_list("pk", "location_id")):
        answer = api_as(oscar).post("/api/scans/move-container/", body, format="json")
    _refused(answer, "License plate PLT-OTH2 belongs to another warehouse; use one of TST1's.")
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    with changes_nothing():
        shown = rf.scan("PLT-OTH2")
    assert (shown.tone, shown.message) == (
        "error",
        "License plate PLT-OTH2 belongs to another warehouse; use one of TST1's.",
    )


# --- the order's tote: the pick screen asks confirm_pick ------------------------------------------


def test_the_pick_screen_refuses_another_tote_in_the_services_words(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 1, oscar)
    stock(site, tent, 1, oscar, at=site.face2)
    order = place(nwo, "RULE-RF-TOTES", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    first = PickTask.objects.filter(order=order).order_by("sequence").first()
    assert first is not None
    one = site.tote("T-ONE")
    site.tote("T-TWO")
    fulfilment.confirm_pick(ctx(oscar), task=first, tote=one, quantity=1)
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("pick")
    shown = rf.through(site.face2.barcode, "NWO-TENT", "1")
    assert (shown.step, shown.prompt) == ("tote", "Put 1 in tote T-ONE and scan it")
    with changes_nothing(PickTask.objects.values_list("pk", "state", "picked")):
        shown = rf.scan("T-TWO")
    assert (shown.tone, shown.step, shown.message) == (
        "error",
        "tote",
        "Scan tote T-ONE — you scanned T-TWO.",
    )
    assert rf.scan("T-ONE").tone == "ok"
