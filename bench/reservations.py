"""Reservation throughput: the reservation services against a raw conditional UPDATE, same database, same run.

What is measured, per round (a mode — hot or spread — times an entry of `--workers`, default "1,4"):

* RESERVE — `wms.inventory.reservations.reserve(wanted={(item, warehouse): 1}, terms=…)` per
  operation, called outside any other atomic block, so each is its own transaction: the position
  row upsert and `SELECT … FOR UPDATE`, the conditional `UPDATE … SET reserved = reserved + 1 WHERE
  on_hand >= reserved + 1 + buffers`, and the republishing of the three channels' availability
  (channel rows locked and updated, one availability event per channel). The channel rotates
  amazon → shopify → edi; each channel's ChannelTerms are read once before the round (allocation
  reads them per order — that cost is in the IMPORT row). Reported as reservations/s.
* IMPORT — `wms.orders.services.import_order(...)` of a one-line, one-unit order per operation (a
  new external id each time): the order, line and history rows, allocation (policy, terms, the
  evaluation of the node, cutoff and capacity), the reservation above, the Reservation row, the
  decision, the state move and the outbound event. Reported as orders/s. `--import-ops` of them
  (default 200, fewer than --ops: it is the slow path); `--import-ops 0` skips the row.
* RAW — `--ops` operations (default 1000, like RESERVE; the defaults finish in about a minute), on
  a plain psycopg 3 connection per worker, each one transaction:
  `UPDATE bench_raw_position SET reserved = reserved + 1 WHERE id = %s AND on_hand - reserved >= 1`
  on a scratch table created (and dropped) by this script, one row per bench item holding the same
  on-hand. An ordinary (WAL-logged) table, like wms_stock_position. Reported as transactions/s.

HOT: every operation of every worker reserves the same item (one position row: the workers queue on
its row lock). SPREAD: each operation picks one of `--items` items at random (workers rarely meet).
Each round's ratio is service/s over the raw/s of the same mode and worker count.

Workers are threads, each with its own database connection, started together on a barrier; the wall
clock is time.perf_counter around the whole batch. Threads share the GIL: the service paths are
mostly Python, so extra workers help them much less than the raw path, which mostly waits on
PostgreSQL. Every item is stocked with `--units` sellable units (received at a dock and stowed to a
pick face through the ledger), enough that no operation of either path can run short: a refused
reservation is counted as "short" and is a failure of the run, like a deadlock.

DEADLOCKS: an operation that fails with PostgreSQL's deadlock_detected (psycopg DeadlockDetected,
wrapped by Django in django.db.utils.OperationalError) is counted, not retried, in both paths; the
count must be zero. Any other error stops the run.

Checks at the end: each position's `reserved` equals the reservations this script made (service),
each scratch row's `reserved` the updates that succeeded (raw); then the bare RESERVE reservations
(which have no Reservation rows, by design of that layer) are released again — also when the run
fails — and `wms.inventory.reconcile.verify()` must prove the ledger, positions and reservation
rows agree. The exit status is 1 on any mismatch, deadlock or refusal.

Runs on PostgreSQL only, on loopback only. Run it from the repository root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/touchline_resv_bench .venv/bin/python \
        bench/reservations.py

Without DATABASE_URL it uses that URL, creating the database if it is missing, and migrates it.
Every run adds a new warehouse, client and items, and keeps the imported orders: point it at a
scratch database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import errors as pg_errors

# Run as a script (bench/ on sys.path) or as a module: the shared bootstrap either way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _pg

if TYPE_CHECKING:
    from wms.accounts.models import User
    from wms.catalog.models import Client, Item
    from wms.inventory.availability import ChannelTerms
    from wms.layout.models import Warehouse
    from wms.orders.models import CarrierService

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/touchline_resv_bench"
BARRIER_TIMEOUT_S = 60.0
CHANNELS = ("amazon", "shopify", "edi")
MODES = ("hot", "spread")
PATHS = ("reserve", "import")
ADDRESS = {
    "name": "Bench Buyer",
    "line1": "1 Main St",
    "city": "New York",
    "region": "NY",
    "postal_code": "10001",
    "country": "US",
}


# --- bootstrap -----------------------------------------------------------------------------------


# --- the bench warehouse -------------------------------------------------------------------------


@dataclass
class Fixture:
    tag: str
    client: Client
    warehouse: Warehouse
    actor: User
    items: list[Item]  # items[0] is the hot SKU; all of them are the spread SKUs
    terms: dict[str, ChannelTerms]
    service: CarrierService

    def key(self, index: int) -> tuple[int, int]:
        return (self.items[index].pk, self.warehouse.pk)


def build_fixture(n_items: int, units: int) -> Fixture:
    """A fresh warehouse, client (three channel rules, default policy) and stocked items."""
    from wms.accounts.models import Role, User
    from wms.catalog import services as catalog
    from wms.catalog.models import Client
    from wms.inventory import touches
    from wms.inventory.availability import terms_for
    from wms.inventory.ledger import ScanContext
    from wms.inventory.models import ChannelRule
    from wms.layout import services as layout
    from wms.layout.models import LocationType
    from wms.orders import allocation
    from wms.orders.models import CarrierService

    tag = _pg.unique_code("R")
    warehouse = layout.create_warehouse(code=tag, name=f"Bench {tag}", time_zone="UTC")
    dock = layout.create_location(warehouse=warehouse, code="DOCK-01", type=LocationType.DOCK)
    face = layout.create_location(warehouse=warehouse, code="P-001", type=LocationType.PICK_FACE)
    # No client service exists (seed_demo creates clients directly too).
    client = Client.objects.create(code=_pg.unique_code("C"), name=f"Bench client {tag}")
    for channel in CHANNELS:
        ChannelRule.objects.create(client=client, channel=channel)
    allocation.policy_of(client.pk)  # the default policy row, created before the workers race
    actor = User.objects.create_user(username=f"bench-{tag.lower()}", role=Role.SUPERVISOR)
    service, _ = CarrierService.objects.get_or_create(
        code="UPS_GROUND", defaults={"carrier": "UPS", "name": "UPS Ground"}
    )
    items = []
    for n in range(n_items):
        item = catalog.create_item(client=client, sku=f"{tag}-{n:04d}", description=f"Bench {n}")
        touches.receive(
            ScanContext(uuid.uuid4(), actor, "bench"),
            item=item,
            quantity=units,
            location=dock,
            reference=f"BENCH-{tag}",
        )
        touches.stow(
            ScanContext(uuid.uuid4(), actor, "bench"),
            item=item,
            quantity=units,
            from_location=dock,
            to_location=face,
        )
        items.append(item)
    terms = {c: terms_for(client_id=client.pk, channel=c) for c in CHANNELS}
    return Fixture(tag, client, warehouse, actor, items, terms, service)


# --- running a batch on N threads ----------------------------------------------------------------


@dataclass
class Tally:
    """What the workers of one batch did: successes per item index, refusals, deadlocks."""

    done: Counter[int] = field(default_factory=Counter)
    short: int = 0
    deadlocks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, other: Tally) -> None:
        with self.lock:
            self.done.update(other.done)
            self.short += other.short
            self.deadlocks += other.deadlocks


Op = Callable[[int, int], bool]  # (item index, op number) → reserved?
Worker = Callable[[int, int, random.Random, threading.Barrier, Tally], None]


def is_deadlock(exc: BaseException) -> bool:
    return isinstance(exc, pg_errors.DeadlockDetected) or isinstance(
        exc.__cause__, pg_errors.DeadlockDetected
    )


def run_ops(op: Op, w: int, ops: int, n_items: int, rng: random.Random, tally: Tally) -> None:
    from django.db import OperationalError

    mine = Tally()
    try:
        for n in range(ops):
            index = rng.randrange(n_items)
            try:
                if op(index, w * 1_000_000 + n):
                    mine.done[index] += 1
                else:
                    mine.short += 1
            except (OperationalError, pg_errors.DeadlockDetected) as exc:
                if not is_deadlock(exc):
                    raise
                mine.deadlocks += 1
    finally:
        tally.add(mine)  # even when a worker fails: what it reserved must be released


def run_batch(
    worker: Worker, workers: int, ops: int, seed: int, held: Counter[int]
) -> tuple[float, Tally]:
    """Start `workers` threads together; return the wall-clock seconds and what they did.

    What they reserved is added to `held` even when a worker fails, so that it can be released.
    """
    barrier = threading.Barrier(workers + 1, timeout=BARRIER_TIMEOUT_S)
    shares = [ops // workers + (1 if w < ops % workers else 0) for w in range(workers)]
    tally = Tally()
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(worker, w, shares[w], random.Random(seed * 1000 + w), barrier, tally)
                for w in range(workers)
            ]
            barrier.wait()
            start = time.perf_counter()
            for future in futures:
                future.result()  # re-raises a worker's exception, with its traceback
            return time.perf_counter() - start, tally
    finally:
        held.update(tally.done)


def service_worker(op_for: Callable[[int], Op], n_items: int) -> Worker:
    from django.db import connection

    def work(w: int, ops: int, rng: random.Random, barrier: threading.Barrier, t: Tally) -> None:
        try:
            connection.ensure_connection()
            op = op_for(w)
            barrier.wait()
            run_ops(op, w, ops, n_items, rng, t)
        except BaseException:
            barrier.abort()
            raise
        finally:
            connection.close()

    return work


def reserve_op(fx: Fixture) -> Callable[[int], Op]:
    from wms.errors import InsufficientStock
    from wms.inventory import reservations

    def op_for(_w: int) -> Op:
        def op(index: int, n: int) -> bool:
            try:
                reservations.reserve(
                    wanted={fx.key(index): 1}, terms=fx.terms[CHANNELS[n % 3]], cause="bench"
                )
            except InsufficientStock:
                return False
            return True

        return op

    return op_for


def import_op(fx: Fixture, label: str) -> Callable[[int], Op]:
    from wms.orders.models import OrderState
    from wms.orders.services import LineIn, import_order

    def op_for(_w: int) -> Op:
        def op(index: int, n: int) -> bool:
            imported = import_order(
                client=fx.client,
                channel=CHANNELS[n % 3],
                external_id=f"{fx.tag}-{label}-{n}",  # short: see the report on `cause`
                ship_to=ADDRESS,
                service=fx.service,
                lines=[LineIn(fx.items[index], 1)],
            )
            return bool(imported.order.state == OrderState.RESERVED)

        return op

    return op_for


# --- the raw psycopg baseline --------------------------------------------------------------------

RAW_TABLE = """
CREATE TABLE bench_raw_position (
    id bigserial PRIMARY KEY,
    on_hand bigint NOT NULL CHECK (on_hand >= 0),
    reserved bigint NOT NULL CHECK (reserved >= 0)
)
"""
RAW_DROP = "DROP TABLE IF EXISTS bench_raw_position"
RAW_RESERVE = (
    "UPDATE bench_raw_position SET reserved = reserved + 1"
    " WHERE id = %s AND on_hand - reserved >= 1"
)


def create_raw_table(url: str, n_items: int, units: int) -> list[int]:
    """One scratch position row per bench item, each holding `units` on hand."""
    with psycopg.connect(url) as conn:
        conn.execute(RAW_DROP)
        conn.execute(RAW_TABLE)
        rows = conn.execute(
            "INSERT INTO bench_raw_position (on_hand, reserved)"
            " SELECT %s, 0 FROM generate_series(1, %s) ORDER BY 1 RETURNING id",
            [units, n_items],
        ).fetchall()
    return sorted(int(r[0]) for r in rows)


def drop_raw_table(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(RAW_DROP)


def raw_worker(url: str, ids: list[int], n_items: int) -> Worker:
    def work(w: int, ops: int, rng: random.Random, barrier: threading.Barrier, t: Tally) -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:

                def op(index: int, _n: int) -> bool:
                    with conn.transaction():
                        cur.execute(RAW_RESERVE, [ids[index]])
                        return cur.rowcount == 1

                barrier.wait()
                run_ops(op, w, ops, n_items, rng, t)
        except BaseException:
            barrier.abort()
            raise

    return work


# --- statements per operation --------------------------------------------------------------------


TX_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


def count_statements(
    op: Op, sample: int, n_items: int, rng: random.Random, held: Counter[int]
) -> float:
    """Single-threaded operations under CaptureQueriesContext: SQL + BEGIN/COMMIT per operation."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: list[int] = []
    for n in range(sample):
        index = rng.randrange(n_items)
        with CaptureQueriesContext(connection) as captured:
            if not op(index, 900_000_000 + n):
                raise RuntimeError("a statement-count sample was refused for lack of stock")
        held[index] += 1
        counts.append(len(captured.captured_queries))
    return statistics.fmean(counts)


