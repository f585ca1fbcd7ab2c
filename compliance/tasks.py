from __future__ import annotations

from celery import shared_task

from compliance.models import JobState
from compliance.station import send


@shared_task(name="compliance.tasks.send_print_job", bind=True, max_retries=3)
def send_print_job(self: object, job_id: int) -> str:
    """Deliver one ZPL job; a printer that is off is retried a few times, then left FAILED to reprint."""
    job = send(job_id)
    if job.state == JobState.FAILED and self.request.retries < 3:  # type: ignore[attr-defined]
        raise self.retry(countdown=2**self.request.retries)  # type: ignore[attr-defined]
    return str(job.state)


@shared_task(name="compliance.tasks.record_late_asns")
def record_late_asns() -> int:
    """Beat: every few minutes, put each overdue ASN on record once."""
    from compliance.asn import record_late_asns as record

    return record()
