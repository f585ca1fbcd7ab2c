"""What the label station prints, from the records: it gathers the data, renders PDF or ZPL for
the chosen printer, and queues the job (compliance/station.py) — the audit of every label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from compliance import sscc as sscc_service
from compliance import station
from compliance.fba import fba_by_code
from compliance.labels import pdf, zpl
from compliance.labels.data import (
    Address,
    CartonLabel,
    CodeLabel,
    FbaBoxLabel,
    FnskuLabel,
    PackingSlip,
    PackingSlipLine,
    PalletLabel,
    ShippingLabel,
)
from compliance.models import PalletMeasure, Printer, PrinterKind, PrintJob, SsccSeries
from wms.accounts.models import User
from wms.catalog.models import IdentifierKind, Item
from wms.errors import DomainError
from wms.inventory.models import Balance
from wms.layout.models import Container, Location, Warehouse
from wms.orders import hooks
from wms.orders.models import Order, Parcel, ShipmentParcel

T = TypeVar("T")


class LabelInputMissing(DomainError):
    """The request lacks what the label kind is made from (a parcel, an item…)."""

    code = "label_input_missing"


class LabelDataMissing(DomainError):
    """The records lack what the label shows (an FNSKU, a tracking number, an SSCC prefix…)."""

    code = "label_data_missing"


class UnknownLabelKind(DomainError):
    code = "unknown_label_kind"


class LabelCannotBeMade(DomainError):
    """The renderer refused the data (a lot code with a space, text too long for the stock)."""

    code = "label_cannot_be_made"


class LabelNotReady(DomainError):
    """The carton or pallet is not yet in a state its label can describe."""

    code = "label_not_ready"


def _renderer(printer: Printer) -> ModuleType:
    return zpl if printer.kind == PrinterKind.ZPL else pdf


def warehouse_address(w: Warehouse) -> Address:
    return Address(
        name=w.name,
        line1=w.address_line1 or w.code,
        line2=w.address_line2,
        city=w.city or "-",
        state=w.region or "-",
        postal_code=w.postal_code or "-",
        country=w.country,
    )


def order_address(o: Order) -> Address:
    return Address(
        name=o.ship_to_name,
        line1=o.ship_to_line1,
        line2=o.ship_to_line2,
        city=o.ship_to_city,
        state=o.ship_to_region or "-",
        postal_code=o.ship_to_postal_code,
        country=o.ship_to_country,
    )


def _series_for(client_id: int) -> SsccSeries:
    series = (
        SsccSeries.objects.filter(client_id=client_id).first()
        or SsccSeries.objects.filter(client__isnull=True).first()
    )
    if series is None:
        raise LabelDataMissing(
            "No GS1 company prefix is set up for this brand or for the warehouse: an admin adds "
            "one under SSCC series in the back office."
        )
    return series


@dataclass(frozen=True)
class Made:
    """A label rendered for one printer (or for a preview), with what it is for (the audit)."""

    label: str
    content: bytes | str
    subject: dict[str, Any] = field(default_factory=dict)


def print_carton_label(*, parcel: Parcel, printer: Printer, actor: User) -> PrintJob:
    """The GS1-128 carton label: the carton gets its SSCC once (a reprint shows the same one)."""
    return print_label(label="sscc_carton", parcel=parcel, printer=printer, actor=actor)


def print_pallet_label(*, pallet: Container, printer: Printer, actor: User) -> PrintJob:
    """The pallet's GS1-128 label: its own SSCC (issued once), the order's PO, cartons and weight."""
    return print_label(label="sscc_pallet", container=pallet, printer=printer, actor=actor)


def _carton_label(parcel: Parcel, render: ModuleType) -> Made:
    carton = Container.objects.select_for_update().get(pk=parcel.container_id)
    order = Order.objects.select_related("service", "warehouse", "client").get(pk=parcel.order_id)
    parcel.refresh_from_db()
    if parcel.closed_at is None or order.state not in ("packed", "shipped"):
        # The label states contents and "carton n of m": print it when both are final.
        raise LabelNotReady(
            f"Close {carton.barcode} (weigh and measure it) once the whole order is packed, then "
            "print its carton label."
        )
    if not carton.sscc:
        carton.sscc = sscc_service.next_sscc(series=_series_for(order.client_id))
        Container.objects.filter(pk=carton.pk).update(sscc=carton.sscc)
    parcels = list(order.parcels.order_by("pk").values_list("pk", flat=True))
    contents = list(
        Balance.objects.filter(container=carton, quantity__gt=0).select_related("item", "lot")
    )
    gtin = count = lot = None
    if len({b.item_id for b in contents}) == 1:
        found = (
            contents[0]
            .item.identifiers.filter(kind=IdentifierKind.GTIN, pack_level__isnull=True)
            .first()
        )
        if found is not None:
            gtin, count = found.normalized, sum(b.quantity for b in contents)
            lots = {b.lot.code for b in contents if b.lot}
            lot = lots.pop() if len(lots) == 1 else None
    warehouse = order.warehouse or carton.warehouse
    data = CartonLabel(
        sscc=carton.sscc,
        ship_from=warehouse_address(warehouse),
        ship_to=order_address(order),
        po_number=order.external_id,
        carton_number=parcels.index(parcel.pk) + 1,
        carton_count=len(parcels),
        carrier=order.service.carrier,
        content_gtin=gtin,
        content_count=count,
        lot=lot if gtin else None,
    )
    return Made(
        "sscc_carton",
        render.carton_label(data),
        {"container": carton, "order": order, "sscc": carton.sscc},
    )


def _pallet_label(pallet: Container, render: ModuleType) -> Made:
    pallet = Container.objects.select_for_update().get(pk=pallet.pk)
    if pallet.type != "pallet":
        raise LabelNotReady(
            f"{pallet.barcode} is a {pallet.type}, not a pallet.", field="container"
        )
    parcels = list(Parcel.objects.filter(container__parent=pallet).select_related("order"))
    if not parcels:
        raise LabelNotReady(f"Pallet {pallet.barcode} holds no packed cartons yet; build it first.")
    order = Order.objects.select_related("warehouse").get(pk=parcels[0].order_id)
    if not pallet.sscc:
        pallet.sscc = sscc_service.next_sscc(series=_series_for(order.client_id))
        Container.objects.filter(pk=pallet.pk).update(sscc=pallet.sscc)
    measured = PalletMeasure.objects.filter(container=pallet).first()
    grams = (measured.weight_g if measured and measured.weight_g else None) or sum(
        p.weight_g or 0 for p in parcels
    )
    data = PalletLabel(
        sscc=pallet.sscc,
        ship_from=warehouse_address(order.warehouse or pallet.warehouse),
        ship_to=order_address(order),
        po_number=order.external_id,
        carton_count=len(parcels),
        weight=max(
            Decimal("0.1"), (Decimal(grams) / Decimal("453.59237")).quantize(Decimal("0.1"))
        ),
    )
    return Made(
        "sscc_pallet",
        render.pallet_label(data),
        {"container": pallet, "order": order, "sscc": pallet.sscc},
    )


@transaction.atomic
def print_label(**kwargs: Any) -> PrintJob:
    """Render and queue one of the station's labels; a label that cannot be made (a lot code with
    a space, text too long for the stock) is refused with the reason, never half printed."""
    made = _made(**kwargs)
    req_printer: Printer = kwargs["printer"]
    return station.queue_label(
        printer=req_printer,
        label=made.label,
        content=made.content,
        actor=kwargs["actor"],
        **made.subject,
    )


class _Preview(Exception):
    """Unwinds a preview's transaction: a preview prints nothing and issues no SSCC."""


