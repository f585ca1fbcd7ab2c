"""Identifier rules: only ASCII digits are digits, a SKU may not be another form of an existing
GTIN, and the admin refuses two rows of the same barcode."""

from __future__ import annotations

import pytest

from tests.conftest import api_as
from tests.factories import Site, gtin, make_item
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.errors import IdentifierCollision, IdentifierInvalid


def test_superscript_digits_are_not_digits(ada: User, tent: Item, site: Site) -> None:
    api = api_as(ada)
    ident = api.post(
        "/api/identifiers/", {"item": tent.pk, "kind": "gtin", "value": "²2345678"}, format="json"
    )
    assert ident.status_code == 400
    sscc = api.post(
        "/api/containers/",
        {"warehouse": site.warehouse.pk, "type": "pallet", "sscc": "²" + "0" * 17},
        format="json",
    )
    assert sscc.status_code == 400
    with pytest.raises(IdentifierInvalid):
        make_item(tent.client, "HAZ", hazmat=True, un_number="UN²²²²")


def test_a_sku_may_not_be_another_form_of_an_existing_gtin(nwo: Client, tent: Item) -> None:
    upc = gtin(42)
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=upc)
    with pytest.raises(IdentifierCollision, match="already a barcode"):
        make_item(nwo, "0" + upc)

    make_item(nwo, "0" + gtin(44))  # an EAN-13 form that is not a barcode yet
    other = make_item(nwo, "NWO-OTHER")
    with pytest.raises(IdentifierCollision, match="SKU of another item"):
        catalog.add_identifier(item=other, kind=IdentifierKind.GTIN, value=gtin(44))


def test_admin_refuses_two_rows_of_the_same_barcode(ada: User, nwo: Client) -> None:
    from django.test import Client as WebClient

    web = WebClient()
    web.force_login(ada)
    response = web.post(
        "/admin/wms/item/add/",
        {
            "client": nwo.pk,
            "sku": "NWO-TWICE",
            "description": "Twice",
            "base_unit": "each",
            "pack_levels-TOTAL_FORMS": "0",
            "pack_levels-INITIAL_FORMS": "0",
            "identifiers-TOTAL_FORMS": "2",
            "identifiers-INITIAL_FORMS": "0",
            "identifiers-0-kind": "gtin",
            "identifiers-0-value": gtin(66),
            "identifiers-1-kind": "gtin",
            "identifiers-1-value": "0" + gtin(66),
        },
    )
    assert response.status_code == 200
    assert "are the same barcode; keep one row" in response.content.decode()
    assert not Item.objects.filter(sku="NWO-TWICE").exists()
