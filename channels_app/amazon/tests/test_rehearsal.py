"""manage.py rehearse_amazon: the whole Amazon flow against a simulator it starts itself."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.rehearsal import STEPS
from wms.catalog.models import Client

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_rehearsal_passes_every_step_and_leaves_nothing_behind() -> None:
    out = io.StringIO()

    call_command("rehearse_amazon", stdout=out)

    lines = out.getvalue().splitlines()
    results = [line for line in lines if line.startswith(("PASS", "FAIL"))]
    assert [line.split(" ", 1)[0] for line in results] == ["PASS"] * len(STEPS), out.getvalue()
    assert [line.split(" ", 1)[1].split(":")[0] for line in results] == [n for n, _ in STEPS]
    assert lines[-1] == "Amazon rehearsal: every step passed."
    assert not AmazonIntegration.objects.exists() and not Client.objects.exists()
