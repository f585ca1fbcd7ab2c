"""The label desk's rules: who may use it, which printers answer, today's queue, bulk prints, and
the reprint, retry and test print a clerk or an admin asks for. Rendering is `printing`'s, the
queue and the send are `station`'s; the screen (`station_views`) only calls these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from compliance import printing, station
from compliance.fba import FbaShipment, fba_by_code
from compliance.models import JobState, Printer, PrinterKind, PrintJob
from compliance.station_lookup import StationInputInvalid, label_request
from wms.accounts.models import Role, User
from wms.catalog.models import Item
from wms.errors import DomainError
from wms.inventory.models import Balance
from wms.loading.models import Load
from wms.orders.models import Parcel

LABEL_CLERKS = "Label clerks"
# A ZPL label still queued this long after it was asked for is not being sent: the desk says so in
# red (the print worker is down or behind) instead of letting it wait unseen.
STUCK_AFTER = dt.timedelta(seconds=60)
REASON_MAX = 200


class StationRefused(DomainError):
    code = "station_refused"
    http_status = 403


class ReprintNeedsReason(DomainError):
    code = "reprint_needs_reason"


class BulkRefused(DomainError):
    """A bulk print where some label cannot be made: nothing is printed, every problem is said."""

    code = "bulk_refused"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Nothing printed: " + " ".join(problems))


def refusal(user: User) -> str:
    """Why this signed-in user may not use the label desk; empty when they may."""
    if user.is_client_user:
        return (
            "Brand accounts cannot use the label station: it prints for every brand in the "
            "warehouse. Ask the warehouse for the labels you need."
        )
    if user.has_role(Role.SUPERVISOR) or user.groups.filter(name=LABEL_CLERKS).exists():
        return ""
    return (
        f"The label station is for label clerks and supervisors. Ask a supervisor to add you to "
        f"the '{LABEL_CLERKS}' group in the back office."
    )


def check_may_use(user: User) -> None:
    if reason := refusal(user):
        raise StationRefused(reason)


def printers() -> list[Printer]:
    return list(Printer.objects.filter(active=True).order_by("station", "name"))


def printer_by_id(raw: str | None) -> Printer | None:
    """The remembered printer (a cookie's value), if it still exists and is switched on."""
    value = (raw or "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    return Printer.objects.filter(pk=int(value), active=True).first()


@dataclass(frozen=True)
class Health:
    tone: str  # ok, bad, idle
    text: str

    @property
    def red(self) -> bool:
        return self.tone == "bad"


def health(printer: Printer) -> Health:
    """Whether the printer answers, from what happened to its labels (no probe of its own: a
    test print is a label like any other, in the audit)."""
    if not printer.active:
        return Health("bad", f"{printer} is switched off in the back office.")
    if printer.kind == PrinterKind.PDF:
        return Health("ok", "PDF: labels are downloaded and printed at the desk.")
    now = timezone.now()
    stuck = PrintJob.objects.filter(
        printer=printer, state=JobState.QUEUED, created_at__lt=now - STUCK_AFTER
    ).order_by("created_at")
    if (oldest := stuck.first()) is not None:
        since = timezone.localtime(oldest.created_at)
        return Health(
            "bad",
            f"{stuck.count()} label(s) waiting since {since:%H:%M:%S} and not sent: the print "
            "worker is not running or is behind. Start it, or retry from the queue.",
        )
    # The latest outcome speaks: a failure after the last success means it does not answer now.
    last = (
        PrintJob.objects.filter(printer=printer, state__in=[JobState.SENT, JobState.FAILED])
        .order_by("-pk")
        .only("state", "error")
        .first()
    )
    if last is None:
        return Health("idle", f"{printer.host}:{printer.port}: nothing sent yet; try a test print.")
    if last.state == JobState.FAILED:
        return Health("bad", f"Not answering: {last.error}")
    return Health("ok", f"Answering at {printer.host}:{printer.port}.")


def todays_jobs(*, station_code: str, limit: int = 50) -> QuerySet[PrintJob]:
    """Today's labels at this station, newest first: the desk's queue and its audit."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        PrintJob.objects.filter(printer__station=station_code, created_at__gte=midnight)
        .select_related("printer", "requested_by", "downloaded_by", "container", "order", "item")
        .defer("content")
        .order_by("-pk")[:limit]
    )


def print_one(*, params: Mapping[str, str], printer: Printer, actor: User) -> PrintJob:
    check_may_use(actor)
    return printing.print_label(printer=printer, actor=actor, **label_request(params))


def preview(*, params: Mapping[str, str], actor: User) -> bytes:
    check_may_use(actor)
    return printing.preview_label(printer=None, actor=actor, **label_request(params))


def bulk_requests(kind: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
    """The labels of one bulk print, as `print_label` arguments."""
    if kind in ("order_cartons", "load_cartons"):
        key = "order" if kind == "order_cartons" else "load"
        raw = (params.get(key) or "").strip()
        if not (raw.isascii() and raw.isdigit()):
            raise StationInputInvalid(f"No {key} given: scan it again.", field=key)
        parcels = Parcel.objects.select_related("container").order_by("pk")
        if kind == "order_cartons":
            chosen = parcels.filter(order_id=int(raw))
        else:
            if not Load.objects.filter(pk=int(raw)).exists():
                raise StationInputInvalid(f"No load {raw}: scan it again.", field="load")
            chosen = parcels.filter(load_parcel__load_id=int(raw))
        return [{"label": "sscc_carton", "parcel": p} for p in chosen]
    if kind in ("fba_units", "fba_boxes"):
        fba = fba_by_code((params.get("fba_shipment") or "").strip())
        if fba is None:
            raise StationInputInvalid("No such FBA shipment: scan it again.", field="fba_shipment")
        if kind == "fba_boxes":
            if fba.no_box_labels:
                raise BulkRefused([fba.no_box_labels])
            extra = {"fba_shipment": fba.confirmation_id, "fc_code": fba.fc_code}
            ids = fba.parcel_ids()
            by_id = Parcel.objects.select_related("container").in_bulk(ids)
            return [{"label": "fba_box", "parcel": by_id[pk], **extra} for pk in ids]
        # The relabel touches are recorded when each label is scanned onto its unit on the floor
        # (RF Relabel), not here: a printed label is not yet a relabelled unit.
        return [
            {"label": "fnsku", "item": item, "quantity": quantity} for item, quantity in _units(fba)
        ]
    raise StationInputInvalid(f"{kind or 'Nothing'} is not a bulk print the desk knows.")


def _units(fba: FbaShipment) -> list[tuple[Item, int]]:
    """The units a shipment carries: the order's lines, or, when Amazon split the order over
    several shipments, what this shipment's cartons hold."""
    order_parcels = set(fba.order.parcels.values_list("pk", flat=True))
    if not fba.boxes or set(fba.boxes) == order_parcels:
        return [
            (line.item, line.quantity)
            for line in fba.order.lines.select_related("item").order_by("pk")
        ]
    held = (
        Balance.objects.filter(container__parcel__pk__in=fba.boxes, quantity__gt=0)
        .values("item")
        .annotate(units=Sum("quantity"))
        .order_by("item")
    )
    items = Item.objects.in_bulk([row["item"] for row in held])
    return [(items[row["item"]], row["units"]) for row in held]


@transaction.atomic
def print_bulk(
    *, kind: str, params: Mapping[str, str], printer: Printer, actor: User
) -> list[PrintJob]:
    """Every label of the bulk print, or none: each problem is said at once."""
    check_may_use(actor)
    requests = bulk_requests(kind, params)
    if not requests:
        raise BulkRefused(["There is nothing to print for it yet."])
    jobs, problems = [], []
    for request in requests:
        try:
            with transaction.atomic():
                jobs.append(printing.print_label(printer=printer, actor=actor, **request))
        except DomainError as exc:
            problems.append(exc.message)
    if problems:
        transaction.set_rollback(True)
        raise BulkRefused(problems)
    return jobs


def reprint(*, job: PrintJob, actor: User, reason: str) -> PrintJob:
    """Print a label again at the desk: the reason goes into the audit with the link to the first
    print (a carton label keeps its SSCC: the bytes are the first print's)."""
    check_may_use(actor)
    why = " ".join((reason or "").split())
    if not why:
        raise ReprintNeedsReason(
            "Say why the label is printed again (torn, smudged, fell off…).", field="reason"
        )
    if len(why) > REASON_MAX:
        raise ReprintNeedsReason(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return station.reprint(job=job, actor=actor, reason=why)


def retry(*, job: PrintJob, actor: User) -> PrintJob:
    check_may_use(actor)
    return station.retry(job=job, actor=actor)


def test_print(*, printer: Printer, actor: User) -> PrintJob:
    """A test label to the printer, queued and sent like any label: its outcome turns the printer
    green or red at the desk."""
    return printing.print_label(label="test", printer=printer, actor=actor)
