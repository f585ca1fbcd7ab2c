"""Carrier labels → "Buy missing label": a carton closed while the carrier was down gets its label
from the back office, through the same buy_label the pack station's hook calls — once, with the
parcel's key, and only for cartons that lack one."""

from __future__ import annotations

from django.test import Client as DjangoClient

from channels_app.carrier.models import CarrierAccount, CarrierLabel, LabelState
from channels_app.carrier.tests.conftest import CarrierControl, pack_and_close
from tests.factories import Site
from wms.accounts.models import User
from wms.catalog.models import Item

URL = "/admin/carrier/carrierlabel/"


def test_the_back_office_buys_the_labels_a_down_carrier_could_not_sell(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
    ada: User,
) -> None:
    carrier_sim.fault("500", operation="buy_label")
    missing = pack_and_close(site, tent, oscar, sam)
    labelled = pack_and_close(site, tent, oscar, sam)  # the carrier is back
    assert not CarrierLabel.objects.filter(parcel=missing.parcel).exists()
    browser = DjangoClient()
    browser.force_login(ada)
    assert "Buy missing label" in browser.get(URL).content.decode()

    answer = browser.post(f"{URL}buy-missing/", follow=True)

    label = CarrierLabel.objects.get(parcel=missing.parcel, state=LabelState.ACTIVE)
    barcode = missing.parcel.container.barcode
    said = [str(m) for m in answer.context["messages"]]
    assert said == [f"{barcode}: label {label.tracking_number} bought; print it at the label desk."]
    assert CarrierLabel.objects.filter(parcel=labelled.parcel).count() == 1  # not bought twice
    effects = carrier_sim.state()["effects"]["labels"]
    assert effects[label.idempotency_key] == 1 and len(effects) == 2

    again = browser.post(f"{URL}buy-missing/", follow=True)

    assert [str(m) for m in again.context["messages"]] == [
        "No closed carton is missing its carrier label."
    ]
    assert browser.get(f"{URL}buy-missing/").status_code == 405  # a purchase is a POST


def test_a_carrier_still_down_is_said_per_carton_and_buys_nothing(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
    ada: User,
) -> None:
    carrier_sim.fault("500", operation="buy_label", count=2)
    missing = pack_and_close(site, tent, oscar, sam)
    browser = DjangoClient()
    browser.force_login(ada)

    answer = browser.post(f"{URL}buy-missing/", follow=True)

    [line] = [str(m) for m in answer.context["messages"]]
    assert line.startswith(f"{missing.parcel.container.barcode}: not bought: ")
    assert "Try again when the carrier answers." in line
    assert not CarrierLabel.objects.exists()
