"""Creating an expected receipt is a supervisor's: an operator is refused with the named error
(403 not_permitted) and nothing is recorded; a supervisor's identical request creates it."""

from __future__ import annotations

from tests.conftest import api_as
from tests.factories import Site
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inbound.models import ExpectedReceipt


def body(client: Client) -> dict[str, object]:
    return {
        "client": client.pk,
        "warehouse": "TST1",
        "reference": "ASN-77",
        "lines": [{"sku": "NWO-TENT", "quantity": 4}],
    }


def test_an_operator_cannot_create_an_expected_receipt(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    refused = api_as(oscar).post("/api/receipts/", body(nwo), format="json")

    assert refused.status_code == 403
    assert refused.json() == {
        "error": "not_permitted",
        "message": "Creating an expected receipt needs a supervisor.",
    }
    assert not ExpectedReceipt.objects.exists()

    created = api_as(sam).post("/api/receipts/", body(nwo), format="json")
    assert created.status_code == 201, created.json()
    assert ExpectedReceipt.objects.get().reference == "ASN-77"
