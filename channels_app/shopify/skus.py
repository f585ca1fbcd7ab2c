"""Which of our items a Shopify SKU names, and the SKU Shopify knows an item by.

A Shopify variant's SKU is the item's ``shopify`` channel SKU when it has one, else our own SKU.
Requests (inbound.py), pushes, the stock sync and returns all name items through these two.
"""

from __future__ import annotations

from channels_app.shopify.errors import UnknownShopifySku
from channels_app.shopify.models import CHANNEL, ShopifyStore
from wms.catalog.models import Identifier, IdentifierKind, Item


def item_for_sku(store: ShopifyStore, sku: str) -> Item:
    """The item a Shopify SKU names: its shopify channel SKU, else our own SKU."""
    found = (
        Identifier.objects.filter(
            client_id=store.client_id, kind=IdentifierKind.CHANNEL_SKU, channel=CHANNEL, value=sku
        )
        .select_related("item")
        .first()
    )
    if found is not None:
        return found.item
    item = Item.objects.filter(client_id=store.client_id, sku=sku).first() if sku else None
    if item is None:
        raise UnknownShopifySku(
            f"Shopify SKU {sku or '(none)'} matches no item of this client: add it to the item "
            "master (or as its Shopify channel SKU); Shopify can then resend the request."
        )
    return item


def sku_for(store: ShopifyStore, item: Item) -> str:
    value = (
        Identifier.objects.filter(item=item, kind=IdentifierKind.CHANNEL_SKU, channel=CHANNEL)
        .values_list("value", flat=True)
        .first()
    )
    return value or item.sku
