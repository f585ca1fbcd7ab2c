"""What the label desk can print for whatever was scanned or typed.

One box takes anything: an item barcode or SKU, a carton or pallet plate (or its SSCC, with or
without the GS1 "(00)"), an order number, a tracking number, a load reference, an FBA shipment ID,
a location. An FBA shipment is found by Amazon's shipment ID or by its confirmation ID (FBA…),
the one on its box labels. `look_up` answers every record the code names (an order number may exist at two
brands) with the labels each can have; `label_request` turns a label the clerk picked back into
the arguments of `printing.print_label`, refusing anything it does not know.

FBA shipments live with the Amazon integration, which compliance never imports: it registers a
source at start-up (`compliance/fba.register_fba`), as compliance registers its checks with the
core. A plan Amazon split has several shipments: each carton's box label is its own shipment's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from compliance.fba import (  # noqa: F401  (register_fba, FbaShipment: the integration's names)
    FbaShipment,
    FbaShipments,
    fba_by_code,
    fba_for_order,
    fba_for_parcel,
    register_fba,
)
from compliance.printing import LABEL_BUILDERS
from wms.catalog.identifiers import scan_key
from wms.catalog.models import Identifier, IdentifierKind, Item
from wms.errors import DomainError
from wms.layout.models import Container, Location
from wms.loading.models import Load
from wms.orders.models import Order, Parcel, ShipmentParcel

TITLES = {
    "fnsku": "FNSKU unit labels",
    "item": "Item label",
    "sscc_carton": "GS1-128 carton label",
    "sscc_pallet": "GS1-128 pallet label",
    "fba_box": "FBA box label",
    "shipping_label": "4×6 shipping label",
    "packing_slip": "Packing slip",
    "location": "Location label",
    "license_plate": "License plate label",
    "carrier_label": "Carrier label (bought)",
    "test": "Test print",
}
MAX_QUANTITY = 3000


class NothingFound(DomainError):
    code = "nothing_found"
    http_status = 404


class StationInputInvalid(DomainError):
    code = "station_input_invalid"


@dataclass(frozen=True)
class Printable:
    """One label the desk can print: its kind and the ids the builder is given."""

    label: str
    subject: str
    params: dict[str, str] = field(default_factory=dict)
    asks_quantity: bool = False
    quantity: int = 1
    blocked: str = ""  # why it cannot be printed yet; empty when it can

    @property
    def title(self) -> str:
        return TITLES[self.label]

    @property
    def key(self) -> str:
        """Stable id for the page (and the tests): kind and ids."""
        return "-".join([self.label, *(f"{k}{v}" for k, v in sorted(self.params.items()))])


@dataclass(frozen=True)
class Bulk:
    """Many labels in one go: all carton labels of an order or a load, an FBA shipment's
    box labels or its units' FNSKU labels."""

    kind: str
    title: str
    params: dict[str, str]


@dataclass(frozen=True)
class Found:
    kind: str  # order, carton, pallet, plate, load, fba_shipment, item, location
    name: str
    facts: list[tuple[str, str]]
    printables: list[Printable]
    bulk: list[Bulk] = field(default_factory=list)


def look_up(raw: str) -> list[Found]:
    """Everything the code names, each with what can be printed for it; refused when nothing."""
    code = _clean(raw)
    if not code:
        raise StationInputInvalid(
            "Scan or type something: an item barcode or SKU, a plate, an order, a location…",
            field="code",
        )
    found: list[Found] = []
    container = _container(code)
    if container is not None:
        found.append(_for_container(container))
    if (fba := fba_by_code(code)) is not None:
        found.append(_for_fba(fba))
    orders = Order.objects.filter(external_id=code).select_related("client").order_by("pk")
    found += [_for_order(o) for o in orders]
    for shipped in ShipmentParcel.objects.filter(tracking_number=code).select_related(
        "parcel__container", "parcel__order"
    ):
        found.append(_for_container(shipped.parcel.container))
    found += [_for_load(load) for load in Load.objects.filter(reference=code).order_by("pk")]
    locations = Location.objects.filter(Q(barcode=code) | Q(code__iexact=code), is_virtual=False)
    found += [_for_location(loc) for loc in locations.select_related("warehouse")]
    found += [_for_item(item) for item in _items(code)]
    if not found:
        raise NothingFound(
            f"Nothing is known as {code}. Scan an item barcode or SKU, a carton or pallet plate "
            "(or its SSCC), an order or tracking number, a load, an FBA shipment or a location.",
            field="code",
        )
    return found


def _clean(raw: str) -> str:
    """What the scanner typed, without a GS1 symbology prefix or an SSCC's "(00)" brackets."""
    code = (raw or "").strip()
    for prefix in ("]C1", "(00)"):
        if code.startswith(prefix):
            code = code[len(prefix) :]
    return code


def _container(code: str) -> Container | None:
    found = Container.objects.filter(barcode=code).first()
    if found is None and code.isdigit() and len(code) in (18, 20):
        found = Container.objects.filter(sscc=code[-18:]).first()
    return found


