"""Outbox drain: delivery rows drained by the outbox worker's service against a raw psycopg
`FOR UPDATE SKIP LOCKED` claim loop, same database, same run.

What is measured, per entry of `--workers` (default "1,4"):

* SERVICE — `channels_app.outbox.delivery.deliver(id)` per message, exactly what the Celery task
  runs: the conditional claim `UPDATE … WHERE id = … AND (pending and due OR lease expired)`, the
  row read, the handler call, the conditional `UPDATE` to delivered by the claim's token, and the
  check for a newer version. The handler is a no-op registered as `bench:` (the receiver's cost is
  not the outbox's). Ids come from an in-memory queue, as they would from the broker; threads with
  a connection each take the next. Each message is an `order_shipped` event routed to one
  destination, written by `wms.outbox.queue.queue_event` before the clock starts.
* RAW — the classic hand-written drain on a plain psycopg 3 connection per worker, on a scratch
  table with the same columns that matter: per message, in autocommit, `UPDATE … SET
  state='in_flight' WHERE id = (SELECT id … WHERE state='pending' ORDER BY id FOR UPDATE SKIP LOCKED
  LIMIT 1) RETURNING id, payload`, then `UPDATE … SET state='delivered' WHERE id = …`. Two
  transactions per message, like the service (claim committed before the call, outcome after).

Reported as messages/s and the ratio SERVICE / RAW. Threads share the GIL: the service path is
mostly Python (Django's ORM), so extra workers help it less than the raw loop, which mostly waits
on PostgreSQL. Every run checks that each message was delivered exactly once by each path.

Runs on PostgreSQL only, on loopback only:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/touchline_outbox_bench .venv/bin/python \
        bench/outbox_drain.py

Without DATABASE_URL it uses that URL, creating the database if it is missing, and migrates it.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _pg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/touchline_outbox_bench"
RAW_TABLE = "bench_raw_outbox"


@dataclass
class Round:
    workers: int
    messages: int
    service_s: float
    raw_s: float

    def line(self) -> str:
        svc, raw = self.messages / self.service_s, self.messages / self.raw_s
        return (
            f"{self.workers:>7}  {self.messages:>8}  {svc:>10.0f}  {raw:>10.0f}  {svc / raw:>6.2f}"
        )


def write_messages(n: int, tag: str) -> list[int]:
    from django.db import transaction

    from wms.catalog.models import Client
    from wms.orders.models import Event
    from wms.outbox import queue as outbox
    from wms.outbox import routing

    client = Client.objects.create(code=tag, name=f"Outbox bench {tag}")
    ids: list[int] = []
    with routing.routed(lambda fact: ["bench:null"]), transaction.atomic():
        events = Event.objects.bulk_create(
            [Event(kind="order_shipped", client=client, payload={"n": i}) for i in range(n)]
        )
        for event in events:
            ids.extend(row.pk for row in outbox.queue_event(event, channel="amazon"))
    return ids


def run_service(ids: list[int], workers: int) -> tuple[float, int]:
    from django.db import connection

    from channels_app.outbox import delivery
    from channels_app.outbox.delivery import Outcome

    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for pk in ids:
        todo.put(pk)
    done = [0] * workers
    barrier = threading.Barrier(workers + 1)

    def work(w: int) -> None:
        token = delivery.worker_token()
        connection.ensure_connection()
        barrier.wait()
        try:
            while True:
                try:
                    pk = todo.get_nowait()
                except queue.Empty:
                    return
                if delivery.deliver(pk, token=token) == Outcome.DELIVERED:
                    done[w] += 1
        finally:
            connection.close()

    return timed(work, workers, barrier), sum(done)


def create_raw(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        conn.execute(
            f"CREATE TABLE {RAW_TABLE} (id bigserial PRIMARY KEY, state varchar(20) NOT NULL, "
            "destination varchar(80) NOT NULL, payload jsonb NOT NULL, attempts int NOT NULL "
            "DEFAULT 0, claimed_by varchar(120) NOT NULL DEFAULT '', claimed_at timestamptz)"
        )
        conn.execute(
            f"CREATE INDEX ON {RAW_TABLE} (id) WHERE state = 'pending'"  # the claim's index
        )
        conn.execute(
            f"INSERT INTO {RAW_TABLE} (state, destination, payload) "
            "SELECT 'pending', 'bench:null', jsonb_build_object('n', g) FROM generate_series(1, %s) g",
            [n],
        )


def run_raw(url: str, workers: int) -> tuple[float, int]:
    done = [0] * workers
    barrier = threading.Barrier(workers + 1)
    claim = (
        f"UPDATE {RAW_TABLE} SET state = 'in_flight', claimed_by = %s, claimed_at = now(), "
        f"attempts = attempts + 1 WHERE id = (SELECT id FROM {RAW_TABLE} WHERE state = 'pending' "
        "ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id, payload"
    )
    finish = f"UPDATE {RAW_TABLE} SET state = 'delivered' WHERE id = %s AND claimed_by = %s"

    def work(w: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            barrier.wait()
            while True:
                row = conn.execute(claim, [f"raw-{w}"]).fetchone()
                if row is None:
                    return
                conn.execute(finish, [row[0], f"raw-{w}"])
                done[w] += 1

    return timed(work, workers, barrier), sum(done)


def timed(work: Callable[[int], None], workers: int, barrier: threading.Barrier) -> float:
    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=2000, help="messages per round and path")
    parser.add_argument(
        "--workers",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 4],
        help="rounds, e.g. 1,4",
    )
    args = parser.parse_args(argv)
    if args.messages < 1 or any(w < 1 for w in args.workers):
        parser.error("--messages and every --workers entry must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = _pg.database_url(DEFAULT_URL, bench="bench/outbox_drain.py")
    _pg.bootstrap(url, bench="bench/outbox_drain.py")
    from channels_app.outbox import handlers
    from wms.outbox.models import OutboxMessage, OutboxState

    handlers.register("bench", lambda delivery: None)
    started = time.perf_counter()
    rounds: list[Round] = []
    problems: list[str] = []
    try:
        for workers in args.workers:
            ids = write_messages(args.messages, _pg.unique_code("OB"))
            service_s, service_done = run_service(ids, workers)
            left = OutboxMessage.objects.filter(pk__in=ids).exclude(state=OutboxState.DELIVERED)
            if service_done != len(ids) or left.exists():
                problems.append(
                    f"service, {workers} workers: {service_done} of {len(ids)} delivered"
                )
            create_raw(url, args.messages)
            raw_s, raw_done = run_raw(url, workers)
            if raw_done != args.messages:
                problems.append(f"raw, {workers} workers: {raw_done} of {args.messages} delivered")
            rounds.append(Round(workers, args.messages, service_s, raw_s))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")

    print(f"raw baseline: psycopg {psycopg.__version__}, FOR UPDATE SKIP LOCKED, same database")
    print(f"{'workers':>7}  {'messages':>8}  {'service/s':>10}  {'raw/s':>10}  {'ratio':>6}")
    for r in rounds:
        print(r.line())
    for problem in problems:
        print(f"NOT DELIVERED EXACTLY ONCE: {problem}")
    print(f"total {time.perf_counter() - started:.1f}s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