# --- checks --------------------------------------------------------------------------------------


def check_positions(fx: Fixture, expected: Counter[int]) -> list[str]:
    """Each bench position's `reserved` must equal the reservations this script made."""
    from wms.inventory.models import StockPosition

    index = {item.pk: i for i, item in enumerate(fx.items)}
    found = {
        index[item_id]: reserved
        for item_id, reserved in StockPosition.objects.filter(
            warehouse=fx.warehouse, item__in=fx.items
        ).values_list("item_id", "reserved")
    }
    return [
        f"position of {fx.items[i].sku}: reserved {found.get(i, 0)}, this script made {expected[i]}"
        for i in range(len(fx.items))
        if found.get(i, 0) != expected[i]
    ]


def check_raw(url: str, ids: list[int], expected: Counter[int]) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, reserved FROM bench_raw_position").fetchall()
    found: dict[int, int] = {int(row_id): int(reserved) for row_id, reserved in rows}
    return [
        f"scratch row {row}: reserved {found.get(row)}, expected {expected[i]}"
        for i, row in enumerate(ids)
        if found.get(row) != expected[i]
    ]


def release_bare(fx: Fixture, held: Counter[int]) -> None:
    """Give back what the RESERVE rounds held: that layer writes no Reservation rows."""
    from django.db import transaction

    from wms.inventory import reservations

    if held:
        # release() does not open a transaction of its own (reserve() does): see the report.
        with transaction.atomic():
            reservations.release(
                held={fx.key(i): n for i, n in held.items()}, cause="bench release"
            )


