"""The label station's downloads: a PDF label opens in the browser to print; ZPL downloads as a file.

Reading a label changes nothing (GET); taking it to print is a recorded POST (who and when), through
`station.record_download`.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from compliance import station
from compliance.models import PrintJob
from wms.accounts.models import User
from wms.errors import DomainError


@staff_member_required
@require_GET
def print_job_content(request: HttpRequest, pk: int) -> HttpResponse:
    """Look at a label: the job is not marked printed."""
    return job_content(get_object_or_404(PrintJob, pk=pk))


@staff_member_required
@require_POST
def download_print_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a label to print it: recorded (printed, when, by whom), then handed to the browser."""
    user = request.user
    assert isinstance(user, User)  # staff_member_required: signed in
    try:
        job = station.record_download(job=get_object_or_404(PrintJob, pk=pk), user=user)
    except DomainError as exc:
        return HttpResponse(
            exc.message, status=exc.http_status, content_type="text/plain; charset=utf-8"
        )
    return job_content(job)


def job_content(job: PrintJob) -> HttpResponse:
    """The label's bytes: PDF inline (opens in the browser), ZPL as a file. Changes nothing."""
    kind = "pdf" if job.content_type == "application/pdf" else "zpl"
    response = HttpResponse(bytes(job.content), content_type=job.content_type)
    disposition = "inline" if kind == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{job.label}-{job.pk}.{kind}"'
    return response
