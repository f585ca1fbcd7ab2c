"""`manage.py verify_ledger` proves the balances from the ledger, and catches what does not add up."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.factories import Site, ctx
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory import touches
from wms.inventory.models import Balance


def _stock(site: Site, item: Item, user: User) -> None:
    touches.receive(ctx(user), item=item, quantity=9, location=site.dock)
    touches.stow(ctx(user), item=item, quantity=4, from_location=site.dock, to_location=site.face1)


def test_agreeing_ledger_exits_zero_with_one_line(
    site: Site, tent: Item, oscar: User, capsys: pytest.CaptureFixture[str]
) -> None:
    _stock(site, tent, oscar)
    call_command("verify_ledger")
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "ledger OK: 2 touches replay to the 3 balance rows; stock conserved; no negative physical stock"
    ]


def test_planted_mismatch_is_listed_and_exits_non_zero(
    site: Site, tent: Item, oscar: User, capsys: pytest.CaptureFixture[str]
) -> None:
    _stock(site, tent, oscar)
    face = Balance.objects.get(item=tent, location=site.face1)
    with connection.cursor() as cursor:  # a corruption the services would never write
        cursor.execute("UPDATE wms_balance SET quantity = quantity + 2 WHERE id = %s", [face.pk])

    with pytest.raises(CommandError) as err:
        call_command("verify_ledger")

    assert err.value.returncode == 1
    problems = capsys.readouterr().err
    assert (
        f"location={site.face1.pk} container=None status=available: ledger says 4, balance table says 6"
        in problems
    )
    assert f"not conserved item={tent.pk} lot=None: buckets sum to 2" in problems


def test_stock_left_behind_by_a_moved_container_is_caught(
    site: Site, tent: Item, oscar: User
) -> None:
    tote = site.tote()
    _stock(site, tent, oscar)
    touches.pick(ctx(oscar), item=tent, quantity=1, from_location=site.face1, tote=tote)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wms_container SET location_id = %s WHERE id = %s", [site.lane.pk, tote.pk]
        )

    with pytest.raises(CommandError):
        call_command("verify_ledger")
