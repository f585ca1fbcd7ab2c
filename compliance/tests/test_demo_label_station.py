"""`make run` loads the core demo (seed_demo), then the label station's (seed_demo_labels, in
compliance: the core never imports compliance)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from compliance.models import Printer, RuleSet, SsccSeries
from compliance.station_desk import refusal
from wms.accounts.models import User


@pytest.mark.slow
def test_the_label_station_demo_loads_after_the_core_demo_once(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandError, match=r"run `python manage\.py seed_demo` first"):
        call_command("seed_demo_labels")
    assert not Printer.objects.exists()

    call_command("seed_demo", "--quiet")
    call_command("seed_demo_labels")
    call_command("seed_demo_labels")  # a second run leaves it alone

    out = capsys.readouterr().out
    assert "Demo label station loaded" in out and "already loaded" in out
    assert sorted(Printer.objects.values_list("station", flat=True)) == [
        "LABEL-DESK",
        "PACK-01",
        "PACK-02",
        "PACK-03",
        "PACK-04",
    ]
    assert SsccSeries.objects.count() == 2
    guide = RuleSet.objects.get(code="BIGRETAIL-2026")
    assert list(guide.clients.values_list("code", flat=True)) == ["NWO"]
    clerk = User.objects.get(username="labels")
    assert clerk.check_password("labels-demo") and refusal(clerk) == ""