# --- report --------------------------------------------------------------------------------------


@dataclass
class Round:
    mode: str
    path: str
    workers: int
    ops: int
    service_s: float
    raw_ops: int
    raw_s: float
    deadlocks: int
    raw_deadlocks: int
    short: int

    @property
    def service_rate(self) -> float:
        return self.ops / self.service_s

    @property
    def raw_rate(self) -> float:
        return self.raw_ops / self.raw_s


def print_table(rounds: list[Round], statements: dict[str, float]) -> None:
    header = (
        f"{'mode':>6}  {'path':>7}  {'workers':>7}  {'ops':>5}  {'service/s':>9}  {'raw tx/s':>8}  "
        f"{'service/raw':>11}  {'slower':>7}  {'stmts/op':>8}  {'deadlocks svc/raw':>17}  "
        f"{'short':>5}"
    )
    print(header)
    print("-" * len(header))
    for r in rounds:
        ratio = r.service_rate / r.raw_rate
        print(
            f"{r.mode:>6}  {r.path:>7}  {r.workers:>7}  {r.ops:>5}  {r.service_rate:>9.0f}  "
            f"{r.raw_rate:>8.0f}  {ratio:>11.3f}  {1 / ratio:>6.1f}x  {statements[r.path]:>8.1f}  "
            f"{f'{r.deadlocks}/{r.raw_deadlocks}':>17}  {r.short:>5}"
        )
    print(
        "service/s: reserve() calls or imported orders per second; raw tx/s: conditional UPDATE "
        "transactions per second (same mode, workers and database). stmts/op = SQL statements + "
        "BEGIN/COMMIT per service operation (CaptureQueriesContext); raw: 1 + BEGIN/COMMIT = 3."
    )