def preview_label(**kwargs: Any) -> bytes:
    """The label as PDF, to look at before printing: rendered by the same builder, then every
    write it made (an SSCC drawn for a carton that had none) rolled back. Queues nothing."""
    made: Made | None = None
    try:
        with transaction.atomic():
            made = _made(**kwargs | {"printer": None})
            raise _Preview
    except _Preview:
        pass
    assert made is not None and isinstance(made.content, bytes)
    return made.content


def _made(**kwargs: Any) -> Made:
    try:
        return _build(**kwargs)
    except ValueError as exc:
        raise LabelCannotBeMade(f"This label cannot be made: {exc}") from None


@dataclass(frozen=True)
class LabelRequest:
    """What the station was asked to print; each builder takes what its label needs from it."""

    label: str
    printer: Printer | None  # None: a preview, rendered as PDF
    actor: User
    parcel: Parcel | None = None
    order: Order | None = None
    item: Item | None = None
    location: Location | None = None
    container: Container | None = None
    quantity: int = 1
    fba_shipment: str = ""
    fc_code: str = ""

    def need(self, value: T | None, what: str) -> T:
        """Says what is missing for the kind asked."""
        if value is None:
            raise LabelInputMissing(
                f"A {self.label.replace('_', ' ')} label needs the {what}.", field=what
            )
        return value

    @property
    def render(self) -> ModuleType:
        return pdf if self.printer is None else _renderer(self.printer)

    @property
    def pdf(self) -> bool:
        return self.printer is None or self.printer.kind == PrinterKind.PDF


