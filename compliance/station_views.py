"""The label station screen (desktop, HTMX): choose the printer, scan anything, preview, print,
reprint with a reason, retry, and today's queue refreshed in place.

Thin: every rule is in `station_desk` (who, health, bulk, reprint, retry) and `station_lookup`
(what a code names and what it can have); these views parse, call one of them and render.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from functools import wraps
from typing import Any

import pypdfium2
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from compliance import station, station_desk, station_lookup
from compliance.models import Printer, PrintJob
from compliance.views import job_content
from wms.accounts.models import User
from wms.errors import DomainError

PRINTER_COOKIE = "label_printer"
PREVIEW_DPI = 150
View = Callable[..., HttpResponse]


def clerk_only(view: View) -> View:
    """Signed in (else the sign-in page), and a label clerk or supervisor (else a plain refusal)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (isinstance(user, User) and user.is_authenticated):
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("login") + "?next=" + reverse("station")
                return response
            return redirect_to_login(request.get_full_path())
        if reason := station_desk.refusal(user):
            return render(request, "station/refused.html", {"reason": reason}, status=403)
        return view(request, user, *args, **kwargs)

    return wrapped


def _printer(request: HttpRequest) -> Printer | None:
    return station_desk.printer_by_id(request.COOKIES.get(PRINTER_COOKIE))


def _said(request: HttpRequest, message: str, tone: str, status: int = 200) -> HttpResponse:
    response = render(request, "station/_said.html", {"message": message, "tone": tone})
    response.status_code = status
    return response


@clerk_only
@require_GET
def station_page(request: HttpRequest, user: User) -> HttpResponse:
    printer = _printer(request)
    if printer is None or request.GET.get("change"):
        return render(
            request,
            "station/choose.html",
            {"printers": station_desk.printers(), "current": printer},
        )
    return render(
        request,
        "station/station.html",
        {"printer": printer, **_queue_context(printer)},
    )


@clerk_only
@require_POST
def choose_printer(request: HttpRequest, user: User) -> HttpResponse:
    printer = station_desk.printer_by_id(request.POST.get("printer"))
    if printer is None:
        return render(
            request,
            "station/choose.html",
            {
                "printers": station_desk.printers(),
                "error": "Choose one of the printers below (switched-on printers only).",
            },
            status=400,
        )
    response = HttpResponseRedirect(reverse("station"))
    # Remembered on this desk's browser for a year: the desk and its printer do not move.
    response.set_cookie(PRINTER_COOKIE, str(printer.pk), max_age=365 * 86400, samesite="Lax")
    return response


@clerk_only
@require_GET
def find(request: HttpRequest, user: User) -> HttpResponse:
    code = request.GET.get("code", "")
    try:
        found = station_lookup.look_up(code)
    except DomainError as exc:
        return render(request, "station/_found.html", {"error": exc.message, "code": code})
    return render(request, "station/_found.html", {"found": found, "code": code})


def _label_params(request: HttpRequest) -> dict[str, str]:
    data = request.POST if request.method == "POST" else request.GET
    return {key: data.get(key, "") for key in data}


@clerk_only
@require_GET
def preview_pane(request: HttpRequest, user: User) -> HttpResponse:
    """The label as it will print, its first page rendered from the PDF: nothing is queued."""
    params = _label_params(request)
    try:
        document = station_desk.preview(params=params, actor=user)
    except DomainError as exc:
        return render(request, "station/_preview.html", {"error": exc.message})
    pdf = pypdfium2.PdfDocument(document)
    try:
        pages = len(pdf)
        image = pdf[0].render(scale=PREVIEW_DPI / 72).to_pil()
    finally:
        pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    label = params.get("label", "")
    context = {
        "title": station_lookup.TITLES.get(label, label),
        "image": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "pages": pages,
        "params": params,
    }
    return render(request, "station/_preview.html", context)


def _queued(request: HttpRequest, message: str) -> HttpResponse:
    response = _said(request, message, "ok")
    response["HX-Trigger"] = "queue-changed"
    return response


@clerk_only
@require_POST
def print_label(request: HttpRequest, user: User) -> HttpResponse:
    printer = _printer(request)
    if printer is None:
        return _said(request, "Choose this desk's printer first.", "error")
    try:
        job = station_desk.print_one(params=_label_params(request), printer=printer, actor=user)
    except DomainError as exc:
        return _said(request, exc.message, "error")
    return _queued(request, f"{_name(job)} {_where(job)}")


@clerk_only
@require_POST
def print_bulk(request: HttpRequest, user: User) -> HttpResponse:
    printer = _printer(request)
    if printer is None:
        return _said(request, "Choose this desk's printer first.", "error")
    params = _label_params(request)
    try:
        jobs = station_desk.print_bulk(
            kind=params.get("bulk", ""), params=params, printer=printer, actor=user
        )
    except DomainError as exc:
        return _said(request, exc.message, "error")
    return _queued(request, f"{len(jobs)} labels {_where(jobs[0])}")


def _name(job: PrintJob) -> str:
    return station_lookup.TITLES.get(job.label, job.label.replace("_", " ").capitalize())


def _where(job: PrintJob) -> str:
    if job.content_type == "application/pdf":
        return "ready to download below."
    return f"queued for {job.printer}."


@clerk_only
@require_GET
def queue(request: HttpRequest, user: User) -> HttpResponse:
    printer = _printer(request)
    if printer is None:
        return HttpResponse("")
    return render(request, "station/_queue.html", {"printer": printer, **_queue_context(printer)})


def _queue_context(printer: Printer) -> dict[str, Any]:
    rows = [
        {"job": job, "title": _name(job)}
        for job in station_desk.todays_jobs(station_code=printer.station)
    ]
    return {"rows": rows, "health": station_desk.health(printer)}


@clerk_only
@require_POST
def reprint(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    job = get_object_or_404(PrintJob, pk=pk)
    try:
        # The reason comes from the button's prompt (hx-prompt), or a form field without htmx.
        reason = request.headers.get("HX-Prompt") or request.POST.get("reason", "")
        again = station_desk.reprint(job=job, actor=user, reason=reason)
    except DomainError as exc:
        return _said(request, exc.message, "error")
    return _queued(request, f"Reprinted #{job.pk} as #{again.pk}: {_where(again)}")


@clerk_only
@require_POST
def retry(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    job = get_object_or_404(PrintJob, pk=pk)
    try:
        station_desk.retry(job=job, actor=user)
    except DomainError as exc:
        return _said(request, exc.message, "error")
    return _queued(request, f"Label #{job.pk} sent again to {job.printer}.")


@clerk_only
@require_POST
def download(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """Take a PDF label to print it at the desk: recorded (who, when), then opened."""
    try:
        job = station.record_download(job=get_object_or_404(PrintJob, pk=pk), user=user)
    except DomainError as exc:
        return HttpResponse(
            exc.message, status=exc.http_status, content_type="text/plain; charset=utf-8"
        )
    return job_content(job)
