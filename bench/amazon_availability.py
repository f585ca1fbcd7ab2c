"""Availability to Amazon under a burst of scans: commit-to-simulator latency, API calls per 1,000
scans, and the share of Amazon's usage plan the run used.

What runs:

* SCANS — one scanner thread stows units one at a time (`wms.inventory.touches.stow`, dock → pick
  face) across `--skus` items of a client selling on Amazon; every scan changes that item's
  published quantity, which `availability.publish` folds into the item's one outbox row (latest
  wins, due `OUTBOX_COALESCE_SECONDS` after it first became pending).
* DELIVERY — an in-process delivery loop, not a Celery worker: one thread takes every due row and
  calls `channels_app.outbox.delivery.deliver(id)` — the same claim, handler (the Amazon handler,
  with the seller's token bucket) and outcome the Celery task runs — so what is measured is the
  outbox and the SP-API path, not the broker. Each call goes over real HTTP (httpx, LWA token,
  wire validation off as in production) to the SP-API simulator on 127.0.0.1.
* MEASURED — for every scan, the time from its commit to the first moment the simulator applied a
  quantity at least as new as that scan's for the SKU (quantities only rise in the burst);
  p50/p95/max over the scans. Calls: `patchListingsItem` requests the simulator received. Share of
  the rate limit: those calls against what the operation's usage plan allows over the run
  (burst + rate × seconds, the model's 5/s and burst 10 unless `--rate` is given).

Every run checks that each SKU ends with the published quantity on the simulator and that no
idempotency key was applied twice. PostgreSQL on loopback only:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/touchline_amazon_bench .venv/bin/python \
        bench/amazon_availability.py [--scans 1000] [--skus 10] [--coalesce 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _pg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/touchline_amazon_bench"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--skus", type=int, default=10)
    parser.add_argument("--coalesce", type=float, default=None, help="OUTBOX_COALESCE_SECONDS")
    parser.add_argument("--rate", type=float, default=None, help="patchListingsItem calls/s")
    args = parser.parse_args(argv)
    if args.scans < 1 or args.skus < 1:
        parser.error("--scans and --skus must be at least 1")
    return args


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = _pg.database_url(DEFAULT_URL, bench="bench/amazon_availability.py")
    _pg.bootstrap(url, bench="bench/amazon_availability.py")

    from django.conf import settings
    from django.db import connection

    from channels_app.amazon.models import AmazonIntegration
    from channels_app.amazon.simulator import Credentials, Simulator, state
    from channels_app.amazon.throttle import plan_for
    from channels_app.outbox import delivery
    from tests.factories import ctx, make_item, make_site, service
    from wms.accounts.models import User
    from wms.catalog.models import Client
    from wms.inventory import touches
    from wms.inventory.models import ChannelAvailability, ChannelRule
    from wms.outbox import queue
    from wms.outbox.models import OutboxMessage, OutboxState

    if args.coalesce is not None:
        settings.OUTBOX_COALESCE_SECONDS = args.coalesce
    settings.AMAZON_VALIDATE_WIRE = False  # production does not validate every call
    # No broker: the loop below finds due rows itself (nothing may reach `make run`'s file broker).
    queue.set_dispatcher(None)
    delivery.enqueue = lambda batch: None

    # The simulator, with a hook on the moment it applies a quantity (same process, same clock).
    seller = "A3BENCH" + uuid.uuid4().hex[:8].upper()  # fresh buckets for this run
    sim = Simulator(seller_id=seller).start()
    applied: dict[str, list[tuple[float, int]]] = defaultdict(list)
    apply = state._apply_availability

    def recording(s: Any, sku: str, quantity: int, key: str | None) -> None:
        apply(s, sku, quantity, key)
        applied[sku].append((time.monotonic(), quantity))

    state._apply_availability = recording
    if args.rate is not None:
        sim.usage.override("patchListingsItem", args.rate, max(1, int(args.rate * 2)))
    rate, burst = sim.usage.plan("patchListingsItem", plan_for("patchListingsItem"))
    settings.AMAZON_SP_API_URL = settings.AMAZON_LWA_URL = sim.url
    creds = Credentials()
    tag = _pg.unique_code("AB")
    os.environ[f"AMAZON_{tag}_LWA_CLIENT_SECRET"] = creds.client_secret
    os.environ[f"AMAZON_{tag}_REFRESH_TOKEN"] = creds.refresh_token

    client = Client.objects.create(code=tag, name=f"Amazon bench {tag}")
    ChannelRule.objects.create(client=client, channel="amazon")
    site = make_site(tag)
    op, _ = User.objects.get_or_create(username=f"bench-{tag.lower()}")
    items = [make_item(client, f"{tag}-{n:03d}") for n in range(args.skus)]
    per_sku = -(-args.scans // args.skus)
    for item in items:  # on the dock: not sellable, so nothing is published yet
        touches.receive(ctx(op), item=item, quantity=per_sku, location=site.dock)
    for item in items:
        sim.state.listings[item.sku] = {"productType": "PRODUCT", "quantity": 0}
    integration = AmazonIntegration.objects.create(
        client=client,
        seller_id=seller,
        marketplace_ids=["ATVPDKIKX0DER"],
        lwa_client_id=creds.client_id,
        secrets_name=tag,
        default_service=service(),
    )

    stop = threading.Event()
    due_sql = (
        "SELECT id FROM wms_outbox_message WHERE destination = %s AND state = 'pending' "
        "AND next_attempt_at <= now() ORDER BY next_attempt_at"
    )

    def deliver_loop() -> None:
        token = delivery.worker_token()
        try:
            while not stop.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(due_sql, [f"amazon:{integration.pk}"])
                    ids = [row[0] for row in cursor.fetchall()]
                for pk in ids:
                    delivery.deliver(pk, token=token)
                if not ids:
                    time.sleep(0.02)
        finally:
            connection.close()

    loop = threading.Thread(target=deliver_loop, daemon=True)
    loop.start()

    commits: list[tuple[float, str, int]] = []  # when, sku, the quantity the scan made
    published = dict.fromkeys((i.sku for i in items), 0)
    started = time.monotonic()
    for n in range(args.scans):
        item = items[n % len(items)]
        touches.stow(
            ctx(op), item=item, quantity=1, from_location=site.dock, to_location=site.face1
        )
        published[item.sku] += 1
        commits.append((time.monotonic(), item.sku, published[item.sku]))
    scanned = time.monotonic()

    def caught_up() -> bool:
        return all(applied[s] and applied[s][-1][1] == q for s, q in published.items())

    deadline = scanned + 120
    while not caught_up() and time.monotonic() < deadline:
        time.sleep(0.05)
    finished = time.monotonic()
    stop.set()
    loop.join(timeout=30)

    latencies = []
    for at, sku, quantity in commits:
        seen = next((t for t, q in applied[sku] if t >= at and q >= quantity), None)
        if seen is not None:
            latencies.append(seen - at)
    snapshot = sim.state.snapshot()
    calls = int(snapshot["calls"].get("patchListingsItem", 0))
    lwa = int(snapshot["calls"].get("lwa", 0))
    keys = snapshot["effects"]["keys"]
    span = (max(t for ts in applied.values() for t, _ in ts) if applied else finished) - started
    allowance = burst + rate * span
    problems = []
    for item in items:
        ours = ChannelAvailability.objects.get(item=item, channel="amazon").quantity
        if snapshot["effects"]["availability"].get(item.sku) != ours:
            problems.append(
                f"{item.sku}: Amazon shows "
                f"{snapshot['effects']['availability'].get(item.sku)}, we publish {ours}"
            )
    if len(latencies) != len(commits):
        problems.append(f"{len(commits) - len(latencies)} scans never reached Amazon")
    twice = [k for k, v in keys.items() if v > 1]
    left = OutboxMessage.objects.filter(client=client).exclude(state=OutboxState.DELIVERED)
    sim.stop()

    coalesced = sum(OutboxMessage.objects.filter(client=client).values_list("coalesced", flat=True))
    print(
        "delivery: in-process loop calling outbox delivery.deliver (no Celery worker), real HTTP "
        f"to the SP-API simulator; coalescing window {settings.OUTBOX_COALESCE_SECONDS:g}s"
    )
    print(
        f"{args.scans} scans on {args.skus} SKUs in {scanned - started:.1f}s "
        f"({args.scans / (scanned - started):.0f} scans/s); Amazon caught up "
        f"{finished - scanned:.1f}s after the last scan"
    )
    if latencies:
        print(
            f"commit → Amazon latency: p50 {percentile(latencies, 50):.2f}s  "
            f"p95 {percentile(latencies, 95):.2f}s  max {max(latencies):.2f}s  "
            f"mean {statistics.fmean(latencies):.2f}s"
        )
    print(
        f"patchListingsItem calls: {calls} ({calls / args.scans * 1000:.0f} per 1,000 scans; "
        f"{coalesced} changes folded into pending rows), LWA token requests: {lwa}"
    )
    print(
        f"rate limit: {calls} calls of {allowance:.0f} allowed over {span:.1f}s "
        f"(usage plan {rate:g}/s, burst {burst}) = {calls / allowance:.0%} used"
    )
    for problem in problems:
        print(f"WRONG: {problem}")
    if twice:
        print(f"APPLIED TWICE: {len(twice)} idempotency keys")
    if left.exists():
        print(f"NOT DELIVERED: {left.count()} outbox rows")
    return 1 if problems or twice or left.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