def _sscc_carton(req: LabelRequest) -> Made:
    return _carton_label(req.need(req.parcel, "parcel"), req.render)


def _sscc_pallet(req: LabelRequest) -> Made:
    return _pallet_label(req.need(req.container, "container"), req.render)


def _fnsku(req: LabelRequest) -> Made:
    item = req.need(req.item, "item")
    fnsku = (
        item.identifiers.filter(kind=IdentifierKind.FNSKU).values_list("value", flat=True).first()
    )
    if fnsku is None:
        raise LabelDataMissing(
            f"{item.sku} has no FNSKU in the item master; add it before labelling."
        )
    one = FnskuLabel(fnsku=fnsku, title=item.description)
    quantity = req.quantity
    if req.pdf:
        content: bytes | str = (
            pdf.fnsku_sheet([one] * quantity) if quantity > 1 else pdf.fnsku_label(one)
        )
    else:
        content = zpl.fnsku_label(one) * quantity
    return Made("fnsku", content, {"item": item})


def _packing_slip(req: LabelRequest) -> Made:
    order = req.need(req.order, "order")
    lines = tuple(
        PackingSlipLine(
            sku=line.item.sku,
            description=line.item.description,
            quantity=line.packed or line.quantity,
        )
        for line in order.lines.select_related("item")
    )
    slip = PackingSlip(order_ref=order.external_id, ship_to=order_address(order), lines=lines)
    return Made("packing_slip", req.render.packing_slip(slip), {"order": order})


def _shipping_label(req: LabelRequest) -> Made:
    parcel = req.need(req.parcel, "parcel")
    shipped = (
        ShipmentParcel.objects.filter(parcel=parcel)
        .select_related("shipment", "shipment__service")
        .first()
    )
    if shipped is None or not parcel.weight_g:
        raise LabelDataMissing(
            "A shipping label needs a weighed parcel that has a tracking number (ship it first)."
        )
    order = parcel.order
    data = ShippingLabel(
        carrier=shipped.shipment.carrier,
        service=shipped.shipment.service.code,
        tracking_number=shipped.tracking_number,
        ship_to=order_address(order),
        ship_from=warehouse_address(shipped.shipment.warehouse),
        weight=max(
            Decimal("0.1"),
            (Decimal(parcel.weight_g) / Decimal("453.59237")).quantize(Decimal("0.1")),
        ),
        reference=order.external_id,
    )
    return Made(
        "shipping_label",
        req.render.shipping_label(data),
        {"container": parcel.container, "order": order, "shipment": shipped.shipment},
    )


def _location(req: LabelRequest) -> Made:
    location = req.need(req.location, "location")
    code = CodeLabel(code=location.barcode, caption="LOCATION", description=location.code)
    return Made("location", req.render.code_label(code), {"subject": location.code})


def _license_plate(req: LabelRequest) -> Made:
    container = req.need(req.container, "container")
    code = CodeLabel(code=container.barcode, caption=f"{container.type.upper()} LICENSE PLATE")
    return Made("license_plate", req.render.code_label(code), {"container": container})


def _item(req: LabelRequest) -> Made:
    item = req.need(req.item, "item")
    code = CodeLabel(code=item.sku, caption="ITEM", description=item.description)
    return Made("item", req.render.code_label(code), {"item": item})