def parse_workers(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--workers takes numbers like 1,4, not {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("--workers needs one or more counts of at least 1")
    return values


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--ops", type=int, default=1000, help="reserve() and raw ops per round")
    parser.add_argument("--import-ops", type=int, default=200, help="orders per round (0: skip)")
    parser.add_argument("--workers", type=parse_workers, default=[1, 4], help="rounds, e.g. 1,4")
    parser.add_argument("--items", type=int, default=200, help="SKUs of the spread mode")
    parser.add_argument("--units", type=int, default=1_000_000, help="units stocked per SKU")
    parser.add_argument("--sample", type=int, default=20, help="ops counted for statements")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.ops < 1 or args.import_ops < 0 or args.sample < 1 or args.items < 1:
        parser.error("--ops, --sample and --items must be at least 1, --import-ops at least 0")
    demand = (args.ops + args.import_ops) * len(args.workers) + 2 * args.sample
    if args.units < demand:
        parser.error(f"--units must be at least {demand} so that no operation can run short")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = _pg.database_url(DEFAULT_URL, bench="bench/reservations.py")
    _pg.bootstrap(url, bench="bench/reservations.py")
    from wms.inventory.reconcile import verify

    started = time.perf_counter()
    fx = build_fixture(args.items, args.units)
    print(
        f"warehouse {fx.tag}: {args.items} SKUs x {args.units} units at one pick face, channels "
        f"{', '.join(CHANNELS)} (buffer 0); setup {time.perf_counter() - started:.1f}s"
    )
    rng = random.Random(args.seed)
    paths = ["reserve", "import"] if args.import_ops else ["reserve"]
    held: dict[str, Counter[int]] = {p: Counter() for p in PATHS}
    statements: dict[str, float] = {}
    ids = create_raw_table(url, args.items, args.units)
    raw_held: Counter[int] = Counter()
    rounds: list[Round] = []
    released = False
    try:
        for path in paths:
            op_for = reserve_op(fx) if path == "reserve" else import_op(fx, "s")
            statements[path] = count_statements(op_for(0), args.sample, args.items, rng, held[path])
        for m, mode in enumerate(MODES):
            n_items = 1 if mode == "hot" else args.items
            for r, workers in enumerate(args.workers):
                seed = args.seed + 100 * m + r
                raw_s, raw = run_batch(
                    raw_worker(url, ids, n_items), workers, args.ops, seed, raw_held
                )
                for path in paths:
                    ops = args.ops if path == "reserve" else args.import_ops
                    label = f"{mode[0]}{workers}"
                    op_for = reserve_op(fx) if path == "reserve" else import_op(fx, label)
                    svc_s, svc = run_batch(
                        service_worker(op_for, n_items), workers, ops, seed, held[path]
                    )
                    rounds.append(
                        Round(
                            mode,
                            path,
                            workers,
                            ops,
                            svc_s,
                            args.ops,
                            raw_s,
                            svc.deadlocks,
                            raw.deadlocks,
                            svc.short + raw.short,
                        )
                    )
        raw_problems = check_raw(url, ids, raw_held)
        problems = check_positions(fx, held["reserve"] + held["import"]) + raw_problems
        release_bare(fx, held["reserve"])
        released = True
    finally:
        drop_raw_table(url)
        if not released:  # a failed run must not leave reserved units behind
            release_bare(fx, held["reserve"])

    print()
    print(f"raw baseline: psycopg {psycopg.__version__}, logged scratch table, same database")
    print_table(rounds, statements)
    print()
    deadlocks = sum(r.deadlocks + r.raw_deadlocks for r in rounds)
    short = sum(r.short for r in rounds)
    print(f"deadlocks: {deadlocks} (must be 0); refused for lack of stock: {short} (must be 0)")
    for problem in problems:
        print(f"RESERVED MISMATCH {problem}")
    report = verify()
    print(report.summary())
    for problem in report.problems[:20]:
        print(f"  {problem}")
    print(f"total {time.perf_counter() - started:.1f}s")
    return 0 if report.ok and not problems and not deadlocks and not short else 1


if __name__ == "__main__":
    sys.exit(main())
