"""Fixtures of the top-level tests. The named cast (Alice, Charlie, Oscar, Sam, Ada, their brands
and items) lives in the root conftest.py, shared with every channel's tests."""

from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.outbox_support import private_redis, receiver, worker  # noqa: F401 - fixtures
from wms.accounts.models import User


def api_as(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
