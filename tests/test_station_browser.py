"""The label station in a real headless Chromium at 1280×800, with a real Celery worker and a fake
Zebra on a loopback socket: a clerk signs in, chooses the desk's printer, scans an order, previews a
carton label, prints every carton label, reprints one with a reason (the same SSCC reaches the
printer), then moves to a printer that does not answer and sees it turn red.

Screens go to artifacts/station/, the label PDFs the test renders to artifacts/labels/ (both ignored
by git). Without /usr/bin/chromium the test fails, it never skips (tests/test_rf_browser.py).
"""

from __future__ import annotations

import base64
import io
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from django.contrib.auth.models import Group
from django.db import connection
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from compliance import station_desk
from compliance.labels import gs1
from compliance.models import Printer, PrintJob
from compliance.tests.desk_scene import packed_in_two_cartons
from compliance.tests.test_labels import elements, scan
from compliance.tests.test_print_station import FakeZebra, closed_port
from tests.factories import Site, UserFactory
from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.layout.models import Container

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "station"
# Waits for the worker's send and the queue's refresh (every 2 s): an upper bound, never a pace.
SENT_WITHIN_MS = 30_000

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    """The run's one Chromium (tests/browser.py), this module's screenshots started afresh."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return chromium


@pytest.fixture
def worker() -> Iterator[None]:
    """A Celery worker on a queue of this run's own: print jobs reach the printer as in production."""
    from celery.contrib.testing.worker import start_worker

    from wms.celery import app

    queue = f"test-station-{uuid.uuid4().hex[:8]}"
    app.conf.update(task_default_queue=queue)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
        ):
            yield
    finally:
        app.conf.update(task_default_queue="celery")
        connection.close()


class Clerk:
    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base, self.shots = page, base, 0

    def snap(self, what: str) -> None:
        self.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.shots:02d}-{what}.png"))

    def scan(self, code: str) -> None:
        """A keyboard-wedge scanner: types into the focused scan box and presses Enter."""
        focused = self.page.evaluate("document.activeElement && document.activeElement.id")
        assert focused == "scan-input", f"the scan box lost the focus (focus on {focused!r})"
        before = self.page.evaluate("window.stationFound")
        self.page.keyboard.type(code)
        self.page.keyboard.press("Enter")
        self.page.wait_for_function(f"window.stationFound > {before}")

    def choose_printer(self, printer: Printer) -> None:
        self.page.locator(f"input[name=printer][value='{printer.pk}']").check()
        self.page.get_by_role("button", name="Use this printer").click()
        self.page.wait_for_url("**/station/")

    def said(self) -> str:
        return self.page.locator("#said").inner_text()


def barcodes_in(png: bytes) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(Image.open(io.BytesIO(png))))


