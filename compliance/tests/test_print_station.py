"""SSCCs issued once, and the label station: queue, TCP 9100, reprint, audit."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from stdnum import ean

from compliance import sscc as sscc_service
from compliance import station
from compliance.models import JobState, Printer, PrintJob, SsccSeries
from tests.factories import Site, UserFactory
from wms.accounts.models import User
from wms.errors import DomainError

ZPL = "^XA^PW812^LL1218^FO50,50^BCN,100,Y,N,N^FD>;>800106141411234567897^FS^XZ"


class FakeZebra:
    """A printer on a loopback socket that keeps every byte it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.received.append(b"".join(chunks))

    def wait_for(self, n: int, timeout: float = 10) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    printer = FakeZebra()
    yield printer
    printer.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_ssccs_are_issued_once_with_a_valid_check_digit(db: None) -> None:
    series = SsccSeries.objects.create(company_prefix="0614141", extension_digit=0)
    issued = [sscc_service.next_sscc(series=series) for _ in range(5)]
    assert issued[0] == "006141410000000012"
    assert len(set(issued)) == 5
    assert all(len(s) == 18 and ean.calc_check_digit(s[:-1]) == s[-1] for s in issued)


def test_a_prefix_out_of_serials_says_so(db: None) -> None:
    series = SsccSeries.objects.create(company_prefix="0614141234", next_serial=999_999)
    assert sscc_service.next_sscc(series=series).startswith("00614141234999999")
    with pytest.raises(sscc_service.SerialsExhausted, match="no SSCC serials left"):
        sscc_service.next_sscc(series=series)


@pytest.mark.django_db(transaction=True)
def test_concurrent_packers_never_get_the_same_sscc() -> None:
    from tests.factories import run_parallel

    series = SsccSeries.objects.create(company_prefix="0614141")
    results = run_parallel(12, lambda _i: [sscc_service.next_sscc(series=series) for _ in range(5)])
    issued = [s for batch in results for s in batch]
    assert len(issued) == 60
    assert len(set(issued)) == 60


def test_zpl_goes_to_the_printer_over_tcp_and_is_audited(
    site: Site, ada: User, zebra: FakeZebra
) -> None:
    printer = Printer.objects.create(
        station="PACK-01", name="zebra", kind="zpl", host="127.0.0.1", port=zebra.port
    )
    carton = site.carton("C-LBL")
    job = station.queue_label(
        printer=printer,
        label="sscc_carton",
        content=ZPL,
        actor=ada,
        container=carton,
        sscc="106141411234567897",
    )
    assert job.state == JobState.QUEUED

    sent = station.send(job.pk)

    assert sent.state == JobState.SENT
    assert zebra.wait_for(1) == [ZPL.encode()]
    again = station.reprint(job=sent, actor=ada)
    station.send(again.pk)
    assert zebra.wait_for(2)[1] == ZPL.encode()
    audit = list(
        PrintJob.objects.filter(container=carton)
        .order_by("pk")
        .values_list("label", "requested_by__username", "reprint_of")
    )
    assert audit == [("sscc_carton", "ada", None), ("sscc_carton", "ada", job.pk)]


def test_a_printer_that_is_off_leaves_the_job_failed_with_the_reason(db: None, ada: User) -> None:
    printer = Printer.objects.create(
        station="PACK-02", name="zebra", kind="zpl", host="127.0.0.1", port=closed_port()
    )
    job = station.queue_label(printer=printer, label="fnsku", content=ZPL, actor=ada)
    failed = station.send(job.pk)
    assert failed.state == JobState.FAILED
    assert failed.attempts == 1
    assert "did not take the label" in failed.error
    assert "Check it is on and loaded, then reprint." in failed.error


def test_a_pdf_printer_gets_pdf_and_the_job_waits_for_download(db: None, ada: User) -> None:
    office = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    job = station.queue_label(
        printer=office, label="packing_slip", content=b"%PDF-1.4 demo", actor=ada
    )
    assert job.state == JobState.READY
    with pytest.raises(DomainError, match="prints PDF; render the label as PDF"):
        station.queue_label(printer=office, label="fnsku", content=ZPL, actor=ada)


@pytest.mark.django_db(transaction=True)
def test_a_committed_label_reaches_the_printer_through_the_worker(zebra: FakeZebra) -> None:
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from wms.celery import app

    ada = UserFactory.create(username="ada-worker", role="admin")
    printer = Printer.objects.create(
        station="PACK-03", name="zebra", kind="zpl", host="127.0.0.1", port=zebra.port
    )
    queue = "test-print"
    app.conf.update(task_default_queue=queue)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
        ):
            assert settings.CELERY_BROKER_URL.startswith("redis://")
            with transaction.atomic():
                job = station.queue_label(printer=printer, label="fnsku", content=ZPL, actor=ada)
            assert zebra.wait_for(1) == [ZPL.encode()]
            for _ in range(100):
                job.refresh_from_db()
                if job.state == JobState.SENT:
                    break
                time.sleep(0.05)
            assert job.state == JobState.SENT
    finally:
        app.conf.update(task_default_queue="celery")
        connection.close()
