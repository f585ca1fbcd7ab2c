"""The label station's back office (Django admin) as its users meet it."""

from __future__ import annotations

from compliance.models import Printer, RuleSet
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
