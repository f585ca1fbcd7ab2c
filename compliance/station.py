"""The label station: every label goes through a print job — the queue, the reprint button and the
audit of who printed what, when, for which carton, order, shipment or item.

PDF printers hand the job to the browser (download); Zebra printers get raw ZPL on TCP 9100, sent by
a Celery task after the job is committed, so a printer that is off never blocks a pack scan.
"""

from __future__ import annotations

import socket
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compliance.models import JobState, Printer, PrinterKind, PrintJob
from wms.accounts.models import User
from wms.errors import DomainError

SEND_TIMEOUT = 5.0


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
        raise DomainError(f"Printer {printer} is switched off in the back office; choose another.")
    is_zpl = isinstance(content, str)
    if is_zpl != (printer.kind == PrinterKind.ZPL):
        want = "ZPL" if printer.kind == PrinterKind.ZPL else "PDF"
        raise DomainError(f"Printer {printer} prints {want}; render the label as {want}.")
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
    """Send a queued ZPL job to its printer over TCP; record success or the reason it failed."""
    with transaction.atomic():
        job = (
            PrintJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("printer")
            .filter(pk=job_id, state__in=[JobState.QUEUED, JobState.FAILED])
            .first()
        )
        if job is None:
            return PrintJob.objects.get(pk=job_id)  # sent already, or another worker has it
        PrintJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)
        try:
            with socket.create_connection(
                (job.printer.host, job.printer.port), timeout=SEND_TIMEOUT
            ) as conn:
                conn.sendall(bytes(job.content))
        except OSError as exc:
            error = (
                f"Printer {job.printer} at {job.printer.host}:{job.printer.port} did not take the "
                f"label ({exc.strerror or exc}). Check it is on and loaded, then reprint."
            )
            PrintJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, error=error)
        else:
            PrintJob.objects.filter(pk=job.pk).update(
                state=JobState.SENT, error="", sent_at=timezone.now()
            )
    return PrintJob.objects.get(pk=job_id)


@transaction.atomic
def reprint(*, job: PrintJob, actor: User, printer: Printer | None = None) -> PrintJob:
    """Print the same label again (a torn or smudged label); the audit links it to the first."""
    original = job.reprint_of or job
    # A job not yet printed must never print after its reprint: two labels, one SSCC.
    PrintJob.objects.filter(pk=job.pk, state__in=[JobState.QUEUED, JobState.FAILED]).update(
        state=JobState.SUPERSEDED
    )
    raw = bytes(job.content)
    content: bytes | str = raw.decode("utf-8") if job.content_type == "application/zpl" else raw
    return queue_label(
        printer=printer or job.printer,
        label=job.label,
        content=content,
        actor=actor,
        reprint_of=original,
        container=job.container,
        order=job.order,
        shipment=job.shipment,
        item=job.item,
        sscc=job.sscc,
    )
