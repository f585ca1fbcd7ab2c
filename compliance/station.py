"""The label station: every label goes through a print job — the queue, the reprint button and the
audit of who printed what, when, for which carton, order, shipment or item.

PDF printers hand the job to the browser (download); Zebra printers get raw ZPL on TCP 9100, sent by
a Celery task after the job is committed, so a printer that is off never blocks a pack scan.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from compliance.models import JobState, Printer, PrinterKind, PrintJob
from wms.accounts.models import User
from wms.errors import DomainError

logger = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
# A claim older than this belongs to a sender that died mid-send: the job may be taken again.
SEND_LEASE = dt.timedelta(minutes=2)


class PrinterSwitchedOff(DomainError):
    code = "printer_switched_off"


class WrongLabelFormat(DomainError):
    """A PDF for a Zebra or ZPL for a laser: the caller rendered for the wrong printer."""

    code = "wrong_label_format"


class NotADownload(DomainError):
    code = "not_a_download"


class PrinterUnavailable(DomainError):
    code = "printer_unavailable"
    http_status = 503


def queue_label(
    *,
    printer: Printer,
    label: str,
    content: bytes | str,
    actor: User,
    reprint_of: PrintJob | None = None,
    **subject: Any,
) -> PrintJob:
    """Record a label for printing (subject: container, order, shipment, item, sscc)."""
    if not printer.active:
        raise PrinterSwitchedOff(
            f"Printer {printer} is switched off in the back office; choose another."
        )
    is_zpl = isinstance(content, str)
    if is_zpl != (printer.kind == PrinterKind.ZPL):
        want = "ZPL" if printer.kind == PrinterKind.ZPL else "PDF"
        raise WrongLabelFormat(f"Printer {printer} prints {want}; render the label as {want}.")
    data = content.encode("utf-8") if isinstance(content, str) else content
    job = PrintJob.objects.create(
        printer=printer,
        label=label,
        content_type="application/zpl" if is_zpl else "application/pdf",
        content=data,
        state=JobState.QUEUED if is_zpl else JobState.READY,
        requested_by=actor,
        reprint_of=reprint_of,
        **subject,
    )
    if is_zpl:
        from compliance.tasks import send_print_job

        transaction.on_commit(partial(send_print_job.delay, job.pk))
    return job


def send(job_id: int) -> PrintJob:
    """Send a queued ZPL job to its printer over TCP; record success or the reason it failed.

    Claim, commit, send, record: the socket (up to SEND_TIMEOUT to connect, as long again per
    write) is never opened while a row lock or transaction is held, so the label desk, a reprint
    or the admin never waits on a printer that is off.
    """
    job = claim(job_id)
    if job is None:
        return PrintJob.objects.get(pk=job_id)  # sent already, superseded, or another sender has it
    claimed_at = job.claimed_at
    error = _deliver(job)
    # Record only our own claim: a reprint that superseded a stale claim meanwhile keeps its say.
    mine = PrintJob.objects.filter(pk=job.pk, state=JobState.SENDING, claimed_at=claimed_at)
    if error:
        mine.update(state=JobState.FAILED, error=error, claimed_at=None)
    else:
        mine.update(state=JobState.SENT, error="", sent_at=timezone.now(), claimed_at=None)
    return PrintJob.objects.get(pk=job_id)


def claimable() -> Q:
    """Jobs a sender may take: queued, failed (a retry), or claimed by a sender that died mid-send
    (its lease ran out), so a crash never leaves a label stuck in SENDING."""
    stale = timezone.now() - SEND_LEASE
    return Q(state__in=[JobState.QUEUED, JobState.FAILED]) | Q(
        state=JobState.SENDING, claimed_at__lt=stale
    )


def reprinted() -> Exists:
    """A later job reprints this one (reprints link to the first job of the label)."""
    later = PrintJob.objects.filter(pk__gt=OuterRef("pk")).filter(
        Q(reprint_of=OuterRef("pk")) | Q(reprint_of=OuterRef("reprint_of"))
    )
    return Exists(later)


def claim(job_id: int) -> PrintJob | None:
    """Take the job for one sender by a conditional update (one statement, its own commit): of
    two concurrent senders exactly one sees a row updated; the other sends nothing."""
    now = timezone.now()
    takeable = PrintJob.objects.filter(claimable(), pk=job_id)
    # Reprinted while its send was in flight (the send then failed, or its sender died): it must
    # never print after its reprint — two labels, one SSCC — so it is superseded, not retried.
    if takeable.filter(reprinted()).update(state=JobState.SUPERSEDED, claimed_at=None):
        return None
    taken = takeable.update(state=JobState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if taken != 1:
        return None
    return PrintJob.objects.select_related("printer").get(pk=job_id)


def _deliver(job: PrintJob) -> str:
    """Write the label to the printer; the reason it failed, or "" when the printer took it."""
    printer = job.printer
    try:
        with socket.create_connection((printer.host, printer.port), timeout=SEND_TIMEOUT) as conn:
            conn.sendall(bytes(job.content))
    except OSError as exc:
        return (
            f"Printer {printer} at {printer.host}:{printer.port} did not take the "
            f"label ({exc.strerror or exc}). Check it is on and loaded, then reprint."
        )
    return ""


@transaction.atomic
def reprint(
    *, job: PrintJob, actor: User, printer: Printer | None = None, reason: str = ""
) -> PrintJob:
    """Print the same label again (a torn or smudged label); the audit links it to the first and
    keeps the reason."""
    original = job.reprint_of or job
    # A job not yet printed must never print after its reprint: two labels, one SSCC.
    # A claim whose sender died counts as not printed; a live send in flight is left to finish,
    # and if it fails it is never retried (`claim` supersedes a reprinted job).
    PrintJob.objects.filter(claimable(), pk=job.pk).update(
        state=JobState.SUPERSEDED, claimed_at=None
    )
    raw = bytes(job.content)
    content: bytes | str = raw.decode("utf-8") if job.content_type == "application/zpl" else raw
    return queue_label(
        printer=printer or job.printer,
        label=job.label,
        content=content,
        actor=actor,
        reprint_of=original,
        reason=reason,
        container=job.container,
        order=job.order,
        shipment=job.shipment,
        item=job.item,
        sscc=job.sscc,
        subject=job.subject,
    )


class NotRetryable(DomainError):
    code = "not_retryable"


@transaction.atomic
def retry(*, job: PrintJob, actor: User) -> PrintJob:
    """Send a failed ZPL label again (the printer is back on): the same job, one more attempt.
    A label reprinted since is never retried (two labels, one SSCC): `claim` supersedes it."""
    job = PrintJob.objects.select_for_update().select_related("printer").get(pk=job.pk)
    if job.state != JobState.FAILED:
        raise NotRetryable(
            f"Label #{job.pk} is {job.get_state_display().lower()}: only a failed label is retried."
        )
    from compliance.tasks import send_print_job

    logger.info("label #%s (%s) retried by %s", job.pk, job.label, actor)
    transaction.on_commit(partial(send_print_job.delay, job.pk))
    return job


@transaction.atomic
def record_download(*, job: PrintJob, user: User) -> PrintJob:
    """The desk takes a PDF label to print it: from now on it counts as printed, with who and when.

    The one way a PDF job becomes SENT (a GET of its content changes nothing). A second download
    keeps the first's record; a superseded label is handed out but never counts as printed.
    """
    if job.content_type != "application/pdf":
        raise NotADownload(
            f"Label #{job.pk} is ZPL for {job.printer}: it is sent to the printer, not downloaded."
        )
    taken = PrintJob.objects.filter(pk=job.pk, state=JobState.READY).update(
        state=JobState.SENT, sent_at=timezone.now(), downloaded_by=user
    )
    if taken:
        logger.info("label #%s (%s) downloaded to print by %s", job.pk, job.label, user)
    job.refresh_from_db()
    return job
