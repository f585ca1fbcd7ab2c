"""The back office writes through the services: an admin save meets the same rules as the API.

Ada (the item-master admin) works in the Django admin; what she saves must be what the catalog,
layout and compliance services would have written, so the channels find it and the floor can
scan it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as WebClient
from stdnum import ean

from channels_app.shopify.adapter import item_for_sku
from channels_app.shopify.models import ShopifyStore
from tests.factories import Site, gtin, service
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, Identifier, IdentifierKind, Item, PackLevel
from wms.layout.models import Container, Location


def signed_in(user: User) -> WebClient:
    web = WebClient()
    web.force_login(user)
    return web


def item_change_form(item: Item, **extra: str) -> dict[str, Any]:
    """The item change form as the admin posts it: item fields, existing pack levels, no rows."""
    form: dict[str, Any] = {
        "description": item.description,
        "base_unit": item.base_unit,
        "active": "on",
        "identifiers-TOTAL_FORMS": "0",
        "identifiers-INITIAL_FORMS": "0",
    }
    packs = list(item.pack_levels.all())
    form["pack_levels-TOTAL_FORMS"] = str(len(packs))
    form["pack_levels-INITIAL_FORMS"] = str(len(packs))
    for n, pack in enumerate(packs):
        form[f"pack_levels-{n}-id"] = str(pack.pk)
        form[f"pack_levels-{n}-item"] = str(item.pk)
        form[f"pack_levels-{n}-level"] = pack.level
        form[f"pack_levels-{n}-quantity"] = str(pack.quantity)
    form.update(extra)
    return form


def test_a_channel_sku_added_in_the_item_inline_is_found_by_the_shopify_lookup(
    ada: User, nwo: Client, tent: Item
) -> None:
    form = item_change_form(
        tent,
        **{
            "identifiers-TOTAL_FORMS": "1",
            "identifiers-0-kind": IdentifierKind.CHANNEL_SKU,
            "identifiers-0-channel": "Shopify",
            "identifiers-0-value": " TENT-2P-GREEN ",
        },
    )
    response = signed_in(ada).post(f"/admin/wms/item/{tent.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[-2000:]
    stored = Identifier.objects.get(item=tent, kind=IdentifierKind.CHANNEL_SKU)
    assert stored.channel == "shopify"
    assert stored.value == "TENT-2P-GREEN"
    assert stored.normalized == "shopify:TENT-2P-GREEN"
    store = ShopifyStore.objects.create(
        client=nwo, shop_domain="nwo.myshopify.com", secrets_name="NWO", default_service=service()
    )
    assert item_for_sku(store, "TENT-2P-GREEN") == tent


def test_an_identifier_corrected_in_the_inline_is_normalised_again(ada: User, tent: Item) -> None:
    typed = catalog.add_identifier(
        item=tent, kind=IdentifierKind.CHANNEL_SKU, channel="amazon", value="TENT-OLD"
    )
    form = item_change_form(
        tent,
        **{
            "identifiers-TOTAL_FORMS": "1",
            "identifiers-INITIAL_FORMS": "1",
            "identifiers-0-id": str(typed.pk),
            "identifiers-0-item": str(tent.pk),
            "identifiers-0-kind": IdentifierKind.CHANNEL_SKU,
            "identifiers-0-channel": "Shopify ",
            "identifiers-0-value": "TENT-NEW",
        },
    )
    response = signed_in(ada).post(f"/admin/wms/item/{tent.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[-2000:]
    typed.refresh_from_db()
    assert (typed.channel, typed.value, typed.normalized) == (
        "shopify",
        "TENT-NEW",
        "shopify:TENT-NEW",
    )


def test_an_identifier_added_on_its_own_admin_page_is_normalised(ada: User, tent: Item) -> None:
    response = signed_in(ada).post(
        "/admin/wms/identifier/add/",
        {
            "item": tent.pk,
            "kind": IdentifierKind.CHANNEL_SKU,
            "channel": "AMAZON",
            "value": "NWO-TENT-AMZ",
        },
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    stored = Identifier.objects.get(item=tent, kind=IdentifierKind.CHANNEL_SKU)
    assert (stored.channel, stored.normalized, stored.client_id) == (
        "amazon",
        "amazon:NWO-TENT-AMZ",
        tent.client_id,
    )


def test_a_pack_level_in_the_inline_meets_the_pack_level_rule(ada: User, tent: Item) -> None:
    web = signed_in(ada)
    each = tent.pack_levels.get(level="each")
    wrong = item_change_form(tent, **{"pack_levels-0-quantity": "2"})
    refused = web.post(f"/admin/wms/item/{tent.pk}/change/", wrong)
    assert refused.status_code == 200
    assert "An &#x27;each&#x27; is one base unit" in refused.content.decode()
    each.refresh_from_db()
    assert each.quantity == 1

    case = item_change_form(
        tent,
        **{
            "pack_levels-TOTAL_FORMS": "2",
            "pack_levels-1-item": str(tent.pk),
            "pack_levels-1-level": "case",
            "pack_levels-1-quantity": "12",
        },
    )
    assert web.post(f"/admin/wms/item/{tent.pk}/change/", case).status_code == 302
    assert PackLevel.objects.get(item=tent, level="case").quantity == 12


def test_a_location_added_in_the_admin_is_created_by_the_layout_service(
    ada: User, site: Site
) -> None:
    taken = site.face1
    response = signed_in(ada).post(
        "/admin/wms/location/add/",
        {
            "warehouse": site.warehouse.pk,
            "code": "NEW-01",
            "barcode": taken.barcode,
            "type": "storage",
            "sellable": "on",
            "sequence": 5,
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert not Location.objects.filter(code="NEW-01").exists()

    created = signed_in(ada).post(
        "/admin/wms/location/add/",
        {
            "warehouse": site.warehouse.pk,
            "code": "NEW-01",
            "barcode": "NEW-01",
            "type": "storage",
            "sellable": "on",
            "sequence": 5,
            "active": "on",
        },
    )
    assert created.status_code == 302
    assert Location.objects.get(warehouse=site.warehouse, code="NEW-01").sellable


def test_a_container_with_a_wrong_sscc_check_digit_is_refused(ada: User, site: Site) -> None:
    body = "00012345" + "000000001"
    good = body + ean.calc_check_digit(body)
    wrong = body + str((int(good[-1]) + 1) % 10)
    web = signed_in(ada)
    form = {"warehouse": site.warehouse.pk, "barcode": "P-ADMIN", "type": "pallet", "sscc": wrong}
    refused = web.post("/admin/wms/container/add/", form)
    assert refused.status_code == 200
    assert "wrong check digit" in refused.content.decode()
    assert not Container.objects.filter(barcode="P-ADMIN").exists()

    form["sscc"] = good
    assert web.post("/admin/wms/container/add/", form).status_code == 302
    plate = Container.objects.get(barcode="P-ADMIN")
    assert plate.sscc == good

    # Once registered, a plate's identity is printed and scanned: not editable here.
    form["barcode"] = "P-RENAMED"
    web.post(f"/admin/wms/container/{plate.pk}/change/", form)
    plate.refresh_from_db()
    assert plate.barcode == "P-ADMIN"


def test_a_lot_cannot_be_typed_in_the_admin(ada: User) -> None:
    assert signed_in(ada).get("/admin/wms/lot/add/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/compliance/chargeback/add/",
        "/admin/carrier/trackingevent/add/",
        "/admin/shopify/shopifyfulfillmentorder/add/",
        "/admin/shopify/shopifyinventoryitem/add/",
        "/admin/amazon/amazonorder/add/",
    ],
)
def test_rows_written_by_a_service_cannot_be_added_in_the_admin(ada: User, url: str) -> None:
    assert signed_in(ada).get(url).status_code == 403


def test_a_barcode_inline_collision_still_names_the_other_item(
    ada: User, nwo: Client, tent: Item
) -> None:
    other = catalog.create_item(client=nwo, sku="NWO-STOVE", description="Stove")
    catalog.add_identifier(item=other, kind=IdentifierKind.GTIN, value=gtin(91))
    form = item_change_form(
        tent,
        **{
            "identifiers-TOTAL_FORMS": "1",
            "identifiers-0-kind": IdentifierKind.GTIN,
            "identifiers-0-channel": "",
            "identifiers-0-value": gtin(91),
        },
    )
    response = signed_in(ada).post(f"/admin/wms/item/{tent.pk}/change/", form)
    assert response.status_code == 200
    assert "is already UPC / EAN / GTIN of NWO-STOVE" in response.content.decode()
    assert not tent.identifiers.exists()


def test_a_held_listing_is_released_through_the_listings_service(
    ada: User, nwo: Client, tent: Item
) -> None:
    from channels_app.amazon.models import AmazonException, AmazonIntegration, Listing

    integration = AmazonIntegration.objects.create(
        client=nwo,
        seller_id="A3SIMSELLER01",
        marketplace_ids=["ATVPDKIKX0DER"],
        lwa_client_id="amzn1.application-oa2-client.test",
        secrets_name="NWO",
        default_service=service(),
    )
    listing = Listing.objects.create(
        integration=integration,
        item=tent,
        msku="NWO-TENT",
        pushed_quantity=5,
        held=True,
        held_reason="Amazon says 9",
    )
    mismatch = AmazonException.objects.create(
        integration=integration,
        kind="quantity_mismatch",
        msku="NWO-TENT",
        item=tent,
        detail="Amazon says 9, we say 5",
        owner="integration engineer",
    )
    web = signed_in(ada)
    # What was pushed and the hold are the sync's: the change form does not write them.
    web.post(
        f"/admin/amazon/listing/{listing.pk}/change/",
        {
            "integration": integration.pk,
            "item": tent.pk,
            "msku": "NWO-TENT",
            "product_type": "PRODUCT",
            "pushed_quantity": "50",
            "held": "",
        },
    )
    listing.refresh_from_db()
    assert (listing.pushed_quantity, listing.held) == (5, True)

    response = web.post(
        "/admin/amazon/listing/",
        {"action": "release_selected", "_selected_action": [listing.pk]},
    )

    assert response.status_code == 302
    listing.refresh_from_db()
    mismatch.refresh_from_db()
    assert (listing.held, listing.held_reason) == (False, "")
    assert mismatch.resolved_at is not None


def test_an_identifier_cannot_move_to_another_brands_item(
    ada: User, tent: Item, serum: Item
) -> None:
    sku = catalog.add_identifier(
        item=tent, kind=IdentifierKind.CHANNEL_SKU, channel="shopify", value="NWO-TENT-SHOP"
    )

    refused = signed_in(ada).post(
        f"/admin/wms/identifier/{sku.pk}/change/",
        {
            "item": serum.pk,
            "kind": IdentifierKind.CHANNEL_SKU,
            "channel": "shopify",
            "value": "NWO-TENT-SHOP",
        },
    )

    assert refused.status_code == 200  # the form again, with the reason
    assert "an identifier stays with its brand" in refused.content.decode()
    stored = Identifier.objects.get(pk=sku.pk)
    assert (stored.item_id, stored.client_id) == (tent.pk, tent.client_id)
