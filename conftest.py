"""The named cast, shared by every test folder (tests/ and each channels_app/<channel>/tests/).

Alice is Northwind's (NWO) brand user, Charlie is Bluebird's (BBB); Oscar operates the floor, Sam
supervises, Ada administers the item master. Northwind sells tents and mugs; Bluebird a serum
tracked by lot and expiry. Fixtures that only one folder needs (simulators, integrations, workers)
stay in that folder's conftest.py.
"""

from __future__ import annotations

import pytest

from tests.factories import ClientFactory, Site, UserFactory, make_item, make_site
from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item


@pytest.fixture
def site(db: None) -> Site:
    return make_site()


@pytest.fixture
def nwo(db: None) -> Client:
    return ClientFactory.create(code="NWO", name="Northwind Outdoor")


@pytest.fixture
def bbb(db: None) -> Client:
    return ClientFactory.create(code="BBB", name="Bluebird Beauty")


@pytest.fixture
def oscar(db: None) -> User:
    return UserFactory.create(username="oscar", role=Role.OPERATOR)


@pytest.fixture
def sam(db: None) -> User:
    return UserFactory.create(username="sam", role=Role.SUPERVISOR)


@pytest.fixture
def ada(db: None) -> User:
    return UserFactory.create(username="ada", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def alice(nwo: Client) -> User:
    return UserFactory.create(username="alice", role=Role.CLIENT_USER, client=nwo)


@pytest.fixture
def charlie(bbb: Client) -> User:
    return UserFactory.create(username="charlie", role=Role.CLIENT_USER, client=bbb)


@pytest.fixture
def tent(nwo: Client) -> Item:
    return make_item(nwo, "NWO-TENT")


@pytest.fixture
def mug(nwo: Client) -> Item:
    return make_item(nwo, "NWO-MUG")


@pytest.fixture
def serum(bbb: Client) -> Item:
    return make_item(bbb, "BBB-SERUM", tracks_lots=True, tracks_expiry=True)
