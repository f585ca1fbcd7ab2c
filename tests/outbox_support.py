"""Fixtures for the outbox tests: a private Redis the tests may stop, a real Celery worker process
they may SIGKILL, and the receiver on 127.0.0.1. Never the shared Redis on 6379."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from channels_app.outbox import tasks
from tests.outbox_receiver import Receiver
from wms.celery import app
from wms.outbox import routing
from wms.outbox.models import OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
RECEIVER = "webhook:receiver"
WAIT = 60.0  # how long a test waits for the worker before it fails with what it saw


def wait_for(what: str, check: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """redis-server on a port of its own, without persistence: a restart loses its queues."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is not installed; the outbox fault tests start their own")
        self.proc = subprocess.Popen(  # noqa: S603 - our own arguments
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(f"redis-server on port {self.port}", up, timeout=15)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def use_broker(url: str | None) -> None:
    """Point this process's Celery app at `url` (None: back to the configured broker)."""
    from django.conf import settings

    app.conf.update(broker_url=url or settings.CELERY_BROKER_URL)
    # Celery caches its connection and producer pools; drop them so the next publish reconnects.
    # (Not closed: other holders of the old pool, e.g. a test's in-process worker, keep using it.)
    celery: Any = app
    celery._pool = None
    celery.amqp._producer_pool = None
    # A publish caches the result backend per thread (disabled here); forget it, so a later test
    # that configures a result backend (tests/test_celery.py) gets one.
    celery._local.__dict__.pop("backend", None)
    tasks.reset_breaker()


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery worker` (solo pool, embedded beat running the sweeper) as a process of its own."""

    def __init__(self, *, broker: str, receiver_url: str, tmp: Path) -> None:
        self.tmp = tmp
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.outbox_worker_settings",
            "TOUCHLINE_TESTING": "1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker,
            "OUTBOX_WEBHOOKS": f"receiver={receiver_url}",
            "PYTHONPATH": str(ROOT),
            "TOUCHLINE_RUN_DIR": str(tmp / "run"),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.log = self.tmp / f"worker-{self.starts}.log"
        celery = Path(sys.executable).with_name("celery")
        self.proc = subprocess.Popen(  # noqa: S603 - our own arguments
            [
                str(celery),
                "-A",
                "wms",
                "worker",
                "--pool=solo",
                "-B",
                "-s",
                str(self.tmp / f"beat-{self.starts}"),
                "-n",
                f"outbox-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
                "-f",
                str(self.log),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the embedded beat dies with it
        )
        wait_for("the worker to be ready", lambda: self._log().find(" ready.") >= 0)

    def _log(self) -> str:
        if self.proc is not None and self.proc.poll() is not None:
            pytest.fail(f"the worker exited with {self.proc.returncode}:\n{self._read()[-3000:]}")
        return self._read()

    def _read(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown, no ack, no requeue — as when a machine dies."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    r = PrivateRedis(tmp_path)
    r.start()
    use_broker(r.url)
    yield r
    use_broker(None)
    r.stop()


@pytest.fixture
def worker(
    transactional_db: None, private_redis: PrivateRedis, receiver: Receiver, tmp_path: Path
) -> Iterator[Worker]:
    w = Worker(broker=private_redis.url, receiver_url=receiver.url, tmp=tmp_path)
    w.start()
    yield w
    w.stop()
    for n in range(1, w.starts + 1):  # shown by pytest when the test failed
        print(f"--- worker log {n} ---\n{(tmp_path / f'worker-{n}.log').read_text()[-6000:]}")


def to_receiver(*kinds: str) -> Callable[[routing.Outbound], list[str]]:
    """A router sending the given kinds (all but availability when none given) to the receiver."""

    def route(fact: routing.Outbound) -> list[str]:
        if kinds:
            return [RECEIVER] if fact.kind in kinds else []
        return [RECEIVER] if fact.kind != routing.AVAILABILITY else []

    return route


def state_of(message_id: int) -> str:
    return OutboxMessage.objects.only("state").get(pk=message_id).state
