"""What every RF screen shares: sign-in, the warehouse, the menu, and the dispatcher's rules — a
forged or stale state, a missing or reused scan id, and who may open what."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client as HttpClient

from tests.factories import Site, changes_nothing, make_site
from tests.rf import Scanner, parse
from wms.accounts.models import User
from wms.floor.models import RfSubmission


def signin(http: HttpClient, value: str, state: str = "") -> tuple[int, str, str]:
    response = http.post(
        "/rf/signin/", {"value": value, "state": state}, headers={"HX-Request": "true"}
    )
    return response.status_code, response.headers.get("HX-Redirect", ""), response.content.decode()


def test_a_badge_signs_in_and_one_warehouse_is_chosen_for_you(site: Site, oscar: User) -> None:
    oscar.badge = "B-77"
    oscar.save()
    http = HttpClient()
    status, redirect, _ = signin(http, "B-77")
    assert (status, redirect) == (204, "/rf/warehouse/")
    assert "rf_device" in http.cookies
    response = http.get("/rf/warehouse/")
    assert response.status_code == 302 and response["Location"] == "/rf/"
    menu = http.get("/rf/").content.decode()
    for title in ("Receive", "Stow", "Pick", "Pack", "Load", "Count"):
        assert f"<strong>{title}</strong>" in menu
    assert "<strong>Approvals</strong>" not in menu  # supervisors only


def test_user_and_pin_and_what_a_wrong_one_says(site: Site, oscar: User) -> None:
    oscar.set_pin("2468")
    oscar.save()
    http = HttpClient()
    status, _, body = signin(http, "nobody")
    shown = parse(status, body)
    assert shown.tone == "error"
    assert (
        shown.message == "Badge nobody is not known. Scan your badge again, or type your user name."
    )
    status, _, body = signin(http, "oscar")
    shown = parse(status, body)
    assert shown.prompt == "oscar: type your PIN"
    assert 'type="password"' in body
    status, _, body = signin(http, "1111", shown.state)
    assert parse(status, body).message.startswith("That PIN does not match")
    status, redirect, _ = signin(http, "2468", shown.state)
    assert redirect == "/rf/warehouse/"


def test_a_brand_user_cannot_use_the_floor(site: Site, alice: User) -> None:
    alice.badge = "B-ALICE"
    alice.save()
    http = HttpClient()
    _, _, body = signin(http, "B-ALICE")
    refused = "Brand users cannot use the floor screens."
    assert parse(200, body).message.startswith(refused)
    _, _, body = signin(http, alice.username)  # by user name: the same answer, not "not known"
    assert parse(200, body).message.startswith(refused)
    http.force_login(alice)  # signed in at the portal, then opening the scanner pages
    for page in ("/rf/", "/rf/pick/", "/rf/warehouse/"):
        response = http.get(page)
        assert response.status_code == 403
        assert parse(403, response.content.decode()).message.startswith(refused)


def test_with_two_warehouses_the_operator_chooses(site: Site, oscar: User) -> None:
    make_site("TST2")
    http = HttpClient()
    http.force_login(oscar)
    shown = parse(200, http.get("/rf/warehouse/").content.decode())
    assert shown.prompt == "Which warehouse are you in?"
    assert shown.actions == ["TST1", "TST2"]
    response = http.post("/rf/warehouse/", {"action": "TST2"})
    assert response.status_code == 302
    assert http.session["rf_warehouse_code"] == "TST2"


def test_a_forged_state_starts_the_screen_again(site: Site, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    assert rf.shown is not None
    rf.shown.state = rf.shown.state[:-3] + "xyz"
    with changes_nothing():
        shown = rf.scan("DOCK-1")
    assert shown.tone == "error"
    assert shown.message == "This screen was out of date, so it started again. Scan again."
    assert not RfSubmission.objects.exists()


def test_a_submit_without_a_scan_id_is_refused(site: Site, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("move")
    response = rf.http.post(
        "/rf/move/", {"state": shown.state, "value": "DOCK-1"}, headers={"HX-Request": "true"}
    )
    assert parse(200, response.content.decode()).message.startswith(
        "This scanner page is out of date (no scan id)"
    )


def test_a_scan_id_reused_for_another_scan_is_refused(site: Site, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("load")
    scan_id = uuid.uuid4()
    first = rf.scan("LANE-1", scan_id=scan_id)
    assert first.step == "reference", first.message
    with changes_nothing():
        again = rf.scan("TRL-1", scan_id=scan_id)
    assert again.tone == "error"
    assert again.message.startswith("This scan id was already used for another scan")


def test_supervisor_screens_are_not_for_operators(site: Site, oscar: User, sam: User) -> None:
    assert Scanner(oscar, site.warehouse).open("approvals").status == 404
    assert Scanner(sam, site.warehouse).open("approvals").status == 200


@pytest.mark.parametrize("path", ["/rf/", "/rf/pick/", "/rf/warehouse/"])
def test_signed_out_scanners_go_to_sign_in(db: None, path: str) -> None:
    response = HttpClient().get(path)
    assert response.status_code == 302 and response["Location"] == "/rf/signin/"


def test_the_ping_answers_only_a_signed_in_scanner(site: Site, oscar: User) -> None:
    http = HttpClient()
    assert http.post("/rf/ping/").status_code == 401
    http.force_login(oscar)
    response = http.post("/rf/ping/")
    assert response.status_code == 204
    assert response.headers["Server-Timing"].startswith("app;dur=")


def test_wrong_pins_lock_the_pin_for_a_while(site: Site, oscar: User) -> None:
    oscar.set_pin("2468")
    oscar.save()
    http = HttpClient()
    _, _, body = signin(http, "oscar")
    state = parse(200, body).state
    for _ in range(5):
        _, _, body = signin(http, "0000", state)
        assert parse(200, body).message.startswith("That PIN does not match")
    _, redirect, body = signin(http, "2468", state)  # even the right one, for now
    assert redirect == ""
    assert parse(200, body).message.startswith("Too many wrong PINs for oscar: wait 5 minutes")
