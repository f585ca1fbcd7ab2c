"""Gathering the evidence for a claim from the database: the order's timeline, its ledger touches,
the shipment and its parcels, the label print audit and the ASN times."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from compliance.chargebacks.facts import (
    Claim,
    ComplianceEventFacts,
    Content,
    Evidence,
    Line,
    OrderFacts,
    ParcelFacts,
    PrintFacts,
    ScanFacts,
    ShipmentFacts,
    TimelineEntry,
    TouchFacts,
    _name,
)
from compliance.chargebacks.judge import asn_timing, judge
from compliance.models import (
    Chargeback,
    ChargebackCategory,
    ComplianceEvent,
    PrintJob,
)
from wms.inventory.models import Touch
from wms.orders.models import Order, OrderEvent, Parcel, Shipment, ShipmentParcel


def _order_facts(order: Order) -> OrderFacts:
    return OrderFacts(
        id=order.pk,
        external_id=order.external_id,
        channel=order.channel,
        state=order.state,
        service=order.service.code,
        warehouse=order.warehouse.code if order.warehouse else None,
        received_at=order.received_at,
        ship_by=order.ship_by,
        due_at=order.due_at,
        label_printed_at=order.label_printed_at,
        lines=tuple(
            Line(
                sku=line.item.sku,
                quantity=line.quantity,
                unit_of_measure=line.unit_of_measure,
                picked=line.picked,
                packed=line.packed,
                shipped=line.shipped,
            )
            for line in order.lines.select_related("item").order_by("pk")
        ),
    )


def _order_touches(order: Order) -> list[Touch]:
    """The ledger touches of the order. The ledger names an order by channel and id
    (Order.touch_reference), which is unique per client: no other order's touches can match."""
    touches = Touch.objects.filter(client_id=order.client_id, reference=order.touch_reference)
    return list(
        touches.select_related(
            "item",
            "lot",
            "from_location",
            "from_container",
            "to_location",
            "to_container",
            "actor",
            "scan",
            "scan__actor",
        ).order_by("created_at", "pk")
    )


def _touch_facts(t: Touch) -> TouchFacts:
    return TouchFacts(
        id=t.pk,
        at=t.created_at,
        kind=t.kind,
        sku=t.item.sku,
        lot=t.lot.code if t.lot else None,
        quantity=t.quantity,
        from_location=t.from_location.code,
        from_container=t.from_container.barcode if t.from_container else None,
        to_location=t.to_location.code,
        to_container=t.to_container.barcode if t.to_container else None,
        actor=t.actor.get_username(),
        device=t.device,
        scan_id=str(t.scan_id),
    )


def _scan_facts(touches: Iterable[Touch]) -> list[ScanFacts]:
    count: dict[uuid.UUID, int] = defaultdict(int)
    scans = {}
    for t in touches:
        count[t.scan_id] += 1
        scans[t.scan_id] = t.scan
    return sorted(
        (
            ScanFacts(
                id=str(s.id),
                kind=s.kind,
                at=s.created_at,
                actor=s.actor.get_username(),
                device=s.device,
                touches=count[s.id],
            )
            for s in scans.values()
        ),
        key=lambda s: (s.at, s.id),
    )


def _parcel_facts(sp: ShipmentParcel | None, parcel: Parcel) -> ParcelFacts:
    contents = sp.contents if sp is not None else []
    return ParcelFacts(
        parcel_id=parcel.pk,
        carton=parcel.container.barcode,
        sscc=parcel.container.sscc,
        pallet=parcel.container.parent.barcode if parcel.container.parent else None,
        tracking_number=sp.tracking_number if sp is not None else None,
        contents=tuple(
            Content(sku=str(c.get("sku", "")), lot=c.get("lot"), quantity=int(c.get("quantity", 0)))
            for c in contents
            if isinstance(c, dict)
        ),
        weight_g=parcel.weight_g,
        length_mm=parcel.length_mm,
        width_mm=parcel.width_mm,
        height_mm=parcel.height_mm,
        closed_at=parcel.closed_at,
    )


def _shipment_facts(shipment: Shipment) -> ShipmentFacts:
    parcels = shipment.parcels.select_related(
        "parcel__container", "parcel__container__parent"
    ).order_by("pk")
    return ShipmentFacts(
        id=shipment.pk,
        carrier=shipment.carrier,
        service=shipment.service.code,
        warehouse=shipment.warehouse.code,
        shipped_at=shipment.shipped_at,
        delivered_at=shipment.delivered_at,
        asn_sent_at=shipment.asn_sent_at,
        asn_acknowledged_at=shipment.asn_acknowledged_at,
        parcels=tuple(_parcel_facts(sp, sp.parcel) for sp in parcels),
    )


def _print_facts(job: PrintJob) -> PrintFacts:
    return PrintFacts(
        id=job.pk,
        label=job.label,
        printer=str(job.printer),
        printer_kind=job.printer.kind,
        requested_by=job.requested_by.get_username(),
        created_at=job.created_at,
        sent_at=job.sent_at,
        state=job.state,
        reprint_of=job.reprint_of_id,
        container=job.container.barcode if job.container else None,
        sscc=job.sscc,
        order=job.order.external_id if job.order else None,
        shipment_id=job.shipment_id,
        error=job.error,
    )


def _timeline(order: Order) -> tuple[TimelineEntry, ...]:
    return tuple(
        TimelineEntry(
            at=e.at,
            kind=e.kind,
            from_state=e.from_state,
            to_state=e.to_state,
            owner=e.owner,
            actor=_name(e.actor),
            reason=e.reason,
            policy=e.policy,
            reference=e.reference,
        )
        for e in OrderEvent.objects.filter(order=order).select_related("actor").order_by("at", "pk")
    )


