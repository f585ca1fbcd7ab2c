"""Stop at once, with the fix, when the PostgreSQL or Redis the tests need is not reachable."""

from __future__ import annotations

import os
import sys

import psycopg
import redis

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/touchline"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def main() -> int:
    db_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    failed = False
    try:
        # The test database is created by the runner; the server's maintenance DB proves it is up.
        conninfo = psycopg.conninfo.make_conninfo(db_url, dbname="postgres", connect_timeout=3)
        psycopg.connect(conninfo).close()
    except psycopg.Error as exc:
        failed = True
        print(
            f"PostgreSQL is not reachable at {db_url}: {str(exc).strip().splitlines()[0]}\n"
            "  Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "  or point DATABASE_URL at a running PostgreSQL (15+).",
            file=sys.stderr,
        )
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        failed = True
        print(
            f"Redis is not reachable at {redis_url}: {exc}\n"
            "  Start it:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''\n"
            "  or point REDIS_URL at a running Redis.",
            file=sys.stderr,
        )
    if failed:
        return 1
    print(f"services OK: PostgreSQL {db_url}, Redis {redis_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
