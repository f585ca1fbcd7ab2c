"""Chargebacks: a partner's debit for breaking its routing guide, and the evidence to answer it.

`record_chargeback` enters a claim (validated, once per partner claim number). `evidence` gathers,
from the database only — the touch ledger, the order's timeline, the shipment and its parcels, the
label print audit and the ASN times — what Touchline knows about the claimed order, and says in one
line per category whether it supports a dispute. Nothing in the evidence is typed in by a person;
`compliance/dispute.py` renders it as the PDF sent back to the partner.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from compliance.models import (
    Chargeback,
    ChargebackCategory,
    ComplianceEvent,
    JobState,
    PrintJob,
    RuleSet,
)
from wms.catalog.models import Client
from wms.errors import DomainError, WrongClient
from wms.inventory.models import Touch, TouchKind
from wms.orders.models import Order, OrderEvent, Parcel, Shipment, ShipmentParcel

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("10") ** 10  # DecimalField(max_digits=12, decimal_places=2)
MAX_REFERENCE = 80  # Chargeback.reference

# Label kinds as a partner's routing guide names them.
LABEL_NAMES = {"sscc_carton": "SSCC", "sscc_pallet": "SSCC pallet", "fnsku": "FNSKU"}


# --- errors -------------------------------------------------------------------------------------


class ChargebackInvalid(DomainError):
    code = "chargeback_invalid"


class InvalidAmount(ChargebackInvalid):
    code = "invalid_amount"


class DuplicateChargeback(ChargebackInvalid):
    code = "duplicate_chargeback"
    http_status = 409


# --- recording a claim --------------------------------------------------------------------------


def _amount(amount: object) -> Decimal:
    if isinstance(amount, bool | float):
        raise InvalidAmount(
            f"Give the amount as a decimal such as 125.50, not {amount!r}.", field="amount"
        )
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(
            f"'{amount}' is not an amount; enter it like 125.50.", field="amount"
        ) from None
    if not value.is_finite() or value <= 0:
        raise InvalidAmount(
            f"A chargeback is a positive amount; {value} is not. Enter what the partner debited.",
            field="amount",
        )
    if value >= MAX_AMOUNT:
        raise InvalidAmount(f"{value} is too large for a chargeback amount.", field="amount")
    if value != value.quantize(CENT):
        raise InvalidAmount(
            f"{value} has more than two decimals; enter the amount in cents, as on the debit memo.",
            field="amount",
        )
    return value.quantize(CENT)


def record_chargeback(
    *,
    rule_set: RuleSet,
    client: Client,
    category: str,
    amount: Decimal,
    reference: str,
    order: Order | None = None,
    shipment: Shipment | None = None,
    currency: str = "USD",
    notes: str = "",
    received_at: dt.datetime | None = None,
) -> Chargeback:
    """Record a partner's chargeback against a client (and the order or shipment it names).

    A shipment without an order is recorded against the shipment's order. Everything is checked
    before anything is written; the partner's claim number is accepted once per rule set.
    """
    if category not in ChargebackCategory.values:
        kinds = ", ".join(ChargebackCategory.values)
        raise ChargebackInvalid(
            f"Unknown chargeback category '{category}'; use one of {kinds}.", field="category"
        )
    value = _amount(amount)
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ChargebackInvalid(
            f"'{currency}' is not a currency code; use three letters such as USD.", field="currency"
        )
    ref = (reference or "").strip()
    if not ref:
        raise ChargebackInvalid(
            "Enter the partner's debit memo or claim number.", field="reference"
        )
    if len(ref) > MAX_REFERENCE:
        raise ChargebackInvalid(
            "A claim number is at most 80 characters; check what was entered.", field="reference"
        )
    if received_at is not None and timezone.is_naive(received_at):
        raise ChargebackInvalid("Give the received time with its time zone.", field="received_at")
    if shipment is not None:
        shipment = Shipment.objects.select_related("order").get(pk=shipment.pk)
        if shipment.order.client_id != client.pk:
            raise WrongClient(
                f"Shipment {shipment.pk} (order {shipment.order.external_id}) belongs to another "
                f"client, not {client.code}; check the claim's PO or tracking number.",
                field="shipment",
            )
        if order is not None and shipment.order_id != order.pk:
            raise ChargebackInvalid(
                f"Shipment {shipment.pk} is of order {shipment.order.external_id}, not "
                f"{order.external_id}; link the shipment of the claimed order.",
                field="shipment",
            )
        order = order or shipment.order
    if order is not None and order.client_id != client.pk:
        raise WrongClient(
            f"Order {order.external_id} belongs to another client, not {client.code}; "
            "check the claim's PO number.",
            field="order",
        )
    listed = list(rule_set.clients.values_list("pk", flat=True))
    if listed and client.pk not in listed:
        raise WrongClient(
            f"Rule set {rule_set.code} does not apply to {client.code}; pick the partner's rule "
            "set for this client.",
            field="client",
        )

    def duplicate() -> DuplicateChargeback | None:
        earlier = Chargeback.objects.filter(rule_set=rule_set, reference__iexact=ref).first()
        if earlier is None:
            return None
        return DuplicateChargeback(
            f"Claim {earlier.reference} from {rule_set.code} is already recorded (chargeback "
            f"{earlier.pk}, {earlier.amount} {earlier.currency}); do not enter it twice.",
            field="reference",
        )

    if (dup := duplicate()) is not None:
        raise dup
    try:
        with transaction.atomic():
            return Chargeback.objects.create(
                rule_set=rule_set,
                client=client,
                category=category,
                amount=value,
                currency=code,
                reference=ref,
                order=order,
                shipment=shipment,
                notes=notes.strip(),
                received_at=received_at or timezone.now(),
            )
    except IntegrityError:
        # Entered twice at once: the unique constraint decided; answer as the pre-check would.
        if (dup := duplicate()) is not None:
            raise dup from None
        raise


# --- the evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    reference: str
    partner_code: str
    partner_name: str
    category: str
    category_label: str
    amount: Decimal
    currency: str
    client_code: str
    client_name: str
    received_at: dt.datetime
    notes: str
    order: str | None
    shipment_id: int | None


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_of_measure: str
    picked: int
    packed: int
    shipped: int


@dataclass(frozen=True)
class OrderFacts:
    id: int
    external_id: str
    channel: str
    state: str
    service: str
    warehouse: str | None
    received_at: dt.datetime
    ship_by: dt.datetime | None
    due_at: dt.datetime | None
    label_printed_at: dt.datetime | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    from_state: str
    to_state: str
    owner: str
    actor: str | None
    reason: str
    policy: str
    reference: str


@dataclass(frozen=True)
class TouchFacts:
    id: int
    at: dt.datetime
    kind: str
    sku: str
    lot: str | None
    quantity: int
    from_location: str
    from_container: str | None
    to_location: str
    to_container: str | None
    actor: str
    device: str
    scan_id: str

    @property
    def source(self) -> str:
        return (
            f"{self.from_location}/{self.from_container}"
            if self.from_container
            else (self.from_location)
        )

    @property
    def target(self) -> str:
        return f"{self.to_location}/{self.to_container}" if self.to_container else self.to_location


@dataclass(frozen=True)
class ScanFacts:
    id: str
    kind: str
    at: dt.datetime
    actor: str
    device: str
    touches: int


@dataclass(frozen=True)
class Content:
    sku: str
    lot: str | None
    quantity: int


@dataclass(frozen=True)
class ParcelFacts:
    parcel_id: int
    carton: str
    sscc: str | None
    pallet: str | None
    tracking_number: str | None
    contents: tuple[Content, ...]
    weight_g: int | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class ShipmentFacts:
    id: int
    carrier: str
    service: str
    warehouse: str
    shipped_at: dt.datetime
    delivered_at: dt.datetime | None
    asn_sent_at: dt.datetime | None
    asn_acknowledged_at: dt.datetime | None
    parcels: tuple[ParcelFacts, ...]


@dataclass(frozen=True)
class PrintFacts:
    id: int
    label: str
    printer: str
    printer_kind: str
    requested_by: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    state: str
    reprint_of: int | None
    container: str | None
    sscc: str
    order: str | None
    shipment_id: int | None
    error: str


@dataclass(frozen=True)
class AsnTiming:
    shipment_id: int
    shipped_at: dt.datetime
    asn_sent_at: dt.datetime | None
    asn_acknowledged_at: dt.datetime | None
    deadline_minutes: int | None
    minutes_after_shipping: float | None
    # Positive: minutes past the deadline; negative: minutes to spare. None when unknown.
    minutes_late: float | None
    late: bool | None
    verdict: str


@dataclass(frozen=True)
class ComplianceEventFacts:
    id: int
    kind: str
    detail: str
    owner: str
    created_at: dt.datetime
    order: str | None
    shipment_id: int | None


@dataclass(frozen=True)
class Evidence:
    """What the database says about a chargeback's order and shipment(s)."""

    claim: Claim
    order: OrderFacts | None
    shipments: tuple[ShipmentFacts, ...]
    asn: tuple[AsnTiming, ...]
    prints: tuple[PrintFacts, ...]
    touches: tuple[TouchFacts, ...]
    scans: tuple[ScanFacts, ...]
    timeline: tuple[TimelineEntry, ...]
    compliance_events: tuple[ComplianceEventFacts, ...]
    summary: str  # the category's one-line answer
    findings: tuple[str, ...]  # the detail behind it
    # True: the evidence contradicts the claim; False: it bears the claim out; None: cannot tell.
    supports_dispute: bool | None
    missing: tuple[str, ...]
    time_zone: str
    gathered_at: dt.datetime

    @property
    def verdict(self) -> str:
        if self.supports_dispute is True:
            return "The evidence supports a dispute."
        if self.supports_dispute is False:
            return "The evidence bears the claim out; a dispute is unlikely to succeed."
        return "The evidence is inconclusive."

    def as_dict(self) -> dict[str, Any]:
        out = _jsonable(self)
        assert isinstance(out, dict)
        out["verdict"] = self.verdict
        return out

    def local(self, at: dt.datetime | None) -> str:
        """A time as the warehouse saw it, for people reading the pack."""
        if at is None:
            return ""
        return timezone.localtime(at, ZoneInfo(self.time_zone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _jsonable(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _minutes(value: float) -> str:
    n = abs(value)
    text = f"{n:g}" if n == int(n) else f"{n:.1f}"
    return f"{text} minute" if n == 1 else f"{text} minutes"


def _duration(seconds: float) -> str:
    minutes = round(abs(seconds) / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)


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


def asn_timing(shipment: ShipmentFacts, rule_set: RuleSet) -> AsnTiming:
    """When the ASN went, against the partner's deadline (minutes after shipping)."""
    deadline = rule_set.asn_deadline_minutes
    if shipment.asn_sent_at is None:
        rule = f"the deadline is {_minutes(deadline)}" if deadline is not None else "no deadline"
        return AsnTiming(
            shipment_id=shipment.id,
            shipped_at=shipment.shipped_at,
            asn_sent_at=None,
            asn_acknowledged_at=shipment.asn_acknowledged_at,
            deadline_minutes=deadline,
            minutes_after_shipping=None,
            minutes_late=None,
            late=None,
            verdict=f"No ASN send time is recorded for shipment {shipment.id} ({rule}).",
        )
    seconds = (shipment.asn_sent_at - shipment.shipped_at).total_seconds()
    after = round(seconds / 60, 1)
    when = (
        f"ASN sent {_minutes(after)} after shipping"
        if seconds >= 0
        else f"ASN sent {_minutes(after)} before shipping"
    )
    if deadline is None:
        return AsnTiming(
            shipment_id=shipment.id,
            shipped_at=shipment.shipped_at,
            asn_sent_at=shipment.asn_sent_at,
            asn_acknowledged_at=shipment.asn_acknowledged_at,
            deadline_minutes=None,
            minutes_after_shipping=after,
            minutes_late=None,
            late=None,
            verdict=f"{when}; {rule_set.code} sets no ASN deadline.",
        )
    over = seconds - deadline * 60
    late = over > 0
    late_by = round(over / 60, 1)
    if late:
        outcome = f"{_minutes(late_by)} late"
    elif late_by < 0:
        outcome = f"within the deadline ({_minutes(late_by)} to spare)"
    else:
        outcome = "within the deadline"
    return AsnTiming(
        shipment_id=shipment.id,
        shipped_at=shipment.shipped_at,
        asn_sent_at=shipment.asn_sent_at,
        asn_acknowledged_at=shipment.asn_acknowledged_at,
        deadline_minutes=deadline,
        minutes_after_shipping=after,
        minutes_late=late_by,
        late=late,
        verdict=f"{when}; the deadline is {_minutes(deadline)} → {outcome}",
    )


# --- category summaries: (summary line, findings, supports a dispute?) --------------------------

Judgement = tuple[str, list[str], bool | None]


def _cartons(shipments: tuple[ShipmentFacts, ...]) -> list[tuple[ShipmentFacts, ParcelFacts]]:
    return [(s, p) for s in shipments for p in s.parcels]


def _judge_asn_timing(asn: tuple[AsnTiming, ...]) -> Judgement:
    if not asn:
        return "ASN timing: no shipment to check.", [], None
    many = len(asn) > 1
    lines = [f"Shipment {a.shipment_id}: {a.verdict}" if many else a.verdict for a in asn]
    if any(a.late for a in asn):
        supports: bool | None = False
    elif all(a.late is False for a in asn):
        supports = True
    else:
        supports = None
    return "; ".join(lines), [], supports


def _judge_labels(
    rule_set: RuleSet, shipments: tuple[ShipmentFacts, ...], prints: tuple[PrintFacts, ...]
) -> Judgement:
    cartons = _cartons(shipments)
    if not cartons:
        return "Labels: no shipped cartons to check.", [], None
    kinds = list(rule_set.carton_labels) or ["sscc_carton"]
    findings: list[str] = []
    answers = []
    ok = True
    for kind in kinds:
        name = LABEL_NAMES.get(kind, kind.replace("_", " "))
        have, lack = [], []
        for shipment, parcel in cartons:
            tried = [p for p in prints if p.label == kind and p.container == parcel.carton]
            # A queued or failed job never reached paper: only ready (PDF) or sent (ZPL) counts.
            jobs = [p for p in tried if p.state in (JobState.READY, JobState.SENT)]
            before = [p for p in jobs if p.created_at <= shipment.shipped_at]
            if before:
                first = before[0]
                have.append(parcel.carton)
                findings.append(
                    f"{name} label for {parcel.carton}: print job {first.id} on {first.printer} "
                    f"by {first.requested_by} ({first.state})"
                    + (f", SSCC {first.sscc}" if first.sscc else "")
                    + (f"; {len(jobs) - 1} reprint(s)" if len(jobs) > 1 else "")
                    + "."
                )
            else:
                lack.append(parcel.carton)
                after = [p for p in jobs if p.created_at > shipment.shipped_at]
                if after:
                    why = f"only printed after shipping (job {after[0].id})."
                elif tried:
                    why = f"print job {tried[-1].id} never printed ({tried[-1].state})."
                else:
                    why = "no print job recorded."
                findings.append(f"{name} label for {parcel.carton}: {why}")
        if lack:
            ok = False
            answers.append(
                f"{name} label printed for every carton: no — missing for {', '.join(lack)}"
                + (f" (printed for {', '.join(have)})" if have else "")
            )
        else:
            answers.append(f"{name} label printed for every carton: yes ({', '.join(have)})")
    if rule_set.sscc_required:
        without = [
            p.carton
            for _, p in cartons
            if not p.sscc and not any(j.container == p.carton and j.sscc for j in prints)
        ]
        if without:
            ok = False
            answers.append(f"every carton carries an SSCC: no — none on {', '.join(without)}")
        else:
            answers.append("every carton carries an SSCC: yes")
    return "; ".join(answers), findings, ok


def _judge_cartons(rule_set: RuleSet, shipments: tuple[ShipmentFacts, ...]) -> Judgement:
    cartons = _cartons(shipments)
    if not cartons:
        return "Cartons: no shipped cartons to check.", [], None
    limits = {
        "weight_g": (rule_set.max_carton_weight_g, "weight", "g"),
        "length_mm": (rule_set.max_carton_length_mm, "length", "mm"),
        "width_mm": (rule_set.max_carton_width_mm, "width", "mm"),
        "height_mm": (rule_set.max_carton_height_mm, "height", "mm"),
    }
    findings, over, unmeasured = [], [], []
    for _, p in cartons:
        problems, unknown = [], []
        for fld, (limit, label, unit) in limits.items():
            value = getattr(p, fld)
            if limit is None:
                continue
            if value is None:
                unknown.append(label)
            elif value > limit:
                problems.append(f"{label} {value} {unit} > {limit} {unit}")
        skus = {c.sku for c in p.contents}
        if not rule_set.mixed_sku_cartons and len(skus) > 1:
            problems.append(f"mixes {len(skus)} SKUs ({', '.join(sorted(skus))})")
        measured = (
            f"{p.weight_g if p.weight_g is not None else '?'} g, "
            f"{p.length_mm or '?'}×{p.width_mm or '?'}×{p.height_mm or '?'} mm"
        )
        if problems:
            over.append(f"{p.carton} ({'; '.join(problems)})")
            findings.append(f"{p.carton}: {measured} — over the limits: {'; '.join(problems)}.")
        elif unknown:
            unmeasured.append(p.carton)
            findings.append(f"{p.carton}: {measured} — no {', '.join(unknown)} recorded.")
        else:
            findings.append(f"{p.carton}: {measured} — within the limits.")
    set_limits = [
        f"{label} {limit} {unit}" for limit, label, unit in limits.values() if limit is not None
    ]
    rules = f"{rule_set.code} limits: {', '.join(set_limits)}" if set_limits else ""
    if not set_limits and rule_set.mixed_sku_cartons:
        return f"{rule_set.code} sets no carton limits.", findings, None
    if over:
        return (
            f"Every carton within the partner's limits: no — {', '.join(over)} ({rules})",
            findings,
            False,
        )
    if unmeasured:
        return (
            f"Every carton within the partner's limits: unknown — not measured: "
            f"{', '.join(unmeasured)} ({rules})",
            findings,
            None,
        )
    cartons_text = ", ".join(p.carton for _, p in cartons)
    return (
        f"Every carton within the partner's limits: yes ({cartons_text}; {rules})",
        findings,
        True,
    )


def _judge_on_time(
    order: OrderFacts | None, shipments: tuple[ShipmentFacts, ...], local: Any
) -> Judgement:
    if order is None or not shipments:
        return "On time: no shipment to check.", [], None
    promise, what = (
        (order.ship_by, "the channel's ship-by")
        if order.ship_by
        else (order.due_at, "the order's due time")
    )
    if promise is None:
        return f"Order {order.external_id} carries no ship-by or due time.", [], None
    shipped = min(s.shipped_at for s in shipments)
    seconds = (shipped - promise).total_seconds()
    findings = [f"Shipment {s.id} shipped {local(s.shipped_at)}." for s in shipments]
    if order.due_at and order.ship_by and order.due_at != order.ship_by:
        findings.append(f"Due at the node: {local(order.due_at)}.")
    head = f"Shipped {local(shipped)}; {what} was {local(promise)}"
    if seconds > 0:
        return f"{head} → {_duration(seconds)} late", findings, False
    return f"{head} → on time ({_duration(seconds)} before)", findings, True


def _judge_contents(
    order: OrderFacts | None,
    shipments: tuple[ShipmentFacts, ...],
    touches: tuple[TouchFacts, ...],
) -> Judgement:
    if order is None or not shipments:
        return "ASN accuracy: no shipment to check.", [], None
    in_cartons: dict[str, int] = defaultdict(int)
    for _, p in _cartons(shipments):
        for c in p.contents:
            in_cartons[c.sku] += c.quantity
    shipped_cartons = {p.carton for _, p in _cartons(shipments)}
    by_ledger: dict[str, int] = defaultdict(int)
    for t in touches:
        if t.kind == TouchKind.SHIP and t.from_container in shipped_cartons:
            by_ledger[t.sku] += t.quantity
    ordered: dict[str, int] = defaultdict(int)
    for line in order.lines:
        ordered[line.sku] += line.quantity
    findings = [
        "Touchline does not keep the ASN document itself; compare it with these quantities."
    ]
    differ = []
    for sku in sorted(set(in_cartons) | set(by_ledger) | set(ordered)):
        findings.append(
            f"{sku}: ordered {ordered.get(sku, 0)}, in the cartons {in_cartons.get(sku, 0)}, "
            f"shipped by the ledger {by_ledger.get(sku, 0)}."
        )
        if in_cartons.get(sku, 0) != by_ledger.get(sku, 0):
            differ.append(
                f"{sku}: cartons {in_cartons.get(sku, 0)}, ledger {by_ledger.get(sku, 0)}"
            )
    cartons = len(shipped_cartons)
    units = sum(in_cartons.values())
    if differ:
        return (
            f"Carton contents match the ledger's ship scans: no — {'; '.join(differ)}",
            findings,
            False,
        )
    return (
        f"Carton contents match the ledger's ship scans: yes — {units} units in {cartons} "
        f"carton{'s' if cartons != 1 else ''}",
        findings,
        True,
    )


def _judge_routing(shipments: tuple[ShipmentFacts, ...], rule_set: RuleSet) -> Judgement:
    if not shipments:
        return "Routing: no shipment to check.", [], None
    how = "; ".join(
        f"shipment {s.id} with {s.carrier} ({s.service}) from {s.warehouse}" for s in shipments
    )
    return (
        f"Shipped {how}. Touchline holds no routing instructions for {rule_set.code} to compare "
        "against; attach the routing request and its confirmation.",
        [],
        None,
    )


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
    missing: list[str] = []

    # The shipment the claim names, else every shipment of its order.
    if cb.shipment_id is not None:
        in_scope = Q(pk=cb.shipment_id)
    elif order is not None:
        in_scope = Q(order=order)
    else:
        in_scope = Q(pk__in=[])
    shipment_rows = list(
        Shipment.objects.filter(in_scope)
        .select_related("service", "warehouse")
        .order_by("shipped_at", "pk")
    )
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
    timeline = (
        tuple(
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
            for e in OrderEvent.objects.filter(order=order)
            .select_related("actor")
            .order_by("at", "pk")
        )
        if order is not None
        else ()
    )

    containers: set[int] = set()
    for s in shipment_rows:
        containers.update(s.parcels.values_list("parcel__container_id", flat=True))
    if order is not None:
        containers.update(order.parcels.values_list("container_id", flat=True))
    subject = Q(container_id__in=containers) | Q(shipment__in=shipment_rows)
    if order is not None:
        subject |= Q(order=order)
    prints = tuple(
        _print_facts(j)
        for j in PrintJob.objects.filter(subject)
        .select_related("printer", "requested_by", "container", "order")
        .order_by("created_at", "pk")
    )

    event_subject = Q(shipment__in=shipment_rows)
    if order is not None:
        event_subject |= Q(order=order)
    compliance_events = tuple(
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

    claim = Claim(
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

    def local(at: dt.datetime | None) -> str:
        return (
            timezone.localtime(at, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
            if at is not None
            else ""
        )

    category = cb.category
    if category == ChargebackCategory.ASN_TIMING:
        judged = _judge_asn_timing(asn)
    elif category == ChargebackCategory.LABEL:
        judged = _judge_labels(rule_set, shipments, prints)
    elif category == ChargebackCategory.CARTON:
        judged = _judge_cartons(rule_set, shipments)
    elif category == ChargebackCategory.ON_TIME:
        judged = _judge_on_time(order_facts, shipments, local)
    elif category == ChargebackCategory.ASN_ACCURACY:
        judged = _judge_contents(order_facts, shipments, touches)
    else:
        judged = _judge_routing(shipments, rule_set)
    summary, findings, supports = judged

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
