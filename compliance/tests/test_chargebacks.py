"""Chargebacks: recording a partner's claim, the evidence gathered from the ledger, the dispute PDF."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import pypdfium2
import pytest

from compliance import sscc as sscc_service
from compliance import station
from compliance.chargebacks import (
    ChargebackInvalid,
    DuplicateChargeback,
    InvalidAmount,
    WrongClient,
    evidence,
    record_chargeback,
)
from compliance.dispute import dispute_pack
from compliance.models import Chargeback, Printer, PrintJob, RuleSet, SsccSeries
from tests.factories import Site, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType
from wms.orders import fulfilment
from wms.orders.models import Order, Parcel, Shipment

TRACKING = "1Z999AA10123456784"


def make_walmart() -> RuleSet:
    return RuleSet.objects.create(
        code="WMT-RG-2026",
        name="Walmart Routing Guide",
        kind="retailer",
        channel="edi",
        asn_deadline_minutes=30,
        max_carton_weight_g=20_000,
        max_carton_length_mm=650,
        max_carton_width_mm=500,
        max_carton_height_mm=500,
        sscc_required=True,
        carton_labels=["sscc_carton"],
    )


@pytest.fixture
def walmart(db: None) -> RuleSet:
    return make_walmart()


@pytest.fixture
def printer(db: None) -> Printer:
    return Printer.objects.create(station="PACK-01", name="office", kind="pdf")


@dataclass
class Shipped:
    order: Order
    shipment: Shipment
    parcel: Parcel
    carton: Container
    job: PrintJob | None


def ship_edi_order(
    site: Site,
    item: Item,
    *,
    picker: User,
    packer: User,
    shipper: User,
    printer: Printer | None,
    external_id: str = "PO-4500123",
    ship_by: dt.datetime | None = None,
) -> Shipped:
    """An EDI order through the floor: picked on RF-07, packed and labelled at PACK-01, shipped."""
    stock(site, item, 5, picker)
    order = place(item.client, external_id, [(item, 3)], channel="edi", ship_by=ship_by)
    fulfilment.release_wave(warehouse=site.warehouse, actor=shipper)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote = site.tote()
    series, _ = SsccSeries.objects.get_or_create(company_prefix="0614141")
    carton = layout.create_container(
        warehouse=site.warehouse,
        type=ContainerType.CARTON,
        barcode=f"C-{external_id}",
        sscc=sscc_service.next_sscc(series=series),
        location=site.pack,
    )
    fulfilment.confirm_pick(ctx(picker, "RF-07"), task=task, tote=tote, quantity=3)
    fulfilment.pack_units(
        ctx(packer, "PACK-01"), order=order, tote=tote, carton=carton, item=item, quantity=3
    )
    parcel = fulfilment.close_parcel(
        parcel=order.parcels.get(), weight_g=4200, length_mm=600, width_mm=400, height_mm=300
    )
    job = None
    if printer is not None:
        job = station.queue_label(
            printer=printer,
            label="sscc_carton",
            content=b"%PDF-1.4 label",
            actor=packer,
            container=carton,
            order=order,
            sscc=carton.sscc or "",
        )
    shipment = fulfilment.ship_order(
        ctx(shipper, "DOCK-RF"), order=order, carrier="UPS", tracking={parcel.pk: TRACKING}
    )
    order.refresh_from_db()
    return Shipped(order, shipment, parcel, carton, job)


def asn_sent(shipment: Shipment, minutes_after: int) -> None:
    Shipment.objects.filter(pk=shipment.pk).update(
        asn_sent_at=shipment.shipped_at + dt.timedelta(minutes=minutes_after),
        asn_acknowledged_at=shipment.shipped_at + dt.timedelta(minutes=minutes_after + 2),
    )


def claim(
    rule_set: RuleSet, shipped: Shipped, category: str = "asn_timing", reference: str = "DM-1"
) -> Chargeback:
    return record_chargeback(
        rule_set=rule_set,
        client=shipped.order.client,
        category=category,
        amount=Decimal("250.00"),
        reference=reference,
        shipment=shipped.shipment,
    )


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    try:
        text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    return " ".join(text.split())


@pytest.fixture
def shipped(site: Site, tent: Item, oscar: User, ada: User, sam: User, printer: Printer) -> Shipped:
    return ship_edi_order(site, tent, picker=oscar, packer=ada, shipper=sam, printer=printer)


# --- evidence -----------------------------------------------------------------------------------


def test_evidence_comes_from_the_ledger_the_print_audit_and_the_timeline(
    shipped: Shipped, walmart: RuleSet
) -> None:
    asn_sent(shipped.shipment, 12)
    cb = claim(walmart, shipped)
    assert cb.order == shipped.order  # a shipment's claim is recorded against its order

    ev = evidence(cb)

    # The order's own touches only (receipt and stow carry no order reference), with who and where.
    assert [(t.kind, t.actor, t.device, t.quantity) for t in ev.touches] == [
        ("pick", "oscar", "RF-07", 3),
        ("pack", "ada", "PACK-01", 3),
        ("ship", "sam", "DOCK-RF", 3),
    ]
    pick, pack, ship = ev.touches
    assert pick.source == "P-01" and pack.target == f"PACK-1/{shipped.carton.barcode}"
    assert ship.source == f"PACK-1/{shipped.carton.barcode}" and ship.to_location.endswith(
        "CUSTOMER"
    )
    assert {s.id for s in ev.scans} == {t.scan_id for t in ev.touches}
    assert [(s.actor, s.device) for s in ev.scans] == [
        ("oscar", "RF-07"),
        ("ada", "PACK-01"),
        ("sam", "DOCK-RF"),
    ]
    # The label print, from the station's audit.
    assert shipped.job is not None
    [job] = ev.prints
    assert (job.id, job.label, job.requested_by, job.container, job.sscc) == (
        shipped.job.pk,
        "sscc_carton",
        "ada",
        shipped.carton.barcode,
        shipped.carton.sscc,
    )
    # The shipment, its parcel and the order's timeline.
    [shipment] = ev.shipments
    [parcel] = shipment.parcels
    assert (parcel.tracking_number, parcel.sscc, parcel.weight_g) == (
        TRACKING,
        shipped.carton.sscc,
        4200,
    )
    assert [(c.sku, c.quantity) for c in parcel.contents] == [("NWO-TENT", 3)]
    assert [e.to_state for e in ev.timeline if e.to_state][-1] == "shipped"
    assert ("shipped", "sam") in [(e.to_state, e.actor) for e in ev.timeline]
    assert ev.missing == ()
    # JSON all the way down.
    data = json.loads(json.dumps(ev.as_dict()))
    assert data["claim"]["amount"] == "250.00"
    assert data["touches"][0]["actor"] == "oscar"
    assert data["verdict"] == "The evidence supports a dispute."


def test_an_asn_sent_late_is_measured_against_the_deadline(
    shipped: Shipped, walmart: RuleSet
) -> None:
    asn_sent(shipped.shipment, 75)

    ev = evidence(claim(walmart, shipped))

    [asn] = ev.asn
    assert (asn.deadline_minutes, asn.minutes_after_shipping, asn.minutes_late, asn.late) == (
        30,
        75,
        45,
        True,
    )
    assert ev.summary == (
        "ASN sent 75 minutes after shipping; the deadline is 30 minutes → 45 minutes late"
    )
    assert ev.supports_dispute is False


def test_an_asn_within_the_deadline_supports_a_dispute(shipped: Shipped, walmart: RuleSet) -> None:
    asn_sent(shipped.shipment, 12)

    ev = evidence(claim(walmart, shipped))

    [asn] = ev.asn
    assert (asn.minutes_after_shipping, asn.minutes_late, asn.late) == (12, -18, False)
    assert ev.summary.startswith(
        "ASN sent 12 minutes after shipping; the deadline is 30 minutes → within the deadline"
    )
    assert ev.supports_dispute is True


def test_an_asn_with_no_send_time_is_inconclusive_and_says_so(
    shipped: Shipped, walmart: RuleSet
) -> None:
    ev = evidence(claim(walmart, shipped))
    assert ev.supports_dispute is None
    assert ev.asn[0].late is None
    assert any("No ASN send time" in m for m in ev.missing)


def test_carton_contents_and_carton_limits(shipped: Shipped, walmart: RuleSet) -> None:
    strict = RuleSet.objects.create(
        code="STRICT",
        name="Strict partner",
        kind="retailer",
        channel="edi",
        max_carton_weight_g=4000,
    )
    carton = shipped.carton.barcode

    within = evidence(claim(walmart, shipped, "carton"))
    over = evidence(claim(strict, shipped, "carton"))
    contents = evidence(claim(walmart, shipped, "asn_accuracy", reference="DM-2"))

    assert within.summary.startswith(f"Every carton within the partner's limits: yes ({carton}")
    assert within.supports_dispute is True
    assert over.summary.startswith(
        f"Every carton within the partner's limits: no — {carton} (weight 4200 g > 4000 g)"
    )
    assert over.supports_dispute is False
    assert (
        contents.summary
        == "Carton contents match the ledger's ship scans: yes — 3 units in 1 carton"
    )


def test_ship_by_decides_the_on_time_claim(shipped: Shipped, walmart: RuleSet) -> None:
    order = shipped.order
    shipped_at = shipped.shipment.shipped_at
    cb = claim(walmart, shipped, "on_time")

    Order.objects.filter(pk=order.pk).update(ship_by=shipped_at - dt.timedelta(hours=2))
    late = evidence(cb)
    Order.objects.filter(pk=order.pk).update(ship_by=shipped_at + dt.timedelta(minutes=90))
    early = evidence(cb)

    assert late.summary.endswith("→ 2 h late") and late.supports_dispute is False
    assert early.summary.endswith("→ on time (1 h 30 min before)") and early.supports_dispute


def test_a_label_printed_only_after_shipping_does_not_count(
    site: Site, tent: Item, oscar: User, ada: User, sam: User, printer: Printer
) -> None:
    # Shipped before the partner's rules were entered: enforcement at the ship scan would refuse
    # a carton without its label today.
    unlabelled = ship_edi_order(site, tent, picker=oscar, packer=ada, shipper=sam, printer=None)
    walmart = make_walmart()
    carton = unlabelled.carton.barcode
    station.queue_label(
        printer=printer,
        label="sscc_carton",
        content=b"%PDF-1.4 late label",
        actor=ada,
        container=unlabelled.carton,
    )

    ev = evidence(claim(walmart, unlabelled, "label"))

    assert ev.summary.startswith(f"SSCC label printed for every carton: no — missing for {carton}")
    assert f"SSCC label for {carton}: only printed after shipping" in " ".join(ev.findings)
    assert ev.supports_dispute is False
    assert len(ev.prints) == 1  # still shown: the audit hides nothing


def test_a_label_for_every_carton_supports_a_dispute(shipped: Shipped, walmart: RuleSet) -> None:
    ev = evidence(claim(walmart, shipped, "label"))
    assert ev.summary == (
        f"SSCC label printed for every carton: yes ({shipped.carton.barcode}); "
        "every carton carries an SSCC: yes"
    )
    assert ev.supports_dispute is True


def test_another_order_with_the_same_id_does_not_lend_its_touches(
    shipped: Shipped, walmart: RuleSet, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    twin = place(shipped.order.client, shipped.order.external_id, [(tent, 1)], channel="shopify")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None and task.order_id == twin.pk
    fulfilment.confirm_pick(ctx(oscar, "RF-99"), task=task, tote=site.tote(), quantity=1)

    ev = evidence(claim(walmart, shipped))

    assert [t.kind for t in ev.touches] == ["pick", "pack", "ship"]
    assert "RF-99" not in {t.device for t in ev.touches}
    # Found exactly (the ledger names the order by channel and id): no caveat to report.
    assert not any("Another order of this client" in m for m in ev.missing)


# --- recording ----------------------------------------------------------------------------------


def test_a_claim_number_is_recorded_once_per_partner(shipped: Shipped, walmart: RuleSet) -> None:
    first = claim(walmart, shipped, reference="DM-7001")

    with pytest.raises(DuplicateChargeback) as refused:
        claim(walmart, shipped, reference=" dm-7001 ")

    assert refused.value.http_status == 409
    assert refused.value.field == "reference"
    assert refused.value.message == (
        f"Claim DM-7001 from WMT-RG-2026 is already recorded (chargeback {first.pk}, "
        "250.00 USD); do not enter it twice."
    )
    assert Chargeback.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (Decimal("-25.00"), "positive amount"),
        (Decimal("0"), "positive amount"),
        (Decimal("12.345"), "more than two decimals"),
        (Decimal("NaN"), "positive amount"),
        (12.5, "as a decimal"),
    ],
)
def test_an_amount_must_be_positive_and_in_cents(
    nwo: Client, walmart: RuleSet, amount: Decimal, words: str
) -> None:
    with pytest.raises(InvalidAmount, match=words) as refused:
        record_chargeback(
            rule_set=walmart, client=nwo, category="label", amount=amount, reference="DM-9"
        )
    assert refused.value.field == "amount"
    assert not Chargeback.objects.exists()


def test_the_order_and_shipment_must_be_the_clients_and_each_others(
    shipped: Shipped, walmart: RuleSet, bbb: Client, tent: Item
) -> None:
    nwo = shipped.order.client
    with pytest.raises(WrongClient, match="belongs to another client, not BBB") as refused:
        record_chargeback(
            rule_set=walmart,
            client=bbb,
            category="asn_timing",
            amount=Decimal("100"),
            reference="DM-10",
            shipment=shipped.shipment,
        )
    assert refused.value.field == "shipment"
    with pytest.raises(WrongClient, match="Order PO-4500123 belongs to another client"):
        record_chargeback(
            rule_set=walmart,
            client=bbb,
            category="on_time",
            amount=Decimal("100"),
            reference="DM-11",
            order=shipped.order,
        )
    other = place(nwo, "PO-OTHER", [(tent, 1)], channel="edi")
    with pytest.raises(ChargebackInvalid, match="is of order PO-4500123, not PO-OTHER") as wrong:
        record_chargeback(
            rule_set=walmart,
            client=nwo,
            category="asn_timing",
            amount=Decimal("100"),
            reference="DM-12",
            order=other,
            shipment=shipped.shipment,
        )
    assert wrong.value.field == "shipment"
    assert not Chargeback.objects.exists()


# --- the dispute pack ---------------------------------------------------------------------------


def test_the_dispute_pack_shows_the_claim_and_its_evidence(
    shipped: Shipped, walmart: RuleSet
) -> None:
    asn_sent(shipped.shipment, 75)
    cb = claim(walmart, shipped, reference="DM-5521")

    data = dispute_pack(cb)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Walmart Routing Guide" in text
    assert "DM-5521" in text
    assert "250.00 USD" in text
    assert TRACKING in text
    assert "45 minutes late" in text
    assert "The evidence bears the claim out" in text
    for who in ("oscar", "ada", "sam"):
        assert who in text
    assert "RF-07" in text and shipped.carton.barcode in text


def test_a_dispute_pack_without_an_order_says_what_is_missing(
    nwo: Client, walmart: RuleSet
) -> None:
    cb = record_chargeback(
        rule_set=walmart,
        client=nwo,
        category="asn_timing",
        amount=Decimal("75.5"),
        reference="DM-ORPHAN",
        notes="PO number <unreadable> & smudged",
    )

    text = pdf_text(dispute_pack(cb))

    assert "DM-ORPHAN" in text and "75.50 USD" in text
    assert "The evidence is inconclusive." in text
    assert "No order is linked to this chargeback" in text
    assert "No shipment is linked to this chargeback" in text
    assert "PO number <unreadable> & smudged" in text
