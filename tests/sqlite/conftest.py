"""The SQLite leg: `make run` without DATABASE_URL runs on SQLite, and a few code paths choose by
`connection.vendor`. These tests run only there (a second pytest run with DATABASE_URL unset, see
the Makefile's `pytest` target); the PostgreSQL run leaves this folder out (tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from channels_app.shopify.models import ShopifyStore
from channels_app.shopify.simulator import Simulator
from channels_app.shopify.tests.conftest import SimControl
from tests.factories import service
from wms.catalog.models import Client
from wms.inventory.models import ChannelRule

if not django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    raise pytest.UsageError("tests/sqlite runs on SQLite only: unset DATABASE_URL for this run.")


@pytest.fixture
def sim(settings: Any) -> Iterator[SimControl]:
    simulator = Simulator(shop_domain=f"nwo-{uuid.uuid4().hex[:8]}.myshopify.com").start()
    settings.SHOPIFY_ADMIN_URL = simulator.url
    settings.SHOPIFY_VALIDATE_WIRE = True
    settings.SHOPIFY_TIMEOUT = (
        20.0  # the first request builds the Admin schema: slow on a busy machine
    )
    control = SimControl(simulator)
    yield control
    control.http.close()
    simulator.stop()


@pytest.fixture
def store(nwo: Client, sim: SimControl, monkeypatch: pytest.MonkeyPatch) -> ShopifyStore:
    monkeypatch.setenv("SHOPIFY_NWO_ACCESS_TOKEN", sim.sim.access_token)
    monkeypatch.setenv("SHOPIFY_NWO_WEBHOOK_SECRET", sim.sim.webhook_secret)
    ChannelRule.objects.get_or_create(client=nwo, channel="shopify")
    return ShopifyStore.objects.create(
        client=nwo,
        shop_domain=sim.sim.state.shop_domain,
        secrets_name="NWO",
        default_service=service(),
    )