def test_a_clerk_prints_an_orders_carton_labels_reprints_one_and_sees_a_dead_printer_red(
    browser: Browser,
    live_server: Any,
    worker: None,
    site: Site,
    nwo: Client,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    order = packed_in_two_cartons(site, nwo, tent, oscar, sam)
    cleo = UserFactory.create(username="cleo", role=Role.OPERATOR)
    cleo.groups.add(Group.objects.get_or_create(name=station_desk.LABEL_CLERKS)[0])
    zebra = FakeZebra()
    printer = Printer.objects.create(
        station="LABEL-DESK", name="Zebra ZT411", kind="zpl", host="127.0.0.1", port=zebra.port
    )
    laser = Printer.objects.create(station="PACK-DESK", name="Office laser", kind="pdf")
    dead = Printer.objects.create(
        station="DOCK-DESK", name="Zebra off", kind="zpl", host="127.0.0.1", port=closed_port()
    )
    expect.set_options(timeout=SENT_WITHIN_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        clerk = Clerk(context.new_page(), live_server.url)
        page = clerk.page

        # Not signed in: the sign-in page, then back to the station to choose the desk's printer.
        page.goto(live_server.url + "/station/")
        page.wait_for_url("**/login/?next=/station/")
        page.fill("#id_username", "cleo")
        page.fill("#id_password", "pw-for-tests-only")
        page.get_by_role("button", name="Sign in").click()
        expect(
            page.get_by_role("heading", name="Which printer stands at this desk?")
        ).to_be_visible()
        clerk.snap("choose-printer")
        clerk.choose_printer(printer)
        expect(page.locator(".st-desk")).to_have_text("Desk LABEL-DESK · Zebra ZT411")
        expect(page.locator("#printer-state")).to_have_attribute("data-tone", "idle")

        # Scan the order: its slip and each carton's labels, and the bulk print.
        clerk.scan("PO-DESK")
        expect(page.locator(".st-found h2")).to_have_text(["Order PO-DESK"])
        clerk.snap("order-found")
        first = order.parcels.order_by("pk")[0]

        # Preview the first carton's label: the PNG scans back to a valid SSCC; nothing issued.
        page.locator(f"tr[data-key='sscc_carton-parcel{first.pk}'] .st-preview-btn").click()
        image = page.locator("#preview-image")
        expect(image).to_be_visible()
        clerk.snap("carton-preview")
        png = base64.b64decode(image.get_attribute("src").split(",", 1)[1])  # type: ignore[union-attr]
        (ARTIFACTS / "carton-preview.png").write_bytes(png)
        parsed = [gs1.parse(b.text) for b in barcodes_in(png) if b.symbology_identifier == "]C1"]
        assert any(gs1.has_valid_check_digit(p.get("00", "0")) for p in parsed), parsed
        assert not PrintJob.objects.exists()
        assert Container.objects.get(barcode="C-D1").sscc is None
        previewed = station_desk.preview(
            params={"label": "sscc_carton", "parcel": str(first.pk)}, actor=cleo
        )
        [page_barcodes] = scan(previewed)  # the same PDF the preview showed, decoded, kept
        assert elements(page_barcodes)[-1] in parsed

        # Print all carton labels: the worker sends the ZPL; each holds its carton's SSCC.
        page.locator("[data-bulk=order_cartons]").click()
        expect(page.locator("#said")).to_have_text("2 labels queued for LABEL-DESK/Zebra ZT411.")
        received = zebra.wait_for(2)
        assert len(received) == 2
        ssccs = [Container.objects.get(barcode=b).sscc for b in ("C-D1", "C-D2")]
        for sscc in ssccs:
            assert sscc and gs1.has_valid_check_digit(sscc)
            assert sum(f">;>800{sscc}" in zpl.decode() for zpl in received) == 1, sscc
        expect(page.locator("#queue tr[data-state=sent]")).to_have_count(2)
        expect(page.locator("#printer-state")).to_have_attribute("data-tone", "ok")
        clerk.snap("cartons-sent")

        # Reprint the first carton's label with a reason: the same SSCC goes to the printer again.
        job = PrintJob.objects.get(container__barcode="C-D1")
        page.once("dialog", lambda dialog: dialog.accept("torn on the conveyor"))
        page.locator(f"#job-{job.pk} .st-reprint").click()
        expect(page.locator("#said")).to_contain_text(f"Reprinted #{job.pk} as #")
        again = PrintJob.objects.get(reprint_of=job)
        assert (again.sscc, again.reason, again.requested_by) == (
            job.sscc,
            "torn on the conveyor",
            cleo,
        )
        assert len(zebra.wait_for(3)) == 3
        assert zebra.received[2] == bytes(job.content)  # byte for byte: one carton, one SSCC
        assert f">;>800{job.sscc}".encode() in zebra.received[2]
        expect(page.locator(f"#job-{again.pk}")).to_have_attribute("data-state", "sent")
        expect(page.locator(f"#job-{again.pk}")).to_contain_text("torn on the conveyor")
        clerk.snap("reprinted")

        # A printer that does not answer: the job fails with the reason and the printer is red.
        page.locator("#change-printer").click()
        clerk.choose_printer(dead)
        clerk.scan("P-01")
        page.locator(".st-print-btn").first.click()
        expect(page.locator("#said")).to_have_text("Location label queued for DOCK-DESK/Zebra off.")
        state = page.locator("#printer-state")
        expect(state).to_have_attribute("data-tone", "bad")
        expect(state).to_contain_text("Not answering: Printer DOCK-DESK/Zebra off at 127.0.0.1")
        expect(state).to_have_css("background-color", "rgb(179, 38, 30)")
        failed = PrintJob.objects.get(printer=dead)
        assert "did not take the label" in failed.error
        expect(page.locator(f"#job-{failed.pk} .st-why")).to_contain_text("did not take the label")
        clerk.snap("dead-printer-red")

        # A PDF printer at the desk: the slip waits to be downloaded; the download is recorded
        # (who) and the PDF scans back to the order.
        page.locator("#change-printer").click()
        clerk.choose_printer(laser)
        clerk.scan("PO-DESK")
        page.locator(f"tr[data-key='packing_slip-order{order.pk}'] .st-print-btn").click()
        expect(page.locator("#said")).to_have_text("Packing slip ready to download below.")
        slip = PrintJob.objects.get(printer=laser)
        expect(page.locator(f"#job-{slip.pk}")).to_have_attribute("data-state", "ready")
        page.locator(f"#job-{slip.pk} button", has_text="Download").click()
        expect(page.locator(f"#job-{slip.pk}")).to_contain_text("Downloaded by cleo")
        clerk.snap("slip-downloaded")
        pages = scan(bytes(PrintJob.objects.get(pk=slip.pk).content))
        assert {b.text for found in pages for b in found} == {"PO-DESK"}
    finally:
        context.close()
        zebra.close()