def _prints(order: Order | None, shipment_rows: list[Shipment]) -> tuple[PrintFacts, ...]:
    """Every label printed for the claim's cartons, shipments or order."""
    containers: set[int] = set()
    for s in shipment_rows:
        containers.update(s.parcels.values_list("parcel__container_id", flat=True))
    if order is not None:
        containers.update(order.parcels.values_list("container_id", flat=True))
    subject = Q(container_id__in=containers) | Q(shipment__in=shipment_rows)
    if order is not None:
        subject |= Q(order=order)
    return tuple(
        _print_facts(j)
        for j in PrintJob.objects.filter(subject)
        .select_related("printer", "requested_by", "container", "order")
        .order_by("created_at", "pk")
    )


def _compliance_events(
    order: Order | None, shipment_rows: list[Shipment]
) -> tuple[ComplianceEventFacts, ...]:
    event_subject = Q(shipment__in=shipment_rows)
    if order is not None:
        event_subject |= Q(order=order)
    return tuple(
        ComplianceEventFacts(
            id=e.pk,
            kind=e.kind,
            detail=e.detail,
            owner=e.owner,
            created_at=e.created_at,
            order=e.order.external_id if e.order else None,
            shipment_id=e.shipment_id,
        )
        for e in ComplianceEvent.objects.filter(event_subject)
        .select_related("order")
        .order_by("created_at", "pk")
    )


def _claim(cb: Chargeback, order: Order | None) -> Claim:
    rule_set = cb.rule_set
    return Claim(
        id=cb.pk,
        reference=cb.reference,
        partner_code=rule_set.code,
        partner_name=rule_set.name,
        category=cb.category,
        category_label=ChargebackCategory(cb.category).label,
        amount=cb.amount,
        currency=cb.currency,
        client_code=cb.client.code,
        client_name=cb.client.name,
        received_at=cb.received_at,
        notes=cb.notes,
        order=order.external_id if order is not None else None,
        shipment_id=cb.shipment_id,
    )


def _shipments_claimed(cb: Chargeback, order: Order | None) -> list[Shipment]:
    """The shipment the claim names, else every shipment of its order."""
    if cb.shipment_id is not None:
        in_scope = Q(pk=cb.shipment_id)
    elif order is not None:
        in_scope = Q(order=order)
    else:
        in_scope = Q(pk__in=[])
    return list(
        Shipment.objects.filter(in_scope)
        .select_related("service", "warehouse")
        .order_by("shipped_at", "pk")
    )


def _missing_links(order: Order | None, shipment_rows: list[Shipment]) -> list[str]:
    """What the evidence cannot show, and what to link so it can."""
    missing = []
    if order is None:
        missing.append(
            "No order is linked to this chargeback: there is no order timeline, no ledger "
            "touches and no label prints to show. Link the order the claim's PO names."
        )
    if not shipment_rows:
        missing.append(
            "No shipment is linked to this chargeback"
            + (f" and order {order.external_id} has not shipped" if order is not None else "")
            + ": there are no parcels, tracking numbers or ASN times to show."
        )
    return missing


# --- gathering ----------------------------------------------------------------------------------


def evidence(chargeback: Chargeback) -> Evidence:
    """Everything the database holds about the claimed order and shipment(s)."""
    cb = Chargeback.objects.select_related(
        "rule_set",
        "client",
        "order",
        "order__service",
        "order__warehouse",
        "shipment",
    ).get(pk=chargeback.pk)
    rule_set = cb.rule_set
    order = cb.order or (cb.shipment.order if cb.shipment else None)
    shipment_rows = _shipments_claimed(cb, order)
    missing = _missing_links(order, shipment_rows)
    zone = (
        shipment_rows[0].warehouse.time_zone
        if shipment_rows
        else (order.warehouse.time_zone if order is not None and order.warehouse else "UTC")
    )

    shipments = tuple(_shipment_facts(s) for s in shipment_rows)
    asn = tuple(asn_timing(s, rule_set) for s in shipments)
    for a in asn:
        if a.asn_sent_at is None:
            missing.append(
                f"No ASN send time is recorded for shipment {a.shipment_id}: check the EDI log "
                "for the 856 and its acknowledgement."
            )

    order_facts = _order_facts(order) if order is not None else None
    touch_rows = _order_touches(order) if order is not None else []
    touches = tuple(_touch_facts(t) for t in touch_rows)
    scans = tuple(_scan_facts(touch_rows))
    timeline = _timeline(order) if order is not None else ()

    prints = _prints(order, shipment_rows)
    compliance_events = _compliance_events(order, shipment_rows)

    claim = _claim(cb, order)

    def local(at: dt.datetime | None) -> str:
        return (
            timezone.localtime(at, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
            if at is not None
            else ""
        )

    summary, findings, supports = judge(
        category=cb.category,
        rule_set=rule_set,
        order=order_facts,
        shipments=shipments,
        asn=asn,
        prints=prints,
        touches=touches,
        local=local,
    )

    return Evidence(
        claim=claim,
        order=order_facts,
        shipments=shipments,
        asn=asn,
        prints=prints,
        touches=touches,
        scans=scans,
        timeline=timeline,
        compliance_events=compliance_events,
        summary=summary,
        findings=tuple(findings),
        supports_dispute=supports,
        missing=tuple(missing),
        time_zone=zone,
        gathered_at=timezone.now(),
    )
