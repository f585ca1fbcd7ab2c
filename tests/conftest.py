"""Fixtures of the top-level tests. The named cast (Alice, Charlie, Oscar, Sam, Ada, their brands
and items) lives in the root conftest.py, shared with every channel's tests."""

from __future__ import annotations

from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.browser import chromium  # noqa: F401 - fixture
from tests.outbox_support import private_redis, receiver, worker  # noqa: F401 - fixtures
from wms.accounts.models import User

# tests/sqlite/ is the SQLite leg (`make test` runs it in a second pytest run, DATABASE_URL unset):
# it tests the paths chosen by connection.vendor, so it runs only when the database is SQLite.
collect_ignore = [] if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else ["sqlite"]


def api_as(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
