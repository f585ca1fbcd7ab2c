"""`manage.py rehearse_shopify` runs the whole Shopify flow against a simulator it starts itself
and prints one PASS line per step; a step that cannot pass makes it FAIL and exit non-zero."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from channels_app.shopify import rehearsal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

STEPS = (
    "register service",
    "subscribe webhooks",
    "go-live stock sync",
    "fulfillment request imported",
    "pick / pack / ship",
    "fulfillment with tracking",
    "reconcile",
    "return",
)


def test_the_rehearsal_passes_every_step() -> None:
    out = io.StringIO()

    call_command("rehearse_shopify", stdout=out)

    lines = [x for x in out.getvalue().splitlines() if x.startswith(("PASS", "FAIL"))]
    assert [x.split(":", 1)[0] for x in lines] == [f"PASS  {name}" for name in STEPS]
    assert "Shopify rehearsal passed: 8 steps." in out.getvalue()


def test_a_failing_step_is_a_fail_line_and_a_non_zero_exit(monkeypatch: Any) -> None:
    def broken(store: Any, progress: Any = None) -> Any:
        raise rehearsal.StepFailed("Shopify kept the old numbers")

    monkeypatch.setattr(rehearsal.stock, "sync_stock", broken)
    out = io.StringIO()

    with pytest.raises(CommandError, match="rehearsal failed"):
        call_command("rehearse_shopify", stdout=out)

    text = out.getvalue()
    assert "PASS  subscribe webhooks" in text
    assert "FAIL  go-live stock sync: StepFailed: Shopify kept the old numbers" in text
    assert "FAIL  return: not reached" in text
