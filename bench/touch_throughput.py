"""Touch throughput: the ledger services against a raw psycopg baseline, same database, same run.

What is measured, per round (one round per entry of `--workers`, default "1,2"):

* SERVICE — `wms.inventory.touches.move(...)` moving 1 unit between two storage locations of a fresh
  bench warehouse, each call with a new uuid4 scan id. This is the full path an RF scan takes below
  the API: validation, the scan row (idempotency gate), balance-row upsert, `SELECT … FOR UPDATE`,
  the balance `UPDATE`, the touch `INSERT` and the scan-result `UPDATE`. Reported as touches/s.
* RAW — the same number of operations, on a plain psycopg 3 connection per worker, each one
  transaction doing the minimal form of the same work on scratch tables created (and dropped) by
  this script: `UPDATE bench_raw_balance … quantity - 1 WHERE id = %s AND quantity >= 1`,
  `UPDATE bench_raw_balance … quantity + 1`, `INSERT INTO bench_raw_touch (…wms_touch's columns…)`.
  The scratch tables are ordinary (WAL-logged) tables by default, like wms_touch: an UNLOGGED table
  writes no WAL, so its COMMIT would not wait for a WAL flush and the baseline would not be
  like-for-like (`--raw-unlogged` shows that upper bound). Reported as transactions/s.

With more than one worker each worker is a thread with its own database connection, and owns a
disjoint set of items, so no two workers ever move the same stock (neither path waits on a row lock
held by the other worker). Threads share the GIL: the service path is mostly Python, so a second
worker helps it much less than it helps the raw path, which is mostly waiting on PostgreSQL.

SQL statements per touch are counted with django.test.utils.CaptureQueriesContext over a sample of
single-threaded moves. Since Django 4.2 that log also holds a "BEGIN" entry when an atomic block
turns autocommit off and a "COMMIT" entry when it commits (psycopg sends the BEGIN itself, just
before the first statement of the block); they are counted apart from the SQL statements, so the
service figure is "SQL + transaction control", like the raw one (3 statements + BEGIN + COMMIT).

The wall clock is time.perf_counter around the whole batch (all workers started together on a
barrier). At the end `wms.inventory.reconcile.verify()` proves the ledger, and the bench
warehouse's balances are compared with the stock this script expects.

Runs on PostgreSQL only, on loopback only. Run it from the repository root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/touchline_bench .venv/bin/python \
        bench/touch_throughput.py

Without DATABASE_URL it uses that URL, creating the database if it is missing, and migrates it.
Every run adds a new warehouse (a new code each time); the ledger is append-only, so the bench
database grows by --touches x rounds touches per run: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import TupleRow

# Run as a script (bench/ on sys.path) or as a module: the shared bootstrap either way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _pg

if TYPE_CHECKING:
    from wms.accounts.models import User
    from wms.catalog.models import Item
    from wms.layout.models import Location

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/touchline_bench"
BARRIER_TIMEOUT_S = 60.0

PgConnection = psycopg.Connection[TupleRow]
StockKey = tuple[int, int]  # (item index, storage-location index)


# --- bootstrap -----------------------------------------------------------------------------------


# --- the bench warehouse -------------------------------------------------------------------------


@dataclass
class Fixture:
    tag: str
    actor: User
    dock: Location
    items: list[Item]
    storage: list[Location]


def build_fixture(n_locations: int, n_items: int) -> Fixture:
    """A fresh warehouse, client, supervisor and items, created through the real services."""
    from wms.accounts.models import Role, User
    from wms.catalog import services as catalog
    from wms.catalog.models import Client
    from wms.layout import services as layout
    from wms.layout.models import LocationType

    tag = _pg.unique_code("B")
    warehouse = layout.create_warehouse(code=tag, name=f"Bench {tag}", time_zone="UTC")
    dock = layout.create_location(warehouse=warehouse, code="DOCK-01", type=LocationType.DOCK)
    storage = [
        layout.create_location(
            warehouse=warehouse, code=f"S-{n:03d}", type=LocationType.STORAGE, sequence=n
        )
        for n in range(1, n_locations + 1)
    ]
    # No client service exists (seed_demo creates clients directly too).
    client = Client.objects.create(code=_pg.unique_code("C"), name=f"Bench client {tag}")
    actor = User.objects.create_user(username=f"bench-{tag.lower()}", role=Role.SUPERVISOR)
    items = [
        catalog.create_item(client=client, sku=f"{tag}-{n:03d}", description=f"Bench item {n}")
        for n in range(1, n_items + 1)
    ]
    return Fixture(tag=tag, actor=actor, dock=dock, items=items, storage=storage)


def stock_up(fx: Fixture, units: int, spread: int, rng: random.Random) -> StockMap:
    """Receive `units` of every item into the dock, then stow them over `spread` storage places."""
    from wms.inventory import touches
    from wms.inventory.ledger import ScanContext

    stock = StockMap(n_locations=len(fx.storage))
    for i, item in enumerate(fx.items):
        touches.receive(
            ScanContext(uuid.uuid4(), fx.actor, "bench"),
            item=item,
            quantity=units,
            location=fx.dock,
            reference=f"BENCH-{fx.tag}",
        )
        places = rng.sample(range(len(fx.storage)), spread)
        for n, loc in enumerate(places):
            qty = units // spread + (units % spread if n == 0 else 0)
            touches.stow(
                ScanContext(uuid.uuid4(), fx.actor, "bench"),
                item=item,
                quantity=qty,
                from_location=fx.dock,
                to_location=fx.storage[loc],
            )
            stock.add((i, loc), qty)
    return stock


# --- where the stock is --------------------------------------------------------------------------


@dataclass
class StockMap:
    """Units per (item, location), kept in step with every successful move.

    Workers own disjoint items, so concurrent workers never touch the same keys.
    """

    n_locations: int
    qty: dict[StockKey, int] = field(default_factory=dict)
    holders: dict[int, list[int]] = field(default_factory=dict)

    def add(self, key: StockKey, units: int) -> None:
        item, loc = key
        before = self.qty.get(key, 0)
        self.qty[key] = before + units
        places = self.holders.setdefault(item, [])
        if before <= 0 < self.qty[key]:
            places.append(loc)
        elif self.qty[key] <= 0 < before:
            places.remove(loc)

    def pick(self, rng: random.Random, items: Sequence[int]) -> tuple[int, int, int]:
        """A random (item, from, to) with at least one unit at `from`."""
        item = rng.choice(items)
        src = rng.choice(self.holders[item])
        dst = rng.randrange(self.n_locations - 1)
        return item, src, dst if dst < src else dst + 1

    def moved(self, item: int, src: int, dst: int) -> None:
        self.add((item, src), -1)
        self.add((item, dst), 1)

    def copy(self) -> StockMap:
        return StockMap(
            self.n_locations, dict(self.qty), {k: list(v) for k, v in self.holders.items()}
        )


# --- running a batch on N threads ----------------------------------------------------------------

Worker = Callable[[list[int], int, random.Random, threading.Barrier], None]


def run_batch(worker: Worker, n_items: int, workers: int, ops: int, seed: int) -> float:
    """Start `workers` threads together; return the wall-clock seconds until all have finished."""
    barrier = threading.Barrier(workers + 1, timeout=BARRIER_TIMEOUT_S)
    shares = [ops // workers + (1 if w < ops % workers else 0) for w in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(
                worker,
                list(range(w, n_items, workers)),
                shares[w],
                random.Random(seed * 1000 + w),
                barrier,
            )
            for w in range(workers)
        ]
        barrier.wait()
        start = time.perf_counter()
        for future in futures:
            future.result()  # re-raises a worker's exception, with its traceback
        return time.perf_counter() - start


def service_worker(fx: Fixture, stock: StockMap) -> Worker:
    from django.db import connection

    from wms.inventory import touches
    from wms.inventory.ledger import ScanContext

    def work(items: list[int], ops: int, rng: random.Random, barrier: threading.Barrier) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            for _ in range(ops):
                item, src, dst = stock.pick(rng, items)
                touches.move(
                    ScanContext(uuid.uuid4(), fx.actor, "bench"),
                    item=fx.items[item],
                    quantity=1,
                    from_location=fx.storage[src],
                    to_location=fx.storage[dst],
                )
                stock.moved(item, src, dst)
        except BaseException:
            barrier.abort()
            raise
        finally:
            connection.close()

    return work


# --- the raw psycopg baseline --------------------------------------------------------------------

RAW_TABLES = """
CREATE {kind} TABLE bench_raw_balance (
    id bigserial PRIMARY KEY,
    client_id bigint NOT NULL,
    item_id bigint NOT NULL,
    lot_id bigint,
    location_id bigint NOT NULL,
    container_id bigint,
    status varchar(20) NOT NULL,
    quantity integer NOT NULL CHECK (quantity >= 0)
);
CREATE {kind} TABLE bench_raw_touch (
    id bigserial PRIMARY KEY,
    scan_id uuid NOT NULL,
    kind varchar(20) NOT NULL,
    client_id bigint NOT NULL,
    item_id bigint NOT NULL,
    lot_id bigint,
    serial varchar(80) NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    from_location_id bigint NOT NULL,
    from_container_id bigint,
    from_status varchar(20) NOT NULL,
    to_location_id bigint NOT NULL,
    to_container_id bigint,
    to_status varchar(20) NOT NULL,
    actor_id bigint NOT NULL,
    device varchar(80) NOT NULL,
    reference varchar(80) NOT NULL,
    reason_code varchar(40) NOT NULL,
    detail jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
"""
RAW_DROP = "DROP TABLE IF EXISTS bench_raw_balance, bench_raw_touch"
RAW_TAKE = "UPDATE bench_raw_balance SET quantity = quantity - 1 WHERE id = %s AND quantity >= 1"
RAW_PUT = "UPDATE bench_raw_balance SET quantity = quantity + 1 WHERE id = %s"
RAW_TOUCH = """
INSERT INTO bench_raw_touch (scan_id, kind, client_id, item_id, lot_id, serial, quantity,
    from_location_id, from_container_id, from_status, to_location_id, to_container_id, to_status,
    actor_id, device, reference, reason_code, detail, created_at)
VALUES (%s, 'move', %s, %s, NULL, '', 1, %s, NULL, 'available', %s, NULL, 'available',
    %s, 'bench', '', '', '{}', now())
"""


def create_raw_tables(
    url: str, fx: Fixture, stock: StockMap, unlogged: bool
) -> dict[StockKey, int]:
    """Scratch balance rows, one per (item, storage location), holding the stock in `stock`."""
    ids: dict[StockKey, int] = {}
    with psycopg.connect(url) as conn:
        conn.execute(RAW_DROP)
        conn.execute(RAW_TABLES.format(kind="UNLOGGED" if unlogged else ""))
        with conn.cursor() as cur:
            for i, item in enumerate(fx.items):
                for loc, location in enumerate(fx.storage):
                    row = cur.execute(
                        "INSERT INTO bench_raw_balance (client_id, item_id, location_id, status,"
                        " quantity) VALUES (%s, %s, %s, 'available', %s) RETURNING id",
                        [item.client_id, item.pk, location.pk, stock.qty.get((i, loc), 0)],
                    ).fetchone()
                    assert row is not None
                    ids[(i, loc)] = int(row[0])
    return ids


def drop_raw_tables(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(RAW_DROP)


def raw_worker(url: str, fx: Fixture, stock: StockMap, ids: dict[StockKey, int]) -> Worker:
    def work(items: list[int], ops: int, rng: random.Random, barrier: threading.Barrier) -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
                barrier.wait()
                for _ in range(ops):
                    item, src, dst = stock.pick(rng, items)
                    raw_move(conn, cur, (ids[(item, src)], ids[(item, dst)]), fx, item, src, dst)
                    stock.moved(item, src, dst)
        except BaseException:
            barrier.abort()
            raise

    return work


def raw_move(
    conn: PgConnection,
    cur: psycopg.Cursor[TupleRow],
    rows: tuple[int, int],
    fx: Fixture,
    item: int,
    src: int,
    dst: int,
) -> None:
    """One transaction: BEGIN, take one unit, put one unit, record the touch, COMMIT."""
    with conn.transaction():
        cur.execute(RAW_TAKE, [rows[0]])
        if cur.rowcount != 1:
            raise RuntimeError(f"raw baseline: no unit in scratch balance row {rows[0]}")
        cur.execute(RAW_PUT, [rows[1]])
        cur.execute(
            RAW_TOUCH,
            [
                uuid.uuid4(),
                fx.items[item].client_id,
                fx.items[item].pk,
                fx.storage[src].pk,
                fx.storage[dst].pk,
                fx.actor.pk,
            ],
        )


# --- statements per touch ------------------------------------------------------------------------


TX_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}
TABLE_RE = re.compile(r"\b(?:FROM|INTO|UPDATE) (\w+)")
CLAUSES = ("ON CONFLICT DO NOTHING", "FOR UPDATE", "RETURNING", "CASE WHEN", "LIMIT 1")


@dataclass
class StatementCount:
    sql_per_touch: float
    tx_per_touch: float
    shape: list[str]


def count_statements(
    fx: Fixture, stock: StockMap, sample: int, rng: random.Random
) -> StatementCount:
    """Single-threaded moves under CaptureQueriesContext; BEGIN/COMMIT entries counted apart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wms.inventory import touches
    from wms.inventory.ledger import ScanContext

    sql_counts: list[int] = []
    tx_counts: list[int] = []
    shape: list[str] = []
    everything = list(range(len(fx.items)))
    for _ in range(sample):
        item, src, dst = stock.pick(rng, everything)
        with CaptureQueriesContext(connection) as captured:
            touches.move(
                ScanContext(uuid.uuid4(), fx.actor, "bench"),
                item=fx.items[item],
                quantity=1,
                from_location=fx.storage[src],
                to_location=fx.storage[dst],
            )
        stock.moved(item, src, dst)
        shape = [q["sql"] for q in captured.captured_queries]
        tx_counts.append(sum(1 for text in shape if text in TX_CONTROL))
        sql_counts.append(len(shape) - tx_counts[-1])
    return StatementCount(statistics.fmean(sql_counts), statistics.fmean(tx_counts), shape)


def statement_label(text: str) -> str:
    """'INSERT wms_balance ON CONFLICT DO NOTHING'-style summary of one captured statement."""
    flat = " ".join(text.replace('"', "").split())
    verb = flat.split(" ", 1)[0] if flat else "?"
    table = TABLE_RE.search(flat)
    extras = [clause for clause in CLAUSES if clause in flat]
    return " ".join([verb, table.group(1) if table else "", *extras]).replace("  ", " ").strip()


# --- checks --------------------------------------------------------------------------------------


def check_service_stock(fx: Fixture, stock: StockMap) -> list[str]:
    """The bench warehouse's storage balances must equal what this script moved."""
    from wms.inventory.models import Balance

    index = {item.pk: i for i, item in enumerate(fx.items)}
    places = {loc.pk: n for n, loc in enumerate(fx.storage)}
    found: dict[StockKey, int] = {}
    rows = Balance.objects.filter(location__in=fx.storage).values_list(
        "item_id", "location_id", "quantity"
    )
    for item_id, location_id, quantity in rows:
        found[(index[item_id], places[location_id])] = quantity
    expected = {k: v for k, v in stock.qty.items() if v}
    actual = {k: v for k, v in found.items() if v}
    return [
        f"item {fx.items[k[0]].sku} at {fx.storage[k[1]].code}: expected "
        f"{expected.get(k, 0)}, balance says {actual.get(k, 0)}"
        for k in sorted(set(expected) | set(actual))
        if expected.get(k, 0) != actual.get(k, 0)
    ]


def check_raw_stock(url: str, stock: StockMap, ids: dict[StockKey, int]) -> list[str]:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT id, quantity FROM bench_raw_balance").fetchall()
    rows: dict[int, int] = {int(row_id): int(qty) for row_id, qty in found}
    return [
        f"scratch row {row}: expected {stock.qty.get(key, 0)}, found {rows.get(row)}"
        for key, row in ids.items()
        if rows.get(row) != stock.qty.get(key, 0)
    ]


# --- report --------------------------------------------------------------------------------------


@dataclass
class Round:
    workers: int
    service_s: float
    raw_s: float
    ops: int

    @property
    def service_rate(self) -> float:
        return self.ops / self.service_s

    @property
    def raw_rate(self) -> float:
        return self.ops / self.raw_s


def print_table(rounds: list[Round], statements: StatementCount) -> None:
    sql, tx = statements.sql_per_touch, statements.tx_per_touch
    svc = f"{sql:.1f} + {tx:.1f} = {sql + tx:.1f}"
    raw = "3 + 2 = 5"
    header = (
        f"{'workers':>7}  {'ops':>6}  {'service touch/s':>15}  {'raw tx/s':>9}  "
        f"{'service/raw':>11}  {'slower':>7}  {'stmts/touch svc':>17}  {'stmts/tx raw':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in rounds:
        ratio = r.service_rate / r.raw_rate
        print(
            f"{r.workers:>7}  {r.ops:>6}  {r.service_rate:>15.0f}  {r.raw_rate:>9.0f}  "
            f"{ratio:>11.3f}  {1 / ratio:>6.1f}x  {svc:>17}  {raw:>12}"
        )
    print(
        "stmts = SQL statements + transaction control (BEGIN, COMMIT) = round trips; service "
        "figures from CaptureQueriesContext (it logs BEGIN/COMMIT too, counted apart), raw "
        "figures are what the script sends."
    )


def parse_workers(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--workers takes numbers like 1,2, not {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("--workers needs one or more counts of at least 1")
    return values


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--touches", type=int, default=3000, help="operations per round and path")
    parser.add_argument("--workers", type=parse_workers, default=[1, 2], help="rounds, e.g. 1,2")
    parser.add_argument("--locations", type=int, default=40, help="storage locations")
    parser.add_argument("--items", type=int, default=20, help="items (split among workers)")
    parser.add_argument("--units", type=int, default=400, help="units received per item")
    parser.add_argument("--spread", type=int, default=4, help="locations each item is stowed to")
    parser.add_argument("--sample", type=int, default=50, help="moves counted for statements")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--raw-unlogged", action="store_true", help="UNLOGGED scratch tables (no WAL flush)"
    )
    args = parser.parse_args(argv)
    if args.touches < 1 or args.sample < 1:
        parser.error("--touches and --sample must be at least 1")
    if args.items < max(args.workers):
        parser.error("--items must be at least the largest --workers (workers own items)")
    if not 2 <= args.spread <= args.locations:
        parser.error("--spread must be between 2 and --locations")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = _pg.database_url(DEFAULT_URL, bench="touch_throughput")
    _pg.bootstrap(url, bench="touch_throughput")
    from wms.inventory.reconcile import verify

    rng = random.Random(args.seed)
    started = time.perf_counter()
    fx = build_fixture(args.locations, args.items)
    stock = stock_up(fx, args.units, args.spread, rng)
    print(
        f"warehouse {fx.tag}: {args.locations} storage locations, {args.items} items x "
        f"{args.units} units; setup {time.perf_counter() - started:.1f}s"
    )
    statements = count_statements(fx, stock, args.sample, rng)
    print(f"statements of one service move ({len(statements.shape)}):")
    for text in statements.shape:
        print(f"  {statement_label(text)}")

    raw_stock = stock.copy()
    ids = create_raw_tables(url, fx, raw_stock, args.raw_unlogged)
    rounds: list[Round] = []
    try:
        for n, workers in enumerate(args.workers):
            seed = args.seed + n
            svc_s = run_batch(service_worker(fx, stock), args.items, workers, args.touches, seed)
            raw_s = run_batch(
                raw_worker(url, fx, raw_stock, ids), args.items, workers, args.touches, seed
            )
            rounds.append(Round(workers, svc_s, raw_s, args.touches))
        raw_problems = check_raw_stock(url, raw_stock, ids)
    finally:
        drop_raw_tables(url)

    print()
    kind = "UNLOGGED" if args.raw_unlogged else "logged"
    print(f"raw baseline: psycopg {psycopg.__version__}, {kind} scratch tables, same database")
    print_table(rounds, statements)
    print()
    problems = check_service_stock(fx, stock) + raw_problems
    for problem in problems:
        print(f"STOCK MISMATCH {problem}")
    report = verify()
    print(report.summary())
    for problem in report.problems[:20]:
        print(f"  {problem}")
    print(f"total {time.perf_counter() - started:.1f}s")
    return 0 if report.ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
