"""Shopify's GET callbacks answer in the documented shapes — fetch_tracking_numbers by fulfillment
name ("#1001.1" → one number), fetch_stock by SKU — and a destination's province arrives as its
ISO 3166-2 code with the buyer's phone and e-mail."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from channels_app.shopify import mapping, signing
from channels_app.shopify.models import ShopifyStore
from channels_app.shopify.tests.conftest import SimControl, pick_pack_ship
from channels_app.shopify.tests.test_outbound import deliver_all
from tests.factories import Site, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders.models import Order


def signed_get(live: str, store: ShopifyStore, secret: str, path: str, query: str) -> Any:
    url = f"{live}/channels/shopify/callbacks/{store.pk}/{path}?{query}"
    return httpx.get(url, headers={signing.HEADER: signing.sign(secret, query.encode())})


def test_a_destination_becomes_the_cores_address_with_the_region_code() -> None:
    destination = {
        "firstName": "Jo",
        "lastName": "Buyer",
        "address1": "1 Pine St",
        "city": "Portland",
        "province": "Oregon",
        "zip": "97201",
        "countryCode": "US",
        "phone": "+1 503 555 0100",
        "email": "jo@example.com",
    }
    assert mapping.ship_to(destination) == {
        "name": "Jo Buyer",
        "line1": "1 Pine St",
        "city": "Portland",
        "region": "OR",
        "postal_code": "97201",
        "country": "US",
        "phone": "+1 503 555 0100",
        "email": "jo@example.com",
    }
    ontario = mapping.ship_to({**destination, "province": "Ontario", "countryCode": "CA"})
    assert ontario is not None and ontario["region"] == "ON"
    nowhere = mapping.ship_to({**destination, "province": "Atlantis"})
    assert nowhere is not None and nowhere["region"] == "Atlantis"  # kept, for a person to see
    company = mapping.ship_to({"company": "Acme", "countryCode": "us"})
    assert company == {"name": "Acme", "country": "US"}  # the rest is import_order's to refuse
    assert mapping.ship_to(None) is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_broker")
def test_an_imported_order_ships_to_the_region_code_phone_and_email(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 2, oscar)
    sim.products(**{"NWO-TENT": 2})

    created = sim.order(
        ("NWO-TENT", 1),
        destination={
            "firstName": "Jo",
            "lastName": "Buyer",
            "address1": "1 Pine St",
            "city": "Portland",
            "province": "Oregon",
            "zip": "97201",
            "countryCode": "US",
            "phone": "+1 503 555 0100",
            "email": "jo@example.com",
        },
    )

    order = Order.objects.get(channel="shopify", external_id=created["fulfillment_order_id"])
    assert (order.ship_to_region, order.ship_to_country) == ("OR", "US")
    assert (order.ship_to_phone, order.ship_to_email) == ("+1 503 555 0100", "jo@example.com")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_broker")
def test_fetch_tracking_numbers_answers_by_fulfillment_name_in_the_documented_shape(
    served: ShopifyStore,
    sim: SimControl,
    live: str,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})
    created = sim.order(("NWO-TENT", 1), name="#1001")
    pick_pack_ship(
        site, Order.objects.get(external_id=created["fulfillment_order_id"]), oscar, sam, "1ZNAME"
    )
    deliver_all(served)  # fulfillmentCreate: Shopify names our fulfillment "#1001.1"
    # Shopify's client sends the names Rails-style, with the shop.
    query = urlencode(
        [("order_names[]", "#1001.1"), ("order_names[]", "#1002.1"), ("shop", served.shop_domain)]
    )

    answer = signed_get(live, served, sim.sim.webhook_secret, "fetch_tracking_numbers", query)

    assert answer.status_code == 200
    body = answer.json()
    assert body["tracking_numbers"] == {"#1001.1": "1ZNAME"}  # #1002.1 is not ours: left out
    assert body["success"] is True and isinstance(body["message"], str)
    # The same, with the format suffix Shopify's own client appends.
    suffixed = signed_get(
        live, served, sim.sim.webhook_secret, "fetch_tracking_numbers.json", query
    )
    assert suffixed.json()["tracking_numbers"] == {"#1001.1": "1ZNAME"}


@pytest.mark.django_db(transaction=True)
def test_fetch_stock_answers_sku_to_quantity_and_refuses_another_shop(
    served: ShopifyStore, sim: SimControl, live: str, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 7, oscar)
    secret = sim.sim.webhook_secret

    one = signed_get(live, served, secret, "fetch_stock", f"sku=NWO-TENT&shop={served.shop_domain}")
    every = signed_get(live, served, secret, "fetch_stock.json", f"shop={served.shop_domain}")
    unknown = signed_get(live, served, secret, "fetch_stock", "sku=NWO-GHOST")
    other = signed_get(live, served, secret, "fetch_stock", "sku=NWO-TENT&shop=evil.myshopify.com")

    assert one.json() == {"NWO-TENT": 7}  # the documented {"<sku>": quantity}
    assert every.json() == {"NWO-TENT": 7}
    assert unknown.json() == {"NWO-GHOST": 0}
    assert other.status_code == 401
    assert "evil.myshopify.com" in other.json()["message"]
