"""A GET never changes state (rule 6): reading a label's PDF leaves the job as it was; taking it
to print is a POST that records it printed, when and by whom — through the API and the desk page."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from compliance.models import JobState, Printer, PrintJob
from compliance.station import NotADownload, queue_label, record_download
from tests.conftest import api_as
from wms.accounts.models import User


@pytest.fixture
def pdf_job(ada: User) -> PrintJob:
    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    return queue_label(printer=desk, label="location", content=b"%PDF-1.4 label", actor=ada)


def unchanged(job: PrintJob) -> None:
    fresh = PrintJob.objects.get(pk=job.pk)
    assert fresh.state == JobState.READY
    assert fresh.sent_at is None and fresh.downloaded_by is None


def test_reading_a_label_through_the_api_changes_nothing(ada: User, pdf_job: PrintJob) -> None:
    api = api_as(ada)
    for _ in range(2):
        pdf = api.get(f"/api/label-station/jobs/{pdf_job.pk}/content/")
        assert pdf.status_code == 200
        assert pdf.content == b"%PDF-1.4 label"
    unchanged(pdf_job)
    assert api.get(f"/api/label-station/jobs/{pdf_job.pk}/download/").status_code == 405
    unchanged(pdf_job)


def test_downloading_through_the_api_records_who_and_when(
    ada: User, sam: User, pdf_job: PrintJob
) -> None:
    pdf = api_as(ada).post(f"/api/label-station/jobs/{pdf_job.pk}/download/")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == b"%PDF-1.4 label"
    job = PrintJob.objects.get(pk=pdf_job.pk)
    assert job.state == JobState.SENT
    assert job.sent_at is not None and job.downloaded_by == ada
    listed = api_as(ada).get(f"/api/label-station/jobs/{job.pk}/").json()
    assert listed["downloaded_by"] == "ada" and listed["sent_at"] is not None

    # Downloading it again (a second copy) keeps the first record.
    first_at = job.sent_at
    again = record_download(job=job, user=sam)
    assert again.downloaded_by == ada and again.sent_at == first_at


def test_the_desk_page_reads_on_get_and_records_on_post(ada: User, pdf_job: PrintJob) -> None:
    desk = HttpClient()
    desk.force_login(ada)
    looked = desk.get(f"/labels/jobs/{pdf_job.pk}/")
    assert looked.status_code == 200 and looked["Content-Type"] == "application/pdf"
    unchanged(pdf_job)
    assert desk.get(f"/labels/jobs/{pdf_job.pk}/download/").status_code == 405
    unchanged(pdf_job)

    taken = desk.post(f"/labels/jobs/{pdf_job.pk}/download/")

    assert taken.status_code == 200 and taken.content == b"%PDF-1.4 label"
    job = PrintJob.objects.get(pk=pdf_job.pk)
    assert job.state == JobState.SENT and job.downloaded_by == ada and job.sent_at is not None


def test_the_desk_page_is_for_staff(oscar: User, pdf_job: PrintJob) -> None:
    floor = HttpClient()
    floor.force_login(oscar)
    assert floor.post(f"/labels/jobs/{pdf_job.pk}/download/").status_code == 302  # sign-in page
    unchanged(pdf_job)


def test_a_superseded_label_handed_out_never_counts_as_printed(
    ada: User, pdf_job: PrintJob
) -> None:
    PrintJob.objects.filter(pk=pdf_job.pk).update(state=JobState.SUPERSEDED)
    job = record_download(job=pdf_job, user=ada)
    assert job.state == JobState.SUPERSEDED and job.downloaded_by is None


def test_a_zpl_label_is_sent_not_downloaded(ada: User) -> None:
    zebra = Printer.objects.create(
        station="PACK", name="zebra", kind="zpl", host="127.0.0.1", port=9
    )
    job = queue_label(printer=zebra, label="fnsku", content="^XA^XZ", actor=ada)
    with pytest.raises(NotADownload, match="it is sent to the printer, not downloaded"):
        record_download(job=job, user=ada)
    answer = api_as(ada).post(f"/api/label-station/jobs/{job.pk}/download/")
    assert answer.status_code == 400
    assert PrintJob.objects.get(pk=job.pk).state == JobState.QUEUED


def test_the_back_office_view_link_reads_and_its_action_records(
    ada: User, pdf_job: PrintJob
) -> None:
    ada.is_superuser = True
    ada.save(update_fields=["is_superuser"])
    office = HttpClient()
    office.force_login(ada)
    listing = office.get("/admin/compliance/printjob/")
    assert listing.status_code == 200
    assert f"/labels/jobs/{pdf_job.pk}/" in listing.content.decode()  # the "view" link
    office.get(f"/labels/jobs/{pdf_job.pk}/")
    unchanged(pdf_job)

    pdf = office.post(
        "/admin/compliance/printjob/",
        {"action": "download_to_print", "_selected_action": [str(pdf_job.pk)]},
    )

    assert pdf.status_code == 200 and pdf.content == b"%PDF-1.4 label"
    job = PrintJob.objects.get(pk=pdf_job.pk)
    assert job.state == JobState.SENT and job.downloaded_by == ada and job.sent_at is not None


def test_the_desk_refuses_to_download_a_zpl_label_and_says_why(ada: User) -> None:
    zebra = Printer.objects.create(
        station="PACK", name="zebra", kind="zpl", host="127.0.0.1", port=9
    )
    job = queue_label(printer=zebra, label="fnsku", content="^XA^XZ", actor=ada)
    desk = HttpClient()
    desk.force_login(ada)

    answer = desk.post(f"/labels/jobs/{job.pk}/download/")

    assert answer.status_code == 400
    assert "sent to the printer, not downloaded" in answer.content.decode()
    assert PrintJob.objects.get(pk=job.pk).state == JobState.QUEUED
