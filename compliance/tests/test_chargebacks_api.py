"""Chargebacks over the API: recorded by a supervisor, read by the brand, evidence and dispute pack."""

from __future__ import annotations

import pypdfium2

from compliance.models import RuleSet
from tests.conftest import api_as
from wms.accounts.models import User
from wms.catalog.models import Client


def test_a_chargeback_is_recorded_read_and_disputed(
    db: None, nwo: Client, sam: User, alice: User, charlie: User
) -> None:
    RuleSet.objects.create(
        code="BR-RG",
        name="Big Retail routing guide",
        kind="retailer",
        channel="edi",
        asn_deadline_minutes=30,
    )
    body = {
        "rule_set": "BR-RG",
        "client": nwo.pk,
        "category": "label",
        "amount": "150.00",
        "reference": "DM-1",
    }

    created = api_as(sam).post("/api/compliance/chargebacks/", body, format="json")
    assert created.status_code == 201, created.json()
    again = api_as(sam).post(
        "/api/compliance/chargebacks/", body | {"reference": "dm-1"}, format="json"
    )
    assert again.status_code == 409
    assert (
        api_as(alice)
        .post("/api/compliance/chargebacks/", body | {"reference": "DM-2"}, format="json")
        .status_code
        == 403
    )

    cb = created.json()["id"]
    assert api_as(charlie).get(f"/api/compliance/chargebacks/{cb}/").status_code == 404
    evidence = api_as(alice).get(f"/api/compliance/chargebacks/{cb}/evidence/")
    assert evidence.status_code == 200
    pack = api_as(alice).get(f"/api/compliance/chargebacks/{cb}/dispute-pack/")
    assert pack["Content-Type"] == "application/pdf"
    doc = pypdfium2.PdfDocument(pack.content)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "DM-1" in text
