"""Item master rules: check digits, one barcode → one item and pack level, scan resolution."""

from __future__ import annotations

import pytest

from tests.factories import gtin, make_item
from wms.catalog import services as catalog
from wms.catalog.identifiers import gtin14, normalize
from wms.catalog.models import Client, IdentifierKind, Item
from wms.catalog.selectors import resolve_barcode
from wms.errors import IdentifierCollision, IdentifierInvalid, UnknownBarcode


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("036000291452", "00036000291452"),  # UPC-A
        ("4006381333931", "04006381333931"),  # EAN-13
        ("96385074", "00000096385074"),  # EAN-8
        ("10012345678902", "10012345678902"),  # GTIN-14 (case)
    ],
)
def test_gtins_normalize_to_gtin14(value: str, expected: str) -> None:
    assert normalize(IdentifierKind.GTIN, value) == expected


def test_a_wrong_check_digit_says_which_digit_is_right() -> None:
    with pytest.raises(IdentifierInvalid, match="last digit should be 2"):
        normalize(IdentifierKind.GTIN, "036000291453")
    with pytest.raises(IdentifierInvalid, match="8, 12, 13 or 14 digits"):
        normalize(IdentifierKind.GTIN, "12345")
    assert gtin14("036000291453") is None


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (IdentifierKind.ASIN, "A123", "is not an ASIN"),
        (IdentifierKind.FNSKU, "B00TOOLONG123", "is not an FNSKU"),
        (IdentifierKind.CHANNEL_SKU, "ABC", "needs its channel"),
        (IdentifierKind.OTHER, "   ", "is empty"),
    ],
)
def test_malformed_identifiers_are_refused(kind: str, value: str, message: str) -> None:
    with pytest.raises(IdentifierInvalid, match=message):
        normalize(kind, value)


def test_upc_and_ean_of_the_same_product_collide(nwo: Client) -> None:
    tent, mug = make_item(nwo, "NWO-TENT"), make_item(nwo, "NWO-MUG")
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value="036000291452")

    with pytest.raises(IdentifierCollision, match="already UPC / EAN / GTIN of NWO-TENT"):
        catalog.add_identifier(item=mug, kind=IdentifierKind.GTIN, value="0036000291452")
    assert mug.identifiers.count() == 0


def test_a_barcode_may_not_be_another_items_sku(nwo: Client) -> None:
    make_item(nwo, "X00ABCDEF1")
    mug = make_item(nwo, "NWO-MUG")
    with pytest.raises(IdentifierCollision, match="SKU of another item"):
        catalog.add_identifier(item=mug, kind=IdentifierKind.FNSKU, value="X00ABCDEF1")


def test_the_same_barcode_may_belong_to_two_clients(nwo: Client, bbb: Client) -> None:
    a, b = make_item(nwo, "A-1"), make_item(bbb, "B-1")
    catalog.add_identifier(item=a, kind=IdentifierKind.GTIN, value=gtin(11))
    catalog.add_identifier(item=b, kind=IdentifierKind.GTIN, value=gtin(11))
    assert resolve_barcode(client_id=nwo.pk, value=gtin(11)).item == a
    assert resolve_barcode(client_id=bbb.pk, value=gtin(11)).item == b


def test_a_case_barcode_resolves_to_the_case_quantity(tent: Item) -> None:
    case = catalog.set_pack_level(item=tent, level="case", quantity=12, weight_g=9000)
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=gtin(5))
    catalog.add_identifier(
        item=tent, kind=IdentifierKind.GTIN, value=gtin(10005, 14), pack_level=case
    )

    each = resolve_barcode(client_id=tent.client_id, value=gtin(5))
    boxed = resolve_barcode(client_id=tent.client_id, value=gtin(10005, 14))
    by_sku = resolve_barcode(client_id=tent.client_id, value="NWO-TENT")

    assert (each.item, each.units) == (tent, 1)
    assert (boxed.item, boxed.pack_level, boxed.units) == (tent, case, 12)
    assert by_sku.item == tent


def test_an_unknown_barcode_says_what_to_scan(nwo: Client) -> None:
    with pytest.raises(UnknownBarcode, match=r"not known for this client\. Scan the item's UPC"):
        resolve_barcode(client_id=nwo.pk, value="NOPE")


def test_channel_skus_never_resolve_a_scan(tent: Item) -> None:
    catalog.add_identifier(
        item=tent, kind=IdentifierKind.CHANNEL_SKU, channel="shopify", value="TENT2P"
    )
    with pytest.raises(UnknownBarcode):
        resolve_barcode(client_id=tent.client_id, value="TENT2P")


def test_item_rules(nwo: Client, tent: Item) -> None:
    with pytest.raises(IdentifierInvalid, match="must also be lot-tracked"):
        make_item(nwo, "BAD-1", tracks_expiry=True)
    with pytest.raises(IdentifierInvalid, match="only for hazmat"):
        make_item(nwo, "BAD-2", un_number="UN1266")
    with pytest.raises(IdentifierCollision, match="already exists"):
        make_item(nwo, "NWO-TENT")
    with pytest.raises(IdentifierInvalid, match="SKU is permanent"):
        catalog.update_item(item=tent, sku="NEW")
    with pytest.raises(IdentifierInvalid, match="quantity must be 1"):
        catalog.set_pack_level(item=tent, level="each", quantity=2)
    assert tent.pack_levels.get().level == "each"
