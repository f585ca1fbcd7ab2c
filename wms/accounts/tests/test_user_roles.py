"""Roles: a brand user can never be staff."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import UserFactory
from wms.accounts.models import Role
from wms.catalog.models import Client


def test_a_brand_user_can_never_be_staff(nwo: Client) -> None:
    with pytest.raises(IntegrityError, match="client_user_not_staff"), transaction.atomic():
        UserFactory.create(username="eve", role=Role.CLIENT_USER, client=nwo, is_staff=True)
