"""RF scan server time: N concurrent simulated scanners picking through a real web server, next to
a no-op view through the same middleware in the same run.

What is measured. A gunicorn server (`gunicorn wms.wsgi:application --workers <--workers, default
2> --threads <--threads, default = --scanners>`, DEBUG off, its own random SECRET_KEY, on a free
loopback port) serves `--scanners` client threads (default 8). Each thread is one operator: it signs
in the way a scanner does (GET /rf/signin/ for the CSRF cookie; POST its badge; POST the bench
warehouse's code to /rf/warehouse/; GET the menu), then picks `--warmup` (default 1, not counted)
and `--picks` (default 25) tasks, each as the pick screen asks for it:

    GET  /rf/pick/                      the next task (claimed for this operator)  -> step location
    POST location code shown on screen  (the `location` scan)                      -> step item
    POST the GTIN of the item shown     (the `item` scan: 1 unit counted)          -> step quantity
    POST the quantity shown ("Pick")    (the `quantity` scan)                      -> step tote
    POST a fresh, empty tote's barcode  (the `tote` scan: the commit — confirm_pick, the pick
                                         touch, reservation and line counters, the order's state,
                                         and the claim of the operator's next task)

Every POST is what htmx sends: form fields `state` (the signed state of the last screen), `value`,
`action` (empty) and `scan_id` (a new uuid4), headers `HX-Request: true` and `X-CSRFToken`; the
answer is the screen fragment. After every scan POST the same thread POSTs /rf/ping/ once (204: the
session, CSRF, auth and every other middleware, no work) — the NO-OP, measured at the same
concurrency as the scans, in the same run, on the same connections.

SERVER TIME is the `Server-Timing: app;dur=<ms>` header (wms/middleware.py: perf_counter around
the whole middleware stack, the view and the template; not gunicorn's parsing, not the loopback).
The client's round trip (perf_counter around request and response read) is printed for
information. Reported per scan step, for all scans together and for the no-op: count, p50, p95,
p99 and max (linear interpolation between ranks), and the ratios scan/no-op at p50, p95 and p99;
scans/s is the number of counted scans over the wall-clock time from the moment all scanners have
signed in and warmed up (a barrier) to the last one finishing.

THINK TIME (`--think`, default 0): with 0 every scanner fires its next scan the moment the last one
answers — a saturation test of 2 cores, where server time is mostly waiting for the CPU. With
`--think 1.0` each operator pauses 0.5–1.5 s after each scan, as a person reaching for the next
barcode does; server time is then the time a scan costs, not the queue.

Every response must be the expected one (status 200 and green: `data-tone="ok"` on the expected
`data-step`; 204 for a ping): a red, amber or unexpected screen stops every scanner, is printed, and
the run exits 1. A keep-alive connection the server dropped between requests is reopened and the
request sent again with the same scan id (applied once by design); such retries are counted.

The data (seeded through the real services before the server starts, in a new warehouse and client
named with unique_code): `--faces` pick faces (default 40), a dock and a pack station; one item per
order (so concurrent pickers rarely meet on a balance or position row), each with a GTIN-12 and
2 × `--qty` units received at the dock and stowed to a pick face (round robin); one one-line order
of `--qty` units (default 2) per pick to be made (plus one per scanner for the task each claims
after its last commit, plus `--sample` + 1), all released in one wave; one operator per scanner
with a badge; one empty tote at the pack station per pick (a tote holding another order's units is
refused, so each pick goes into a fresh one). The bench warehouse need not be the only active one.

QUERIES. After the concurrent run, `--sample` pick sequences (default 5) run in this process with
django.test.Client (same middleware, one at a time) under CaptureQueriesContext: the SQL statements
(+ BEGIN/COMMIT/SAVEPOINT) per step; the median Server-Timing of each step alone, without
concurrency (the debug cursor that counts the queries adds a little to it); and the median CPU time
of the Django thread per request (time.thread_time: Python's own work, which waiting for PostgreSQL
or for a busy machine does not inflate; PostgreSQL's CPU is not in it).

The load average of the machine is printed with the figures: on a shared 2-core machine the server,
the 8 client threads and PostgreSQL compete for the same cores (and, inside each gunicorn worker,
its threads for one GIL), and both count in Server-Timing.

Checks at the end: every tote a scanner committed holds the one task it was scanned for, DONE with
all its units picked; the wave's DONE tasks, the warehouse's pick touches and the scanners'
RfSubmission rows equal the picks and scans made; `wms.inventory.reconcile.verify()` is ok. The
exit status is 1 on any failure.

Runs on PostgreSQL only, on loopback only. Run it from the repository root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/touchline_rf_bench .venv/bin/python \
        bench/rf_scans.py

Without DATABASE_URL it uses that URL, creating the database if it is missing, and migrates it.
Every run adds a new warehouse, client, items, orders and users: point it at a scratch database.
The defaults take 1–2 minutes on 2 cores, about a third of it the setup (some 220 items stocked
and orders imported through the services).
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

# Run as a script (bench/ on sys.path) or as a module: the shared bootstrap either way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _pg

if TYPE_CHECKING:
    from wms.accounts.models import User
    from wms.layout.models import Warehouse
    from wms.orders.models import Wave

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/touchline_rf_bench"
BENCH = "bench/rf_scans.py"
STEPS = ("location", "item", "quantity", "tote")
NEXT_STEP = {"location": ("item",), "item": ("quantity",), "quantity": ("tote",)}
AFTER_COMMIT = ("location", "idle")  # the next task, or none left
START_TIMEOUT_S = 60.0
BARRIER_TIMEOUT_S = 300.0
HTTP_TIMEOUT_S = 60.0
ADDRESS = {
    "name": "Bench Buyer",
    "line1": "1 Main St",
    "city": "New York",
    "region": "NY",
    "postal_code": "10001",
    "country": "US",
}
NAN = float("nan")
TIMING = re.compile(r"app;dur=([0-9.]+)")


# --- the bench warehouse -------------------------------------------------------------------------


@dataclass
class Operator:
    username: str
    badge: str
    totes: list[str]  # one fresh, empty tote per pick this operator will make


@dataclass
class Fixture:
    tag: str
    warehouse: Warehouse
    wave: Wave
    gtin_of: dict[str, str]  # SKU -> GTIN-12
    operators: list[Operator]
    sampler: User  # the in-process operator of the query counts
    sample_totes: list[str]
    tasks: int


def gtin12(n: int) -> str:
    from stdnum import ean

    body = f"8{n:010d}"  # 11 digits; the check digit makes the UPC-A (tests/factories.py gtin())
    return body + str(ean.calc_check_digit(body))


def build_fixture(args: argparse.Namespace) -> Fixture:
    """Warehouse, stocked items, released one-line orders, operators with badges, empty totes."""
    from django.db import transaction

    from wms.accounts.models import Role, User
    from wms.catalog import services as catalog
    from wms.catalog.models import Client, IdentifierKind
    from wms.inventory import touches
    from wms.inventory.ledger import ScanContext
    from wms.layout import services as layout
    from wms.layout.models import ContainerType, LocationType
    from wms.orders.fulfilment import release_wave
    from wms.orders.models import CarrierService, Order, OrderState, PickTask
    from wms.orders.services import LineIn, import_order

    tag = _pg.unique_code("F")
    picks = args.scanners * (args.picks + args.warmup)
    n_orders = picks + args.scanners + args.sample + 1  # each scanner claims one after its last
    warehouse = layout.create_warehouse(code=tag, name=f"RF bench {tag}", time_zone="UTC")
    dock = layout.create_location(warehouse=warehouse, code="DOCK-01", type=LocationType.DOCK)
    pack = layout.create_location(
        warehouse=warehouse, code="PACK-01", type=LocationType.PACK_STATION
    )
    faces = [
        layout.create_location(
            warehouse=warehouse,
            code=f"P-{f + 1:03d}",
            type=LocationType.PICK_FACE,
            sequence=10 * (f + 1),
        )
        for f in range(args.faces)
    ]
    client = Client.objects.create(code=_pg.unique_code("C"), name=f"RF bench client {tag}")
    supervisor = User.objects.create_user(username=f"rfsup-{tag.lower()}", role=Role.SUPERVISOR)
    service, _ = CarrierService.objects.get_or_create(
        code="UPS_GROUND", defaults={"carrier": "UPS", "name": "UPS Ground"}
    )
    gtin_of: dict[str, str] = {}
    for n in range(n_orders):
        sku = f"{tag}-{n:04d}"
        with transaction.atomic():  # one commit per item instead of four
            item = catalog.create_item(client=client, sku=sku, description=f"Bench item {n}")
            catalog.add_identifier(item=item, kind=IdentifierKind.GTIN, value=gtin12(n))
            ctx = ScanContext(uuid.uuid4(), supervisor, "bench")
            touches.receive(
                ctx, item=item, quantity=2 * args.qty, location=dock, reference=f"RF-{tag}"
            )
            touches.stow(
                ScanContext(uuid.uuid4(), supervisor, "bench"),
                item=item,
                quantity=2 * args.qty,
                from_location=dock,
                to_location=faces[n % len(faces)],
            )
        import_order(
            client=client,
            channel="shopify",
            external_id=f"{tag}-{n:05d}",
            ship_to=ADDRESS,
            service=service,
            lines=[LineIn(item, args.qty)],
        )
        gtin_of[sku] = gtin12(n)
    reserved = Order.objects.filter(client=client, state=OrderState.RESERVED).count()
    if reserved != n_orders:
        sys.exit(f"setup: {reserved} of {n_orders} bench orders were reserved")
    wave = release_wave(warehouse=warehouse, actor=supervisor, max_orders=n_orders)
    if wave is None:
        sys.exit("setup: release_wave released nothing")
    tasks = PickTask.objects.filter(wave=wave).count()
    if tasks != n_orders:
        sys.exit(f"setup: the wave has {tasks} pick tasks for {n_orders} orders")

    def totes(prefix: str, count: int) -> list[str]:
        barcodes = [f"T{tag}{prefix}{i:04d}" for i in range(count)]
        for barcode in barcodes:
            layout.create_container(
                warehouse=warehouse, type=ContainerType.TOTE, barcode=barcode, location=pack
            )
        return barcodes

    operators = []
    for s in range(args.scanners):
        username = f"rf-{tag.lower()}-{s:02d}"
        badge = f"B{tag}{s:03d}"
        User.objects.create_user(username=username, role=Role.OPERATOR, badge=badge)
        operators.append(Operator(username, badge, totes(f"S{s:02d}", args.picks + args.warmup)))
    sampler = User.objects.create_user(username=f"rf-{tag.lower()}-q", role=Role.OPERATOR)
    return Fixture(
        tag, warehouse, wave, gtin_of, operators, sampler, totes("Q", args.sample), tasks
    )


# --- the web server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, port: int, workers: int, threads: int, run_dir: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    env = dict(os.environ)
    env.pop("TOUCHLINE_TESTING", None)  # production settings: the real password hashers
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="wms.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        TOUCHLINE_RUN_DIR=str(run_dir),  # its own (unused) Celery file broker, not the repo's
        LOG_LEVEL="WARNING",
    )
    log = run_dir / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "wms.wsgi:application",
        "-b",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        # A fixed command: this interpreter's gunicorn on loopback, no input from outside.
        proc = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return proc, log


def wait_until_up(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/rf/signin/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S:.0f}s:\n{tail(log)}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- a scanner, as htmx talks to the server ------------------------------------------------------


class Failed(Exception):
    """An unexpected answer: the run stops."""


@dataclass
class Shown:
    status: int
    tone: str
    step: str
    state: str
    message: str
    prompt: str
    facts: dict[str, str]
    location: str  # the Location header of a redirect


def parse(status: int, body: str, location: str = "") -> Shown:
    # The screen wraps each code in a span that keeps it on one line; the bench reads the text.
    body = re.sub(r'<span class="rf-code">(.*?)</span>', r"\1", body)

    def first(pattern: str) -> str:
        m = re.search(pattern, body, re.S)
        return html.unescape(m.group(1).strip()) if m else ""

    facts = {
        html.unescape(k.strip()): html.unescape(v.strip())
        for k, v in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", body, re.S)
    }
    return Shown(
        status=status,
        tone=first(r'data-tone="([^"]*)"'),
        step=first(r'data-step="([^"]*)"'),
        state=first(r'name="state" value="([^"]*)"'),
        message=first(r'id="result"[^>]*>(.*?)</p>'),
        prompt=first(r'class="rf-prompt">(.*?)</h1>'),
        facts=facts,
        location=location,
    )


@dataclass
class Samples:
    """Server and round-trip milliseconds of one kind of request."""

    server: list[float] = field(default_factory=list)
    rtt: list[float] = field(default_factory=list)

    def add(self, other: Samples) -> None:
        self.server.extend(other.server)
        self.rtt.extend(other.rtt)


KINDS = (*STEPS, "ping", "open")


class Scanner:
    def __init__(self, port: int, operator: Operator, fx: Fixture, think: float = 0.0) -> None:
        self.think = think
        self.port = port
        self.op = operator
        self.fx = fx
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
        self.cookies: dict[str, str] = {}
        self.samples: dict[str, Samples] = {k: Samples() for k in KINDS}
        self.counting = False
        self.retries = 0
        self.scans = 0
        self.commits: list[str] = []  # the totes scanned to commit a pick

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        htmx: bool = False,
    ) -> Shown:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Content-Length"] = str(len(body or b""))
        if htmx:
            headers["HX-Request"] = "true"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                rtt = (time.perf_counter() - started) * 1000
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed: the same request (same scan id).
                self.conn.close()
                if attempt == 2:
                    raise
                self.retries += 1
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        timing = TIMING.search(response.headers.get("Server-Timing", ""))
        if timing is None:
            raise Failed(f"{method} {path}: no Server-Timing header (status {response.status})")
        if self.counting:
            self.samples[kind].server.append(float(timing.group(1)))
            self.samples[kind].rtt.append(rtt)
        return parse(
            response.status, content.decode(errors="replace"), response.headers.get("Location", "")
        )

    def expect(self, what: str, shown: Shown, status: int, steps: Sequence[str], tone: str) -> None:
        if shown.status != status or shown.step not in steps or shown.tone != tone:
            raise Failed(
                f"{self.op.username} {what}: expected {status} {'/'.join(steps)} tone={tone!r}, "
                f"got {shown.status} step={shown.step!r} tone={shown.tone!r} "
                f"prompt={shown.prompt!r} message={shown.message!r} location={shown.location!r}"
            )

    def sign_in(self) -> None:
        page = self.request("signin", "GET", "/rf/signin/")
        self.expect("sign-in page", page, 200, ["badge"], "")
        form = {"state": page.state, "value": self.op.badge, "action": ""}
        shown = self.request("signin", "POST", "/rf/signin/", form)
        if shown.status != 302 or not shown.location.endswith("/rf/warehouse/"):
            raise Failed(f"{self.op.username} badge sign-in: {shown.status} {shown.message!r}")
        form = {"state": "", "value": self.fx.warehouse.code, "action": ""}
        shown = self.request("signin", "POST", "/rf/warehouse/", form)
        if shown.status != 302 or not shown.location.endswith("/rf/"):
            raise Failed(f"{self.op.username} warehouse choice: {shown.status} {shown.message!r}")
        menu = self.request("signin", "GET", "/rf/")
        if menu.status != 200:
            raise Failed(f"{self.op.username} menu: {menu.status}")

    def scan(self, kind: str, shown: Shown, value: str) -> Shown:
        form = {"state": shown.state, "value": value, "action": "", "scan_id": str(uuid.uuid4())}
        answer = self.request(kind, "POST", "/rf/pick/", form, htmx=True)
        self.scans += 1
        ping = self.request("ping", "POST", "/rf/ping/", htmx=True)
        if ping.status != 204:
            raise Failed(f"{self.op.username} ping: {ping.status}")
        if self.think:  # the operator reaching for the next barcode: 0.5–1.5 × --think
            time.sleep(self.think * random.uniform(0.5, 1.5))
        return answer

    def pick(self, n: int) -> None:
        shown = self.request("open", "GET", "/rf/pick/")
        self.expect("pick screen", shown, 200, ["location"], "")
        location = shown.facts.get("Location", "")
        sku = shown.facts.get("Item", "").split(" · ")[0]
        gtin = self.fx.gtin_of.get(sku)
        quantity = shown.facts.get("Pick", "")
        if not location or gtin is None or not quantity.isdigit():
            raise Failed(f"{self.op.username}: cannot read the task from {shown.facts}")
        for kind, value in (("location", location), ("item", gtin), ("quantity", quantity)):
            shown = self.scan(kind, shown, value)
            self.expect(f"{kind} scan {value}", shown, 200, NEXT_STEP[kind], "ok")
        tote = self.op.totes[n]
        shown = self.scan("tote", shown, tote)
        self.expect(f"tote scan {tote}", shown, 200, AFTER_COMMIT, "ok")
        self.commits.append(tote)


@dataclass
class Run:
    samples: dict[str, Samples]
    wall_s: float
    scans: int
    commits: list[str]
    retries: int
    failures: list[str]


def run_scanners(port: int, fx: Fixture, args: argparse.Namespace) -> Run:
    barrier = threading.Barrier(args.scanners + 1, timeout=BARRIER_TIMEOUT_S)
    stop = threading.Event()
    failures: list[str] = []
    scanners = [Scanner(port, op, fx, args.think) for op in fx.operators]
    finished: list[float] = []
    lock = threading.Lock()

    def work(sc: Scanner) -> None:
        try:
            sc.sign_in()
            for n in range(args.warmup):
                sc.pick(n)
            barrier.wait()
            sc.counting = True
            for n in range(args.warmup, args.warmup + args.picks):
                if stop.is_set():
                    break
                sc.pick(n)
            sc.counting = False
        except threading.BrokenBarrierError:
            pass  # another scanner failed before the start
        except Exception as exc:
            stop.set()
            barrier.abort()
            with lock:
                failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            with lock:
                finished.append(time.perf_counter())
            sc.conn.close()

    threads = [threading.Thread(target=work, args=(sc,), daemon=True) for sc in scanners]
    for t in threads:
        t.start()
    started = time.perf_counter()
    try:
        barrier.wait()
        started = time.perf_counter()
    except threading.BrokenBarrierError:
        pass
    for t in threads:
        t.join()
    samples = {k: Samples() for k in KINDS}
    for sc in scanners:
        for k in KINDS:
            samples[k].add(sc.samples[k])
    return Run(
        samples,
        max(finished, default=started) - started,
        sum(len(sc.samples[k].server) for sc in scanners for k in STEPS),
        [tote for sc in scanners for tote in sc.commits],
        sum(sc.retries for sc in scanners),
        failures,
    )


# --- queries per step, in process ----------------------------------------------------------------


@dataclass
class Alone:
    queries: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    server: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    commits: list[str] = field(default_factory=list)
    scans: int = 0


def count_queries(fx: Fixture, sample: int) -> Alone:
    """`sample` pick sequences through django.test.Client, one at a time, queries counted."""
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    alone = Alone()
    http = HttpClient(HTTP_HOST="127.0.0.1")
    http.force_login(fx.sampler)
    session = http.session
    session["rf_warehouse"] = fx.warehouse.pk
    session["rf_warehouse_code"] = fx.warehouse.code
    session.save()

    def measured(kind: str, method: str, path: str, data: dict[str, str] | None = None) -> Shown:
        with CaptureQueriesContext(connection) as captured:
            cpu = time.thread_time()
            if method == "GET":
                response = http.get(path)
            else:
                response = http.post(path, data or {}, headers={"HX-Request": "true"})
            alone.cpu[kind].append((time.thread_time() - cpu) * 1000)
        alone.queries[kind].append(len(captured.captured_queries))
        timing = TIMING.search(response.headers.get("Server-Timing", ""))
        alone.server[kind].append(float(timing.group(1)) if timing else float("nan"))
        return parse(response.status_code, response.content.decode())

    for n in range(sample):
        shown = measured("open", "GET", "/rf/pick/")
        if shown.step != "location":
            raise Failed(f"in-process pick {n}: the pick screen shows {shown.step!r}")
        sku = shown.facts.get("Item", "").split(" · ")[0]
        values = {
            "location": shown.facts.get("Location", ""),
            "item": fx.gtin_of.get(sku, ""),
            "quantity": shown.facts.get("Pick", ""),
            "tote": fx.sample_totes[n],
        }
        for kind in STEPS:
            form = {"state": shown.state, "value": values[kind], "action": ""}
            form["scan_id"] = str(uuid.uuid4())
            shown = measured(kind, "POST", "/rf/pick/", form)
            alone.scans += 1
            expected = NEXT_STEP.get(kind, AFTER_COMMIT)
            if shown.tone != "ok" or shown.step not in expected:
                raise Failed(
                    f"in-process {kind} scan {values[kind]}: step={shown.step!r} "
                    f"tone={shown.tone!r} message={shown.message!r}"
                )
            if measured("ping", "POST", "/rf/ping/").status != 204:
                raise Failed("in-process ping: not 204")
        alone.commits.append(fx.sample_totes[n])
    return alone


# --- checks --------------------------------------------------------------------------------------


def check_picks(fx: Fixture, commits: list[str], scans: int, qty: int) -> list[str]:
    from wms.accounts.models import User
    from wms.floor.models import RfSubmission
    from wms.inventory.models import Touch, TouchKind
    from wms.orders.models import PickTask, TaskState

    problems = []
    tasks: dict[str, list[tuple[str, int, int]]] = {}
    for barcode, state, picked, quantity in PickTask.objects.filter(
        wave=fx.wave, tote__barcode__in=commits
    ).values_list("tote__barcode", "state", "picked", "quantity"):
        tasks.setdefault(barcode, []).append((state, picked, quantity))
    for barcode in commits:
        found = tasks.get(barcode, [])
        if len(found) != 1 or found[0] != (TaskState.DONE, qty, qty):
            problems.append(f"tote {barcode}: tasks (state, picked, quantity) {found}")
    done = PickTask.objects.filter(wave=fx.wave, state=TaskState.DONE).count()
    if done != len(commits):
        problems.append(f"{done} tasks of the wave are DONE; {len(commits)} picks were made")
    touches = Touch.objects.filter(kind=TouchKind.PICK, from_location__warehouse=fx.warehouse)
    if touches.count() != len(commits):
        problems.append(f"{touches.count()} pick touches; {len(commits)} picks were made")
    users = User.objects.filter(username__startswith=f"rf-{fx.tag.lower()}-")
    submissions = RfSubmission.objects.filter(user__in=users, flow="pick").count()
    if submissions != scans:
        problems.append(f"{submissions} RfSubmission rows; {scans} scans were posted")
    return problems


# --- report --------------------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile, linear between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def span(counts: list[int]) -> str:
    if not counts:
        return "-"
    low, high = min(counts), max(counts)
    return f"{low}" if low == high else f"{low}-{high}"


def print_table(run: Run, alone: Alone | None) -> None:
    alone = alone or Alone()
    groups: list[tuple[str, tuple[str, ...]]] = [
        ("location", ("location",)),
        ("item", ("item",)),
        ("quantity", ("quantity",)),
        ("tote (commit)", ("tote",)),
        ("all scans", STEPS),
        ("no-op (ping)", ("ping",)),
        ("open (GET, info)", ("open",)),
    ]
    rows: list[tuple[str, Samples, list[int], list[float], list[float]]] = []
    for label, kinds in groups:
        merged = Samples()
        for kind in kinds:
            merged.add(run.samples[kind])
        queries = [q for kind in kinds for q in alone.queries[kind]]
        lone = [t for kind in kinds for t in alone.server[kind]]
        cpu = [t for kind in kinds for t in alone.cpu[kind]]
        rows.append((label, merged, queries, lone, cpu))
    ping = rows[5][1]
    header = (
        f"{'server ms':<17} {'count':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  "
        f"{'rtt p50':>7} {'rtt p95':>7}  {'queries':>7} {'alone':>6} {'cpu':>6}"
    )
    print(header)
    print("-" * len(header))
    for label, got, queries, lone, cpu in rows:
        times = got.server
        print(
            f"{label:<17} {len(times):>6} {pct(times, 50):>7.1f} {pct(times, 95):>7.1f} "
            f"{pct(times, 99):>7.1f} {max(times, default=NAN):>7.1f}  "
            f"{pct(got.rtt, 50):>7.1f} {pct(got.rtt, 95):>7.1f}  {span(queries):>7} "
            f"{median(lone):>6.1f} {median(cpu):>6.1f}"
        )
    print("-" * len(header))
    for label, kinds in (("all scans", STEPS), *((k, (k,)) for k in STEPS)):
        times = [t for kind in kinds for t in run.samples[kind].server]
        ratios = "  ".join(
            f"p{p} {pct(times, p) / pct(ping.server, p):>5.1f}x" for p in (50, 95, 99)
        )
        print(f"{label + ' / no-op':<22} {ratios}")
    print(
        "server ms: the Server-Timing header (app;dur: the whole middleware stack, view and "
        "template), at the concurrency above; rtt: the client's round trip (info). In process, one "
        "request at a time (django.test.Client, CaptureQueriesContext): queries = SQL statements + "
        "BEGIN/COMMIT/SAVEPOINT per request; alone = median Server-Timing ms; cpu = median CPU ms of "
        "the Django thread (time.thread_time; PostgreSQL's own CPU not included)."
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else NAN


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scanners", type=int, default=8, help="concurrent simulated scanners")
    parser.add_argument("--picks", type=int, default=25, help="counted picks per scanner")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted picks per scanner first")
    parser.add_argument("--qty", type=int, default=2, help="units per order (one line each)")
    parser.add_argument("--faces", type=int, default=40, help="pick faces the items are spread on")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (0: --scanners)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds an operator takes between scans (0: back to back, a saturation test)",
    )
    parser.add_argument("--sample", type=int, default=5, help="in-process picks, queries counted")
    args = parser.parse_args(argv)
    if min(args.scanners, args.picks, args.qty, args.faces, args.workers) < 1:
        parser.error("--scanners, --picks, --qty, --faces and --workers must be at least 1")
    if args.warmup < 0 or args.sample < 0 or args.threads < 0:
        parser.error("--warmup, --sample and --threads cannot be negative")
    args.threads = args.threads or args.scanners
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = _pg.database_url(DEFAULT_URL, bench=BENCH)
    _pg.bootstrap(url, bench=BENCH)
    from django.db import connection

    from wms.inventory.reconcile import verify

    started = time.perf_counter()
    fx = build_fixture(args)
    print(
        f"warehouse {fx.tag}: {fx.tasks} one-line orders of {args.qty} units released in wave "
        f"{fx.wave.pk} over {args.faces} pick faces; {args.scanners} operators with badges; "
        f"setup {time.perf_counter() - started:.1f}s"
    )
    connection.close()  # the server's connections are the ones that count
    port = free_port()
    failures: list[str] = []
    load_before = load_after = NAN
    with tempfile.TemporaryDirectory(prefix="rf-bench-") as tmp:
        proc, log = start_server(url, port, args.workers, args.threads, Path(tmp))
        try:
            wait_until_up(proc, port, log)
            print(
                f"gunicorn {version('gunicorn')} on 127.0.0.1:{port}: {args.workers} workers x "
                f"{args.threads} threads; {args.scanners} scanners x ({args.warmup} warm-up + "
                f"{args.picks} counted picks), 4 scans + 4 pings each"
            )
            load_before = os.getloadavg()[0]
            run = run_scanners(port, fx, args)
            load_after = os.getloadavg()[0]
            failures.extend(run.failures)
            if proc.poll() is not None:
                failures.append(f"gunicorn exited with {proc.returncode}")
            if failures and tail(log).strip():
                print(f"gunicorn log (last lines):\n{tail(log)}")
        finally:
            stop_server(proc)

    alone: Alone | None = None
    if not failures and args.sample:
        try:
            alone = count_queries(fx, args.sample)
        except Failed as exc:
            failures.append(str(exc))
    print()
    if run.samples["ping"].server:
        print_table(run, alone)
        print(
            f"{run.scans} scans in {run.wall_s:.1f}s = {run.scans / run.wall_s:.0f} scans/s "
            f"({2 * run.scans + len(run.samples['open'].server)} requests with pings and GETs); "
            f"keep-alive retries {run.retries}"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, 1-min load average {load_before:.1f} before the "
            f"scanners started, {load_after:.1f} after (this run's server, clients and PostgreSQL "
            "share them with whatever else runs)"
        )
    for failure in failures:
        print(f"FAILED {failure}")
    if failures:
        print(f"total {time.perf_counter() - started:.1f}s")
        return 1

    commits = run.commits + (alone.commits if alone else [])
    scans_posted = args.scanners * (args.picks + args.warmup) * 4 + (alone.scans if alone else 0)
    problems = check_picks(fx, commits, scans_posted, args.qty)
    print(
        f"picks made {len(commits)} (HTTP {len(run.commits)}, in process {len(commits) - len(run.commits)})"
    )
    for problem in problems:
        print(f"CHECK FAILED {problem}")
    report = verify()
    print(report.summary())
    for problem in report.problems[:20]:
        print(f"  {problem}")
    print(f"total {time.perf_counter() - started:.1f}s")
    return 0 if report.ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