def _items(code: str) -> list[Item]:
    by_identifier = Identifier.objects.filter(normalized=scan_key(code)).values("item_id")
    return list(
        Item.objects.filter(Q(pk__in=by_identifier) | Q(sku=code))
        .select_related("client")
        .order_by("pk")
    )


def _order_facts(order: Order) -> list[tuple[str, str]]:
    return [
        ("Brand", order.client.code),
        ("Channel", order.get_channel_display()),
        ("State", order.get_state_display()),
        ("Ship to", f"{order.ship_to_name}, {order.ship_to_city}"),
    ]


def _carton_printables(
    parcel: Parcel, order: Order, shipments: list[FbaShipment]
) -> list[Printable]:
    carton = parcel.container
    name = carton.barcode + (f" · SSCC {carton.sscc}" if carton.sscc else "")
    closed = parcel.closed_at is not None and order.state in ("packed", "shipped")
    not_closed = "" if closed else f"Close {carton.barcode} once the whole order is packed."
    found = [Printable("sscc_carton", name, {"parcel": str(parcel.pk)}, blocked=not_closed)]
    fba = fba_for_parcel(parcel.pk, shipments)
    if fba is not None:
        params = {"parcel": str(parcel.pk), "fba_shipment": fba.confirmation_id}
        if fba.fc_code:
            params["fc_code"] = fba.fc_code
        blocked = fba.no_box_labels or (
            "" if parcel.closed_at else f"Close {carton.barcode} first."
        )
        found.append(
            Printable("fba_box", f"{carton.barcode} · {fba.label_id}", params, blocked=blocked)
        )
    elif shipments:
        found.append(
            Printable(
                "fba_box",
                carton.barcode,
                {"parcel": str(parcel.pk)},
                blocked="Amazon placed this carton in none of the order's shipments.",
            )
        )
    shipped = getattr(parcel, "shipment_parcel", None)
    found.append(
        Printable(
            "shipping_label",
            f"{carton.barcode}" + (f" · {shipped.tracking_number}" if shipped else ""),
            {"parcel": str(parcel.pk)},
            blocked="" if shipped else "No tracking number yet: the carton has not shipped.",
        )
    )
    return found


def _for_order(order: Order) -> Found:
    shipments = fba_for_order(order)
    parcels = list(order.parcels.select_related("container", "shipment_parcel").order_by("pk"))
    printables = [Printable("packing_slip", order.external_id, {"order": str(order.pk)})]
    for parcel in parcels:
        printables += _carton_printables(parcel, order, shipments)
    bulk = []
    if parcels:
        bulk.append(
            Bulk("order_cartons", f"all {len(parcels)} carton labels", {"order": str(order.pk)})
        )
    facts = [*_order_facts(order), ("Cartons", str(len(parcels)))]
    for fba in shipments:
        bulk += _fba_bulk(fba, len(fba.parcel_ids()), several=len(shipments) > 1)
        facts.append(("FBA shipment", fba.shipment_id))
    return Found("order", f"Order {order.external_id}", facts, printables, bulk)


def _fba_bulk(fba: FbaShipment, boxes: int, *, several: bool = False) -> list[Bulk]:
    of = f" of {fba.label_id}" if several else ""
    bulk = [
        Bulk(
            "fba_units",
            f"FNSKU labels for every unit of the shipment{of}",
            {"fba_shipment": fba.shipment_id},
        )
    ]
    if boxes:
        bulk.append(
            Bulk(
                "fba_boxes",
                f"all {boxes} FBA box labels{of}",
                {"fba_shipment": fba.shipment_id},
            )
        )
    return bulk


def _for_fba(fba: FbaShipment) -> Found:
    order = fba.order
    ids = fba.parcel_ids()
    by_id = {
        p.pk: p
        for p in order.parcels.select_related("container", "shipment_parcel").filter(pk__in=ids)
    }
    parcels = [by_id[pk] for pk in ids if pk in by_id]
    printables = [p for parcel in parcels for p in _carton_printables(parcel, order, [fba])]
    printables = [p for p in printables if p.label == "fba_box"]
    for line in order.lines.select_related("item").order_by("pk"):
        printables.append(_fnsku(line.item, line.quantity))
    facts = [*_order_facts(order), ("Order", order.external_id), ("Boxes", str(len(parcels)))]
    if fba.confirmation_id:
        facts.append(("On labels", fba.confirmation_id))
    if fba.fc_code:
        facts.append(("To", fba.fc_code))
    return Found(
        "fba_shipment",
        f"FBA shipment {fba.shipment_id}",
        facts,
        printables,
        _fba_bulk(fba, len(parcels)),
    )


