"""The "label created but no carrier scan after N hours" list: the selector, the API (staff see
every brand, a brand user only its own) and the back office filter."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from channels_app.carrier import selectors
from channels_app.carrier.models import CarrierAccount, CarrierLabel
from channels_app.carrier.tests.conftest import CarrierControl, pack_and_close
from tests.conftest import api_as
from tests.factories import ClientFactory, Site, UserFactory, make_item
from wms.accounts.models import Role, User
from wms.catalog.models import Item

URL = "/api/shipments/no-carrier-scan/"


def bought_hours_ago(label: CarrierLabel, hours: float) -> None:
    CarrierLabel.objects.filter(pk=label.pk).update(
        bought_at=timezone.now() - dt.timedelta(hours=hours)
    )


def labels(
    site: Site, tent: Item, oscar: User, sam: User
) -> tuple[CarrierLabel, CarrierLabel, CarrierLabel, CarrierLabel]:
    """NWO: one waiting 30 h, one 2 h, one 30 h but picked up; BBB: one waiting 30 h."""
    made = []
    bbb = ClientFactory.create(code="BBB")
    for item in (tent, tent, tent, make_item(bbb, "BBB-SERUM")):
        packed = pack_and_close(site, item, oscar, sam)
        made.append(CarrierLabel.objects.get(parcel=packed.parcel))
    old, fresh, scanned, theirs = made
    for label, hours in ((old, 30), (fresh, 2), (scanned, 30), (theirs, 31)):
        bought_hours_ago(label, hours)
    CarrierLabel.objects.filter(pk=scanned.pk).update(first_scan_at=timezone.now())
    return old, fresh, scanned, theirs


def test_the_list_holds_labels_unscanned_for_longer_than_n_hours(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    old, fresh, _scanned, theirs = labels(site, tent, oscar, sam)

    assert list(selectors.without_carrier_scan(hours=24)) == [theirs, old]  # oldest first
    assert list(selectors.without_carrier_scan(hours=1)) == [theirs, old, fresh]
    assert list(selectors.without_carrier_scan(hours=48)) == []


def test_staff_see_every_brand_and_a_brand_only_its_own(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    old, _fresh, _scanned, theirs = labels(site, tent, oscar, sam)
    alice = UserFactory.create(username="alice", role=Role.CLIENT_USER, client=tent.client)

    staff = api_as(sam).get(URL, {"hours": 24})
    brand = api_as(alice).get(URL, {"hours": 24})
    default = api_as(sam).get(URL)  # CARRIER_NO_SCAN_HOURS, 24

    assert staff.status_code == 200
    assert [r["tracking_number"] for r in staff.json()] == [
        theirs.tracking_number,
        old.tracking_number,
    ]
    assert [r["tracking_number"] for r in brand.json()] == [old.tracking_number]
    row = brand.json()[0]
    assert (row["client"], row["carrier"], row["service"], row["order_state"]) == (
        "NWO",
        "SIMX",
        "GROUND",
        "packed",
    )
    assert default.json() == staff.json()


def test_hours_must_be_a_positive_number(db: None, sam: User) -> None:
    for bad in ("-1", "0", "soon"):
        answer = api_as(sam).get(URL, {"hours": bad})
        assert answer.status_code == 400
        assert answer.json()["fields"] == {"hours": [answer.json()["message"]]}


def test_the_list_needs_a_signed_in_user(db: None) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401


def test_the_back_office_filter(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    from django.test import Client as DjangoClient

    old, fresh, scanned, theirs = labels(site, tent, oscar, sam)
    ada = UserFactory.create(username="ada", role=Role.ADMIN, is_staff=True, is_superuser=True)
    browser = DjangoClient()
    browser.force_login(ada)

    page = browser.get("/admin/carrier/carrierlabel/", {"scan": "none"}).content.decode()

    assert old.tracking_number in page and theirs.tracking_number in page
    assert fresh.tracking_number not in page and scanned.tracking_number not in page
