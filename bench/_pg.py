"""What every benchmark does first: pick a loopback PostgreSQL database, create it, set up Django."""

from __future__ import annotations

import os
import secrets
import sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def database_url(default: str, *, bench: str) -> str:
    """DATABASE_URL, or the bench's default; refuse anything but PostgreSQL on loopback."""
    url = os.environ.get("DATABASE_URL") or default
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(
            f"{bench} measures PostgreSQL only; DATABASE_URL is {parts.scheme or url!r}. "
            f"Set DATABASE_URL=postgres://… (e.g. {default})."
        )
    if parts.hostname and parts.hostname not in LOOPBACK_HOSTS:
        sys.exit(f"{bench} only talks to a loopback database, not {parts.hostname}.")
    if not parts.path.strip("/"):
        sys.exit(f"DATABASE_URL names no database: {url!r}.")
    return url


def ensure_database(url: str) -> None:
    """Create the database named in `url` if it does not exist (connecting to 'postgres')."""
    name = urlsplit(url).path.strip("/")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def bootstrap(url: str, *, bench: str) -> None:
    """Django on that database, migrated, with query logging off as in production."""
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if connection.vendor != "postgresql":
        sys.exit(f"{bench} measures PostgreSQL only; Django is on {connection.vendor}.")
    call_command("migrate", verbosity=0)
    # DJANGO_DEBUG=1 is only there to get past the SECRET_KEY check. With DEBUG on, Django logs
    # every query; production does not, so the timed runs do not either (CaptureQueriesContext
    # turns the logging back on for itself).
    settings.DEBUG = False


def unique_code(prefix: str) -> str:
    """A fresh warehouse/client code per run (the ledger is append-only: nothing is reused)."""
    return prefix + secrets.token_hex(4).upper()  # 9 characters: capitals and digits
