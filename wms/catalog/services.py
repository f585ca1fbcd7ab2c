"""Item-master writes: every path (admin, API, import, seed) goes through these."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from wms.catalog.identifiers import is_digits, normalize, same_scan_forms, scan_key
from wms.catalog.models import Client, Identifier, IdentifierKind, Item, PackLevel
from wms.errors import IdentifierCollision, IdentifierInvalid, WrongClient


def check_identifier(
    *,
    client: Client,
    item: Item,
    kind: str,
    value: str,
    channel: str = "",
    pack_level: PackLevel | None = None,
    exclude_pk: int | None = None,
) -> str:
    """Validate an identifier and refuse a collision; return its normalized key."""
    if item.client_id != client.pk:
        raise IdentifierInvalid("The item belongs to another client.", field="item")
    if pack_level is not None and pack_level.item_id != item.pk:
        raise IdentifierInvalid(
            f"Pack level {pack_level} belongs to another item, not {item.sku}.", field="pack_level"
        )
    if kind == IdentifierKind.CHANNEL_SKU and pack_level is not None:
        raise IdentifierInvalid(
            "A channel SKU names an item, not a pack level.", field="pack_level"
        )
    key = normalize(kind, value, channel)
    others = Identifier.objects.filter(client=client, normalized=key)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    clash = others.select_related("item").first()
    if clash is not None:
        raise IdentifierCollision(
            f"{value.strip()} is already {clash.get_kind_display()} of {clash.item.sku}; a barcode "
            "must name exactly one item and pack level.",
            field="value",
        )
    if kind != IdentifierKind.CHANNEL_SKU:
        forms = Q()
        for form in same_scan_forms(key):
            forms |= Q(sku__iexact=form)
        sku_clash = Item.objects.filter(forms, client=client).exclude(pk=item.pk)
        if sku_clash.exists():
            raise IdentifierCollision(
                f"{value.strip()} is the SKU of another item; scanning it would be ambiguous.",
                field="value",
            )
    return key


@transaction.atomic
def add_identifier(
    *,
    item: Item,
    kind: str,
    value: str,
    channel: str = "",
    pack_level: PackLevel | None = None,
) -> Identifier:
    # Serialise identifier writes per client so two admins cannot add the same barcode at once.
    client = Client.objects.select_for_update().get(pk=item.client_id)
    key = check_identifier(
        client=client, item=item, kind=kind, value=value, channel=channel, pack_level=pack_level
    )
    return Identifier.objects.create(
        client=client,
        item=item,
        kind=kind,
        value=value.strip(),
        channel=channel.strip().lower(),
        pack_level=pack_level,
        normalized=key,
    )


def check_stays_with_its_brand(*, identifier: Identifier, item: Item) -> int:
    """An identifier stays with its client: moving it to another brand's item is refused (add it
    to that item instead), so a barcode never resolves across brands. Returns the stored client."""
    # The stored client, not the instance's: a form may have set the instance from the new item.
    stored_client_id = Identifier.objects.values_list("client_id", flat=True).get(pk=identifier.pk)
    if item.client_id != stored_client_id:
        raise WrongClient(
            f"{identifier.value} belongs to another brand than {item.sku}; an identifier stays "
            "with its brand — add it to that item instead.",
            field="item",
        )
    return stored_client_id


@transaction.atomic
def change_identifier(
    *,
    identifier: Identifier,
    item: Item,
    kind: str,
    value: str,
    channel: str = "",
    pack_level: PackLevel | None = None,
) -> Identifier:
    """Correct an identifier in place, under the same client lock and checks as adding one; it
    stays with its brand (`check_stays_with_its_brand`)."""
    stored_client_id = check_stays_with_its_brand(identifier=identifier, item=item)
    identifier.client_id = stored_client_id
    client = Client.objects.select_for_update().get(pk=stored_client_id)
    key = check_identifier(
        client=client,
        item=item,
        kind=kind,
        value=value,
        channel=channel,
        pack_level=pack_level,
        exclude_pk=identifier.pk,
    )
    identifier.item = item
    identifier.kind = kind
    identifier.value = value.strip()
    identifier.channel = channel.strip().lower()
    identifier.pack_level = pack_level
    identifier.normalized = key
    identifier.save(update_fields=["item", "kind", "value", "channel", "pack_level", "normalized"])
    return identifier


@transaction.atomic
def remove_identifier(*, identifier: Identifier) -> None:
    """Forget a barcode. Under the client lock, so a concurrent add sees it gone or present."""
    Client.objects.select_for_update().get(pk=identifier.client_id)
    identifier.delete()


ITEM_FIELDS = (
    "description",
    "base_unit",
    "tracks_lots",
    "tracks_expiry",
    "tracks_serials",
    "hazmat",
    "un_number",
    "active",
)


def check_item_flags(
    *, sku: str, tracks_lots: bool, tracks_expiry: bool, hazmat: bool, un: str
) -> None:
    if not sku.strip():
        raise IdentifierInvalid("SKU is empty.", field="sku")
    if tracks_expiry and not tracks_lots:
        raise IdentifierInvalid(
            "Expiry is recorded per lot: an expiry-tracked item must also be lot-tracked.",
            field="tracks_expiry",
        )
    if un and not (un.upper().startswith("UN") and is_digits(un[2:]) and len(un) == 6):
        raise IdentifierInvalid(
            f"'{un}' is not a UN number (UN followed by 4 digits).", field="un_number"
        )
    if un and not hazmat:
        raise IdentifierInvalid(
            "A UN number is only for hazmat items; tick hazmat.", field="hazmat"
        )


@transaction.atomic
def create_item(*, client: Client, sku: str, description: str, **fields: object) -> Item:
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise IdentifierInvalid(f"Unknown item fields: {', '.join(sorted(unknown))}.")
    check_item_flags(
        sku=sku,
        tracks_lots=bool(fields.get("tracks_lots")),
        tracks_expiry=bool(fields.get("tracks_expiry")),
        hazmat=bool(fields.get("hazmat")),
        un=str(fields.get("un_number") or ""),
    )
    client = Client.objects.select_for_update().get(pk=client.pk)
    if Item.objects.filter(client=client, sku=sku.strip()).exists():
        raise IdentifierCollision(
            f"SKU {sku.strip()} already exists for {client.code}.", field="sku"
        )
    if Identifier.objects.filter(client=client, normalized=scan_key(sku)).exists():
        raise IdentifierCollision(
            f"{sku.strip()} is already a barcode of another item; pick another SKU.", field="sku"
        )
    item = Item.objects.create(client=client, sku=sku.strip(), description=description, **fields)
    PackLevel.objects.create(item=item, level="each", quantity=1)
    return item


def update_item(*, item: Item, **fields: object) -> Item:
    """Change item-master fields. The SKU and client never change: history points at them."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise IdentifierInvalid(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}. "
            "A SKU is permanent; create a new item instead."
        )
    merged = {f: fields.get(f, getattr(item, f)) for f in ITEM_FIELDS}
    check_item_flags(
        sku=item.sku,
        tracks_lots=bool(merged["tracks_lots"]),
        tracks_expiry=bool(merged["tracks_expiry"]),
        hazmat=bool(merged["hazmat"]),
        un=str(merged["un_number"] or ""),
    )
    if item.pk and item.touches.exists() and merged["tracks_lots"] != item.tracks_lots:
        raise IdentifierInvalid(
            f"{item.sku} already has stock history; lot tracking cannot be switched now.",
            field="tracks_lots",
        )
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=list(fields) or None)
    return item


def check_pack_level(*, level: str, quantity: int) -> None:
    if level == "each" and quantity != 1:
        raise IdentifierInvalid(
            "An 'each' is one base unit; its quantity must be 1.", field="quantity"
        )
    if quantity < 1:
        raise IdentifierInvalid("A pack level holds at least one unit.", field="quantity")


def set_pack_level(
    *,
    item: Item,
    level: str,
    quantity: int,
    length_mm: int | None = None,
    width_mm: int | None = None,
    height_mm: int | None = None,
    weight_g: int | None = None,
) -> PackLevel:
    check_pack_level(level=level, quantity=quantity)
    pack, _ = PackLevel.objects.update_or_create(
        item=item,
        level=level,
        defaults={
            "quantity": quantity,
            "length_mm": length_mm,
            "width_mm": width_mm,
            "height_mm": height_mm,
            "weight_g": weight_g,
        },
    )
    return pack
