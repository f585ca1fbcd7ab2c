"""How verify_ledger scales: its set-based replay against one raw sequential scan of the same table.

Fills a scratch PostgreSQL database with N synthetic touches (set-based INSERT … SELECT
generate_series, moving units around a ring of buckets so the ledger stays consistent), then times
`wms.inventory.reconcile.verify()` next to the cheapest possible full read of the ledger,
`SELECT count(*), sum(quantity) FROM wms_touch`, in the same run. The ratio is what verification
costs per touch over just reading every touch once.

    .venv/bin/python bench/verify_ledger_scale.py --touches 5000000

Uses postgres://postgres@127.0.0.1:5432/touchline_verify_bench (dropped and re-created each run).
"""

from __future__ import annotations

import argparse
import os
import time

import psycopg

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DB = "touchline_verify_bench"


def recreate() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--touches", type=int, default=2_000_000)
    parser.add_argument("--ring", type=int, default=5_000, help="buckets the units circle through")
    args = parser.parse_args()

    recreate()
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="wms.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from wms.accounts.models import User
    from wms.catalog.models import Client
    from wms.catalog.services import create_item
    from wms.inventory.models import Scan
    from wms.inventory.reconcile import verify
    from wms.layout.services import create_location, create_warehouse

    call_command("migrate", verbosity=0)
    wh = create_warehouse(code="VB1", name="verify bench", time_zone="UTC")
    locs = [
        create_location(warehouse=wh, code=f"L{i}", type="storage").pk for i in range(args.ring)
    ]
    item = create_item(
        client=Client.objects.create(code="VB", name="VB"), sku="VB-1", description="x"
    )
    user = User.objects.create(username="bench")
    scan = Scan.objects.create(
        id="00000000-0000-0000-0000-000000000001", kind="move", actor=user, fingerprint="-"
    )

    started = time.perf_counter()
    with connection.cursor() as cur:
        # Touch n moves one unit from ring bucket n to bucket n+1; each bucket gets as many in as
        # out, so the balances are all zero and the ledger verifies.
        cur.execute(
            """
            INSERT INTO wms_touch (scan_id, kind, client_id, item_id, serial, quantity,
                from_location_id, from_status, to_location_id, to_status, actor_id, device,
                reference, reason_code, detail, created_at)
            SELECT %s, 'move', %s, %s, '', 1, (%s::bigint[])[1 + n %% %s], 'available',
                   (%s::bigint[])[1 + (n + 1) %% %s], 'available', %s, 'bench', '', '', '{}', now()
              FROM generate_series(0, %s - 1) AS n
            """,
            [
                scan.pk,
                item.client_id,
                item.pk,
                locs,
                len(locs),
                locs,
                len(locs),
                user.pk,
                args.touches,
            ],
        )
        cur.execute(
            "INSERT INTO wms_balance (client_id, item_id, location_id, status, quantity, is_virtual) "
            "SELECT %s, %s, unnest(%s::bigint[]), 'available', 0, false",
            [item.client_id, item.pk, locs],
        )
        cur.execute("ANALYZE wms_touch")
        cur.execute("ANALYZE wms_balance")
    print(
        f"loaded {args.touches:,} touches over {len(locs):,} buckets in {time.perf_counter() - started:.1f}s"
    )

    def timed(fn: object) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            best = min(best, time.perf_counter() - t0)
        return best

    def raw_scan() -> None:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*), sum(quantity) FROM wms_touch")
            cur.fetchone()

    report = verify()
    assert report.ok, report.problems[:5]
    raw = timed(raw_scan)
    full = timed(verify)
    print(f"raw full scan of wms_touch   {raw:7.2f}s   ({args.touches / raw:,.0f} touches/s)")
    print(f"verify_ledger                {full:7.2f}s   ({args.touches / full:,.0f} touches/s)")
    print(f"ratio verify / raw scan      {full / raw:7.2f}x   (best of 3 each)")
    print(report.summary())


if __name__ == "__main__":
    main()
