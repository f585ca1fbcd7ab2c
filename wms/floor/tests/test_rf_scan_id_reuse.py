"""A scan id names one submit of the RF screens: the same submit again (double Enter, Wi-Fi
retry) replays its answer; the id reused for anything else — another step, value, action, flow
or user — is refused and writes nothing (wms/floor/views.py, ``_apply_once``)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Site, changes_nothing, ctx
from tests.rf import Scanner, Shown, parse, shown_earlier
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.floor.models import RfSubmission
from wms.inventory import touches
from wms.inventory.models import Touch, TouchKind

REFUSED = "This scan id was already used for another scan"


def stowed(site: Site, tent: Item, oscar: User) -> tuple[Scanner, dict[str, Shown], uuid.UUID]:
    """Oscar stows 10 tents; returns his scanner, the screens he saw, and the stow's scan id."""
    touches.receive(ctx(oscar), item=tent, quantity=10, location=site.dock)
    rf = Scanner(oscar, site.warehouse)
    screens = {"start": rf.open("stow")}
    screens["quantity"] = rf.scan("DOCK-1")
    screens["confirm"] = rf.scan("")
    done = rf.scan("A-01-1")
    assert (done.tone, done.step) == ("ok", "start"), done.message
    assert rf.last_scan_id is not None
    return rf, screens, rf.last_scan_id


def post(rf: Scanner, *, state: str, value: str, action: str, scan_id: uuid.UUID) -> Shown:
    response = rf.http.post(
        f"/rf/{rf.slug}/",
        {"state": state, "value": value, "action": action, "scan_id": str(scan_id)},
        headers={"HX-Request": "true"},
    )
    return parse(response.status_code, response.content.decode())


def test_the_same_submit_again_replays_without_a_second_touch(
    site: Site, tent: Item, oscar: User
) -> None:
    rf, screens, scan_id = stowed(site, tent, oscar)
    with changes_nothing():
        again = post(rf, state=screens["confirm"].state, value="A-01-1", action="", scan_id=scan_id)
    assert again.message == "Already recorded — Stowed 10 × NWO-TENT: DOCK-1 → A-01-1."
    assert Touch.objects.filter(kind=TouchKind.STOW).count() == 1


def test_a_reused_scan_id_with_any_other_payload_is_refused_and_writes_nothing(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    _, screens, scan_id = stowed(site, tent, oscar)
    first = RfSubmission.objects.get(pk=scan_id)
    scanners = {"oscar": Scanner(oscar, site.warehouse), "sam": Scanner(sam, site.warehouse)}
    for rf in scanners.values():
        rf.open("stow")

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        step=st.sampled_from(sorted(screens)),
        value=st.sampled_from(["A-01-1", "A-02-1", "DOCK-1", "", "3", "10"]),
        action=st.sampled_from(["", "cancel", "back", "all"]),
        who=st.sampled_from(sorted(scanners)),
    )
    def reuse(step: str, value: str, action: str, who: str) -> None:
        if (step, value, action, who) == ("confirm", "A-01-1", "", "oscar"):
            return  # that is the same submit: it replays (the test above)
        # The signed state as oscar's scanner held it at that step, posted from either scanner.
        # Aged past the bounce window: an empty Enter is then a real scan, refused as a reuse.
        state = shown_earlier(screens[step].state)
        with changes_nothing(RfSubmission.objects.values_list("pk", "outcome")):
            again = post(scanners[who], state=state, value=value, action=action, scan_id=scan_id)
        assert again.tone == "error"
        assert again.message.startswith(REFUSED), again.message

    reuse()
    assert RfSubmission.objects.get(pk=scan_id).outcome == first.outcome


@pytest.mark.parametrize("flow", ["move", "count", "pick"])
def test_a_stow_scan_id_reused_on_another_flow_is_refused(
    site: Site, tent: Item, oscar: User, flow: str
) -> None:
    _, _, scan_id = stowed(site, tent, oscar)
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open(flow)
    with changes_nothing():
        again = post(rf, state=shown.state, value="A-01-1", action="", scan_id=scan_id)
    assert again.message.startswith(REFUSED), again.message
    assert RfSubmission.objects.filter(pk=scan_id).count() == 1
