"""The label station's downloads: a PDF label opens in the browser to print; ZPL downloads as a file."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from compliance.models import JobState, PrintJob


@staff_member_required
def print_job_content(request: HttpRequest, pk: int) -> HttpResponse:
    return job_content(get_object_or_404(PrintJob, pk=pk))


def job_content(job: PrintJob) -> HttpResponse:
    """The label to print: PDF inline (opens in the browser), ZPL as a file. A PDF job waiting for
    download counts as sent from now on."""
    kind = "pdf" if job.content_type == "application/pdf" else "zpl"
    response = HttpResponse(bytes(job.content), content_type=job.content_type)
    disposition = "inline" if kind == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{job.label}-{job.pk}.{kind}"'
    if job.state == JobState.READY:
        PrintJob.objects.filter(pk=job.pk, state=JobState.READY).update(state=JobState.SENT)
    return response
