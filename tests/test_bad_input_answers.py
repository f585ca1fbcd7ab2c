"""Odd input is a 400 (NUL bytes, odd query values, bad label and claim input), never a 500; a
database hiccup is a 503 that invites a retry."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from compliance.models import Printer, RuleSet
from tests.conftest import api_as
from tests.factories import (
    Site,
)
from wms.accounts.models import User
from wms.api.errors import exception_handler
from wms.catalog.models import Client
from wms.layout import services as layout


def test_odd_query_values_are_a_400_not_a_500(sam: User, db: None) -> None:
    api = api_as(sam)
    assert api.get("/api/pick-tasks/?wave=%C2%B2").status_code == 200
    assert api.get("/api/orders/at-risk/?within_minutes=5000000000").status_code == 200


def test_bad_label_and_claim_input_is_a_400(site: Site, nwo: Client, ada: User, sam: User) -> None:
    desk = Printer.objects.create(station="DESK", name="laser", kind="pdf")
    plate = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="P" * 40, location=site.dock
    )
    response = api_as(ada).post(
        "/api/label-station/jobs/",
        {"kind": "license_plate", "printer": desk.pk, "container": plate.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("This label cannot be made:")
    pallet = api_as(ada).post(
        "/api/label-station/jobs/",
        {"kind": "sscc_pallet", "printer": desk.pk, "container": plate.pk},
        format="json",
    )
    assert pallet.status_code == 400  # a valid kind; this pallet holds no cartons yet
    assert "holds no packed cartons" in pallet.json()["message"]
    RuleSet.objects.create(code="BR", name="Big Retail", kind="retailer", channel="edi")
    claim = api_as(sam).post(
        "/api/compliance/chargebacks/",
        {
            "rule_set": "BR",
            "client": nwo.pk,
            "category": "label",
            "amount": "5.00",
            "reference": "DM\n1",
        },
        format="json",
    )
    assert claim.status_code == 400
    assert claim.json()["fields"]["reference"] == [
        "The claim reference is one line of text (no control characters)."
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/api/balances/?sku=%00",
        "/api/items/?sku=a%00b",
        "/api/touches/?reference=%00",
        "/api/items/resolve/?client=1&value=%00",
        "/api/locations/?barcode=%00",
    ],
)
def test_a_nul_byte_in_a_query_is_a_400(ada: User, url: str) -> None:
    response = api_as(ada).get(url)
    assert response.status_code == 400
    assert response.json()["message"].startswith(
        "A value in the request cannot be stored or searched"
    )


def test_a_database_hiccup_is_a_503_that_invites_a_retry() -> None:
    response = exception_handler(OperationalError("deadlock detected"), {})
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "applied only once" in response.data["message"]