def _for_container(container: Container) -> Found:
    parcel = Parcel.objects.filter(container=container).select_related("order__client").first()
    plate = Printable("license_plate", container.barcode, {"container": str(container.pk)})
    facts = [("Type", container.get_type_display())]
    if container.sscc:
        facts.append(("SSCC", container.sscc))
    if container.type == "pallet":
        has_cartons = Parcel.objects.filter(container__parent=container).exists()
        pallet = Printable(
            "sscc_pallet",
            container.barcode + (f" · SSCC {container.sscc}" if container.sscc else ""),
            {"container": str(container.pk)},
            blocked="" if has_cartons else "The pallet holds no packed cartons yet.",
        )
        return Found("pallet", f"Pallet {container.barcode}", facts, [pallet, plate])
    if parcel is None:
        return Found("plate", f"{container.get_type_display()} {container.barcode}", facts, [plate])
    order = parcel.order
    shipments = fba_for_order(order)
    parcel = Parcel.objects.select_related("container", "shipment_parcel").get(pk=parcel.pk)
    numbers = list(order.parcels.order_by("pk").values_list("pk", flat=True))
    facts += [
        ("Order", order.external_id),
        ("Carton", f"{numbers.index(parcel.pk) + 1} of {len(numbers)}"),
        ("Closed", "yes" if parcel.closed_at else "no — still packing"),
    ]
    printables = [
        *_carton_printables(parcel, order, shipments),
        Printable("packing_slip", order.external_id, {"order": str(order.pk)}),
        plate,
    ]
    return Found("carton", f"Carton {container.barcode}", facts, printables)


def _for_load(load: Load) -> Found:
    parcels = list(
        Parcel.objects.filter(load_parcel__load=load)
        .select_related("container", "order", "shipment_parcel")
        .order_by("pk")
    )
    printables = [p for parcel in parcels for p in _carton_printables(parcel, parcel.order, [])]
    facts = [
        ("Lane", load.location.code),
        ("Carrier", load.carrier or "—"),
        ("State", load.get_state_display()),
        ("Cartons", str(len(parcels))),
    ]
    bulk = (
        [Bulk("load_cartons", f"all {len(parcels)} carton labels", {"load": str(load.pk)})]
        if parcels
        else []
    )
    return Found("load", f"Load {load.reference}", facts, printables, bulk)


def _for_location(location: Location) -> Found:
    return Found(
        "location",
        f"Location {location.code}",
        [("Warehouse", location.warehouse.code), ("Type", location.get_type_display())],
        [Printable("location", location.code, {"location": str(location.pk)})],
    )


def _fnsku(item: Item, quantity: int = 1) -> Printable:
    fnsku = (
        item.identifiers.filter(kind=IdentifierKind.FNSKU).values_list("value", flat=True).first()
    )
    return Printable(
        "fnsku",
        f"{item.sku}" + (f" · {fnsku}" if fnsku else ""),
        {"item": str(item.pk)},
        asks_quantity=True,
        quantity=quantity,
        blocked="" if fnsku else f"{item.sku} has no FNSKU in the item master.",
    )


def _for_item(item: Item) -> Found:
    return Found(
        "item",
        f"Item {item.sku}",
        [("Brand", item.client.code), ("Description", item.description)],
        [_fnsku(item), Printable("item", item.sku, {"item": str(item.pk)})],
    )


# --- from the clerk's choice back to the builder's arguments ------------------------------------

_MODELS: dict[str, Any] = {
    "parcel": Parcel.objects.select_related("container"),
    "order": Order.objects.all(),
    "item": Item.objects.all(),
    "location": Location.objects.all(),
    "container": Container.objects.all(),
}


def label_request(params: Mapping[str, str]) -> dict[str, Any]:
    """The `print_label` arguments for a label the desk offered: the kind, the records by id, a
    quantity for FNSKU labels; anything else is refused with what was wrong."""
    label = (params.get("label") or "").strip()
    if label not in LABEL_BUILDERS or label == "test":
        raise StationInputInvalid(
            f"{label or 'No label'} is not a label the desk prints; scan again and pick one.",
            field="label",
        )
    request: dict[str, Any] = {"label": label}
    for name, queryset in _MODELS.items():
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        record = queryset.filter(pk=raw).first() if raw.isascii() and raw.isdigit() else None
        if record is None:
            raise StationInputInvalid(
                f"No {name} {raw}: the page is out of date; scan again.", field=name
            )
        request[name] = record
    if label == "fnsku":
        request["quantity"] = quantity(params.get("quantity", "1"))
    for text in ("fba_shipment", "fc_code"):
        value = (params.get(text) or "").strip()
        if value:
            if not (value.isascii() and value.replace("-", "").isalnum() and len(value) <= 40):
                raise StationInputInvalid(f"{value!r} is not an Amazon code.", field=text)
            request[text] = value
    return request


def quantity(raw: str) -> int:
    value = (raw or "").strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_QUANTITY:
        raise StationInputInvalid(
            f"Quantity {value or '(empty)'}: type a whole number from 1 to {MAX_QUANTITY}.",
            field="quantity",
        )
    return int(value)
