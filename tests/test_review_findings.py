"""Regressions for what a review found: odd input that used to 500, collisions that slipped through,
checks that a no-op scan skipped, and corruption verify_ledger did not look for."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from tests.conftest import api_as
from tests.factories import Site, UserFactory, ctx, gtin, make_item, make_site
from wms.accounts.models import Role, User
from wms.api.errors import exception_handler
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.errors import IdentifierCollision, IdentifierInvalid, ScanIdReused, WrongContainer
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.inventory.reconcile import verify
from wms.layout import services as layout


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


def test_a_scan_id_is_one_persons_one_request(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    scan_id = uuid.uuid4()
    touches.receive_return(
        ScanContext(scan_id, oscar),
        item=tent,
        quantity=1,
        location=site.returns,
        reference="RMA-1",
        reason_code="defect",
    )
    with pytest.raises(ScanIdReused):
        touches.receive_return(
            ScanContext(scan_id, oscar),
            item=tent,
            quantity=1,
            location=site.returns,
            reference="RMA-1",
            reason_code="wrong_size",
        )
    with pytest.raises(ScanIdReused):
        touches.receive_return(
            ScanContext(scan_id, sam),
            item=tent,
            quantity=1,
            location=site.returns,
            reference="RMA-1",
            reason_code="defect",
        )


def test_counting_an_empty_container_checks_where_it_is(
    site: Site, tent: Item, oscar: User
) -> None:
    tote = site.tote()  # at the pack station
    with pytest.raises(WrongContainer, match="is not at A-01-1"):
        touches.count(ctx(oscar), item=tent, location=site.storage1, container=tote, counted=0)


def test_a_plate_of_another_warehouse_is_refused(site: Site, tent: Item, oscar: User) -> None:
    elsewhere = make_site("OTH1")
    plate = layout.create_container(warehouse=elsewhere.warehouse, type="pallet", barcode="P-OTHER")
    with pytest.raises(WrongContainer, match="belongs to another warehouse"):
        touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock, container=plate)


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


def test_a_brand_user_can_never_be_staff(nwo: Client) -> None:
    with pytest.raises(IntegrityError, match="client_user_not_staff"), transaction.atomic():
        UserFactory.create(username="eve", role=Role.CLIENT_USER, client=nwo, is_staff=True)


def test_verify_catches_a_row_filed_under_the_wrong_client(
    site: Site, tent: Item, bbb: Client, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wms_balance SET client_id = %s WHERE item_id = %s", [bbb.pk, tent.pk]
        )
    report = verify()
    assert any("where its item says" in p for p in report.problems), report.problems


def test_a_database_hiccup_is_a_503_that_invites_a_retry() -> None:
    response = exception_handler(OperationalError("deadlock detected"), {})
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "applied only once" in response.data["message"]
