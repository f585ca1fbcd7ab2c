from __future__ import annotations

from celery import shared_task

from compliance.models import JobState
from compliance.station import SEND_LEASE, send


@shared_task(name="compliance.tasks.send_print_job", bind=True, max_retries=3)
def send_print_job(self: object, job_id: int) -> str:
    """Deliver one ZPL job; a printer that is off is retried a few times, then left FAILED to reprint.

    A job another sender holds (this task redelivered after its worker died mid-send) is looked
    at again once that claim's lease has run out, so a crash never leaves the label unsent.
    """
    job = send(job_id)
    retries = self.request.retries  # type: ignore[attr-defined]
    if job.state == JobState.FAILED and retries < 3:
        raise self.retry(countdown=2**retries)  # type: ignore[attr-defined]
    if job.state == JobState.SENDING and retries < 3:
        raise self.retry(countdown=SEND_LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    return str(job.state)


@shared_task(name="compliance.tasks.record_late_asns")
def record_late_asns() -> int:
    """Beat: every few minutes, put each overdue ASN on record once."""
    from compliance.asn import record_late_asns as record

    return record()
