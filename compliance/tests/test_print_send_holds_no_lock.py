"""A ZPL label goes to the Zebra with no row lock and no transaction open (rule 7): the job is
claimed by a conditional update, the claim commits, the socket is opened, and the outcome is
recorded afterwards. Two senders never print the same job twice; a sender that died mid-send
leaves a claim whose lease runs out, so the job is never stuck."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection, transaction
from django.utils import timezone

from compliance import station
from compliance.models import JobState, Printer, PrintJob
from wms.accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = "^XA^FO50,50^FDSMALL^FS^XZ"
# Bigger than the loopback send buffer plus the printer's tiny receive buffer: sendall cannot
# finish until the printer reads, so the send is really in flight while the printer hangs.
BIG = "^XA" + "^FX" + "x" * (6 * 1024 * 1024) + "^XZ"


class HangingZebra:
    """A printer on a loopback socket that accepts at once but reads nothing until released."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited on accept
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.release = threading.Event()
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.set()
            self.release.wait(60)
            with conn:
                chunks = []
                try:
                    while data := conn.recv(1 << 20):
                        chunks.append(data)
                except OSError:
                    pass
                self.received.append(b"".join(chunks))

    def close(self) -> None:
        self.release.set()
        self.sock.close()


@pytest.fixture
def zebra() -> Iterator[HangingZebra]:
    printer = HangingZebra()
    yield printer
    printer.close()


def in_thread(work: Callable[[], object]) -> threading.Thread:
    """Run a sender as another worker would: its own database connection, closed at the end."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_until(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def zpl_job(*, port: int, actor: User, content: str = SMALL) -> PrintJob:
    printer, _ = Printer.objects.get_or_create(
        station="PACK-01", name=f"zebra-{port}", kind="zpl", host="127.0.0.1", port=port
    )
    return station.queue_label(printer=printer, label="fnsku", content=content, actor=actor)


def test_the_job_row_is_not_locked_while_the_label_is_on_its_way(
    ada: User, zebra: HangingZebra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(station, "SEND_TIMEOUT", 60.0)  # a slow shared machine: never the cause
    job = zpl_job(port=zebra.port, actor=ada, content=BIG)

    sender = in_thread(lambda: station.send(job.pk))
    assert zebra.accepted.wait(20)
    wait_until(lambda: PrintJob.objects.get(pk=job.pk).state == JobState.SENDING)

    # The send is in flight (the printer has read nothing): the row is free to lock and change.
    with transaction.atomic():
        locked = PrintJob.objects.select_for_update(nowait=True).get(pk=job.pk)
        assert locked.state == JobState.SENDING and locked.claimed_at is not None
        assert locked.attempts == 1
    assert sender.is_alive()

    zebra.release.set()
    sender.join(30)
    assert not sender.is_alive()
    job.refresh_from_db()
    assert job.state == JobState.SENT
    assert job.sent_at is not None and job.claimed_at is None and job.error == ""
    assert zebra.received == [BIG.encode()]


def test_a_printer_that_never_reads_fails_the_job_with_the_reason_afterwards(
    ada: User, zebra: HangingZebra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(station, "SEND_TIMEOUT", 1.0)
    job = zpl_job(port=zebra.port, actor=ada, content=BIG)

    sender = in_thread(lambda: station.send(job.pk))
    assert zebra.accepted.wait(20)
    with transaction.atomic():
        PrintJob.objects.select_for_update(nowait=True).get(pk=job.pk)
    sender.join(30)

    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.claimed_at is None
    assert "did not take the label" in job.error
    assert "Check it is on and loaded, then reprint." in job.error


class CountingZebra:
    """A printer that reads at once and keeps every connection's bytes."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

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


def test_two_concurrent_senders_print_a_job_once(ada: User) -> None:
    zebra = CountingZebra()
    try:
        jobs = [zpl_job(port=zebra.port, actor=ada, content=f"^XA^FD{n}^XZ") for n in range(5)]
        for job in jobs:
            start = threading.Barrier(2)

            def send(job_id: int = job.pk, start: threading.Barrier = start) -> None:
                start.wait(10)
                station.send(job_id)

            senders = [in_thread(send), in_thread(send)]
            for each in senders:
                each.join(30)
            job.refresh_from_db()
            assert job.state == JobState.SENT
            assert job.attempts == 1  # one claim, one send
        wait_until(lambda: len(zebra.received) >= len(jobs))
        time.sleep(0.2)  # a duplicate would arrive now
        assert sorted(zebra.received) == sorted(f"^XA^FD{n}^XZ".encode() for n in range(5))
    finally:
        zebra.sock.close()


def test_a_claim_whose_sender_died_is_taken_again_once_its_lease_runs_out(ada: User) -> None:
    zebra = CountingZebra()
    try:
        job = zpl_job(port=zebra.port, actor=ada)
        # A sender claimed the job a moment ago: it is still on its way, nobody else sends it.
        PrintJob.objects.filter(pk=job.pk).update(
            state=JobState.SENDING, claimed_at=timezone.now(), attempts=1
        )
        assert station.send(job.pk).state == JobState.SENDING

        # That sender died: once the lease runs out, the next send takes the job again.
        stale = timezone.now() - station.SEND_LEASE - dt.timedelta(seconds=1)
        PrintJob.objects.filter(pk=job.pk).update(claimed_at=stale)
        sent = station.send(job.pk)
        assert sent.state == JobState.SENT and sent.attempts == 2
        wait_until(lambda: len(zebra.received) >= 1)
        assert zebra.received == [SMALL.encode()]
    finally:
        zebra.sock.close()


def test_a_label_reprinted_while_its_send_was_in_flight_never_prints_after_the_reprint(
    ada: User,
) -> None:
    zebra = CountingZebra()
    try:
        job = zpl_job(port=zebra.port, actor=ada)
        PrintJob.objects.filter(pk=job.pk).update(
            state=JobState.SENDING, claimed_at=timezone.now(), attempts=1
        )
        again = station.reprint(job=job, actor=ada)
        job.refresh_from_db()
        assert job.state == JobState.SENDING  # a live send is left to finish

        # Its sender died (or the send failed): the original is not sent again — its reprint is
        # the label now, with the same SSCC.
        stale = timezone.now() - station.SEND_LEASE - dt.timedelta(seconds=1)
        PrintJob.objects.filter(pk=job.pk).update(claimed_at=stale)
        assert station.send(job.pk).state == JobState.SUPERSEDED
        PrintJob.objects.filter(pk=job.pk).update(state=JobState.FAILED)
        assert station.send(job.pk).state == JobState.SUPERSEDED
        assert station.send(again.pk).state == JobState.SENT
        wait_until(lambda: len(zebra.received) >= 1)
        time.sleep(0.2)  # the original would arrive now
        assert zebra.received == [SMALL.encode()]  # one label: the reprint's
        assert PrintJob.objects.get(pk=job.pk).attempts == 1
    finally:
        zebra.sock.close()


def test_a_reprint_supersedes_a_claim_whose_sender_died(ada: User) -> None:
    job = zpl_job(port=9, actor=ada)
    stale = timezone.now() - station.SEND_LEASE - dt.timedelta(seconds=1)
    PrintJob.objects.filter(pk=job.pk).update(state=JobState.SENDING, claimed_at=stale)
    station.reprint(job=job, actor=ada)
    job.refresh_from_db()
    assert job.state == JobState.SUPERSEDED and job.claimed_at is None
    assert station.send(job.pk).state == JobState.SUPERSEDED  # never sent after its reprint
