"""verify_ledger catches corruption: a balance row filed under the wrong client."""

from __future__ import annotations

from django.db import connection

from tests.factories import Site, ctx
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory import touches
from wms.inventory.reconcile import verify


def test_verify_catches_a_row_filed_under_the_wrong_client(
    site: Site, tent: Item, bbb: Client, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wms_balance SET client_id = %s WHERE item_id = %s", [bbb.pk, tent.pk]
        )
    report = verify()
    assert any("where its item says" in p for p in report.problems), report.problems
