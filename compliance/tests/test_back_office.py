"""The label station's back office (Django admin) as its users meet it."""

from __future__ import annotations

from compliance.models import Printer, PrintJob, RuleSet
from compliance.station import queue_label
from wms.accounts.models import User
from wms.tests.test_pages import signed_in


def test_the_label_station_back_office_renders(ada: User, db: None) -> None:
    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    job = queue_label(printer=desk, label="location", content=b"%PDF-1.4", actor=ada)
    RuleSet.objects.create(code="BR", name="Big Retail", kind="retailer", channel="edi")
    web = signed_in(ada)
    for url in (
        "/admin/compliance/ruleset/",
        "/admin/compliance/ruleset/add/",
        "/admin/compliance/printjob/",
        "/admin/compliance/printer/",
        "/admin/compliance/chargeback/",
        "/admin/compliance/complianceevent/",
        "/admin/compliance/ssccseries/",
    ):
        assert web.get(url).status_code == 200, url
    listing = web.get("/admin/compliance/printjob/").content.decode()
    assert f"/labels/jobs/{job.pk}/" in listing
    download = web.get(f"/labels/jobs/{job.pk}/")
    assert download["Content-Type"] == "application/pdf"
    reprint = web.post(
        "/admin/compliance/printjob/", {"action": "reprint_selected", "_selected_action": [job.pk]}
    )
    assert reprint.status_code == 302
    assert job.reprints.count() == 1


def test_a_test_print_from_the_back_office_reaches_the_printer_or_turns_it_red(
    ada: User, db: None
) -> None:
    from compliance.station import send
    from compliance.tests.test_labels import plain, scan
    from compliance.tests.test_print_station import FakeZebra, closed_port

    zebra = FakeZebra()
    try:
        alive = Printer.objects.create(
            station="PACK-01", name="zebra", kind="zpl", host="127.0.0.1", port=zebra.port
        )
        dead = Printer.objects.create(
            station="PACK-02", name="zebra", kind="zpl", host="127.0.0.1", port=closed_port()
        )
        desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
        web = signed_in(ada)
        done = web.post(
            "/admin/compliance/printer/",
            {"action": "test_print", "_selected_action": [alive.pk, dead.pk, desk.pk]},
            follow=True,
        )
        assert "test label #" in done.content.decode()
        for job in PrintJob.objects.filter(label="test", printer__kind="zpl"):
            send(job.pk)
        assert f"TEST-{alive.pk}" in zebra.wait_for(1)[0].decode()
        pdf = PrintJob.objects.get(label="test", printer=desk)
        assert plain(scan(bytes(pdf.content))[0]) == [f"TEST-{desk.pk}"]
        listing = web.get("/admin/compliance/printer/").content.decode()
        assert "Answering at 127.0.0.1" in listing
        assert f"Not answering: Printer PACK-02/zebra at 127.0.0.1:{dead.port}" in listing
    finally:
        zebra.close()
