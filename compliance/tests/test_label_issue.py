"""Issuing labels: an SSCC already on a container is skipped, and a reprint supersedes a label that
never printed."""

from __future__ import annotations

from compliance import station
from compliance.models import JobState, Printer, SsccSeries
from compliance.sscc import next_sscc
from tests.factories import Site
from wms.accounts.models import User
from wms.catalog.models import Client
from wms.layout import services as layout


def test_an_sscc_already_on_a_container_is_skipped(site: Site, nwo: Client) -> None:
    series = SsccSeries.objects.create(company_prefix="0614141", client=nwo)
    layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="SUPPLIER-PAL", sscc="006141410000000012"
    )
    assert next_sscc(series=series) == "006141410000000029"


def test_a_reprint_supersedes_a_label_that_never_printed(db: None, ada: User) -> None:
    zebra = Printer.objects.create(
        station="PACK", name="zebra", kind="zpl", host="127.0.0.1", port=9
    )
    job = station.queue_label(printer=zebra, label="fnsku", content="^XA^XZ", actor=ada)
    station.send(job.pk)  # nothing listens on port 9: FAILED
    station.reprint(job=job, actor=ada)
    job.refresh_from_db()
    assert job.state == JobState.SUPERSEDED
    assert station.send(job.pk).state == JobState.SUPERSEDED  # never sent after its reprint