def _fba_box(req: LabelRequest) -> Made:
    """Amazon's inbound box label for one carton of an FBA shipment: the box ID is the shipment's
    confirmation ID (FBA…), "U" and the box's number in that shipment in six digits (Amazon's
    "FBA15…U000001" form). When Amazon split the plan, the number and count are the carton's own
    shipment's, and the label goes to that shipment's fulfilment centre."""
    parcel = req.need(req.parcel, "parcel")
    shipment_id = req.need(req.fba_shipment or None, "FBA shipment")
    order = Order.objects.select_related("warehouse", "client").get(pk=parcel.order_id)
    if parcel.closed_at is None:
        raise LabelNotReady(
            f"Close {parcel.container.barcode} (weigh and measure it), then print its box label."
        )
    fba = fba_by_code(shipment_id)
    if fba is not None and fba.no_box_labels:
        raise LabelDataMissing(fba.no_box_labels)
    if fba is not None and fba.order.pk != order.pk:
        raise LabelNotReady(
            f"FBA shipment {shipment_id} is order {fba.order.external_id}'s; "
            f"{parcel.container.barcode} is order {order.external_id}'s.",
            field="fba_shipment",
        )
    boxes = (
        fba.parcel_ids()
        if fba is not None
        else list(order.parcels.order_by("pk").values_list("pk", flat=True))
    )
    if parcel.pk not in boxes:
        raise LabelNotReady(
            f"Amazon placed {parcel.container.barcode} in another shipment than {shipment_id}: "
            "scan the carton to print the box label of its own shipment.",
            field="fba_shipment",
        )
    label_id = fba.label_id if fba is not None else shipment_id
    number = boxes.index(parcel.pk) + 1
    data = FbaBoxLabel(
        shipment_id=label_id,
        box_id=f"{label_id}U{number:06d}",
        box_number=number,
        box_count=len(boxes),
        ship_from=warehouse_address(order.warehouse or parcel.container.warehouse),
        ship_to=(fba.ship_to if fba is not None else None) or order_address(order),
        fc_code=(fba.fc_code if fba is not None else "") or req.fc_code,
        shipment_name=f"{order.client.code} {order.external_id}",
    )
    return Made(
        "fba_box",
        req.render.fba_box_label(data),
        {"container": parcel.container, "order": order, "subject": data.box_id},
    )


def _test_page(req: LabelRequest) -> Made:
    """A printer's test print: a code label naming the printer, sent like any label."""
    printer = req.printer
    name = str(printer) if printer else "preview"
    code = CodeLabel(
        code=f"TEST-{printer.pk if printer else 0}",
        caption="TEST PRINT",
        description=f"{name} {timezone.localtime():%Y-%m-%d %H:%M}",
    )
    return Made("test", req.render.code_label(code))


# The station's labels: kind → the builder that gathers its data, renders it and queues the job.
LABEL_BUILDERS: dict[str, Callable[[LabelRequest], Made]] = {
    "sscc_carton": _sscc_carton,
    "sscc_pallet": _sscc_pallet,
    "fnsku": _fnsku,
    "packing_slip": _packing_slip,
    "shipping_label": _shipping_label,
    "location": _location,
    "license_plate": _license_plate,
    "item": _item,
    "fba_box": _fba_box,
    "test": _test_page,
}


def _build(*, label: str, **request: Any) -> Made:
    builder = LABEL_BUILDERS.get(label)
    if builder is None:
        raise UnknownLabelKind(f"Unknown label kind {label!r}.", field="label")
    return builder(LabelRequest(label=label, **request))


def station_printer(station: str) -> Printer | None:
    """The printer standing at a station (a pack station's location code, or LABEL-DESK)."""
    return Printer.objects.filter(station=station, active=True).order_by("pk").first()


def on_closed(event: hooks.Closed) -> list[str]:
    """When an order's last carton closes at a pack station, print what its cartons need there:
    the routing guide's carton labels (each carton's SSCC label) and the packing slip.

    A label that cannot be printed here is said, not raised: the carton stays closed, and the
    label desk prints it from the print audit. Ship refuses a carton whose required label is
    missing, so nothing leaves without it.
    """
    parcel, station, actor = event.parcel, event.station, event.actor
    from compliance.enforce import rule_set_for

    order = Order.objects.select_related("client").get(pk=parcel.order_id)
    if order.state != "packed" or order.parcels.filter(closed_at__isnull=True).exists():
        return []
    rule_set = rule_set_for(order)
    kinds = list(rule_set.carton_labels or ()) if rule_set else []
    printer = station_printer(station.code)
    if printer is None:
        return [
            f"No printer at {station.code}: print the labels for order {order.external_id} "
            "at the label desk."
        ]
    said = []
    for each in order.parcels.select_related("container").order_by("pk"):
        for kind in kinds:
            try:
                print_label(
                    label=kind,
                    parcel=each,
                    order=order,
                    printer=printer,
                    actor=actor,
                    container=each.container,
                )
            except DomainError as exc:
                said.append(
                    f"{kind.replace('_', ' ')} label for {each.container.barcode} not "
                    f"printed: {exc.message}"
                )
            else:
                said.append(
                    f"Printed the {kind.replace('_', ' ')} label for "
                    f"{each.container.barcode} on {printer}."
                )
    try:
        with transaction.atomic():  # a savepoint: a slip that cannot be made leaves the close
            print_label(label="packing_slip", order=order, printer=printer, actor=actor)
    except (DomainError, ValueError) as exc:  # ValueError: the renderer refused the data
        said.append(f"Packing slip for order {order.external_id} not printed: {exc}")
    else:
        said.append(f"Printed the packing slip on {printer}.")
    return said
