"""What we ask of the carrier (outbound): labels for parcels, bought when a D2C carton closes at
the pack station, voided on request, and the tracking number ``ship_order`` ships with
(registered in wms/orders/hooks.py).

The label is bought in the close's transaction, after the carton is weighed and measured (the
carrier prices by both). The call carries an idempotency key per parcel, so if the close rolls
back after the carrier answered, closing again gets the same label back rather than a second one.
A carrier that cannot be reached never refuses the close: the packer is told, and the label is
bought again from the back office (Carrier labels → "Buy missing label") before the load closes.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from channels_app.carrier import mapping
from channels_app.carrier.adapter import Carrier, carrier_for
from channels_app.carrier.errors import (
    CarrierNotConfigured,
    CartonNotClosed,
    LabelNotVoidable,
    TransportError,
)
from channels_app.carrier.models import CarrierAccount, CarrierLabel, LabelState
from channels_app.carrier.selectors import parcels_missing_label
from compliance.models import PrinterKind
from compliance.printing import station_printer
from compliance.station import queue_label
from wms.accounts.models import User
from wms.errors import DomainError
from wms.layout.models import Location
from wms.orders import hooks, states
from wms.orders.models import Order, Parcel

LABEL_KIND = "carrier_label"


def account_for(order: Order) -> CarrierAccount | None:
    """The carrier account that sells labels for this order's service and channel, if any."""
    for account in CarrierAccount.objects.filter(active=True, services=order.service_id).order_by(
        "pk"
    ):
        if order.channel in account.channels:
            return account
    return None


def active_label(parcel: Parcel) -> CarrierLabel | None:
    return CarrierLabel.objects.filter(parcel=parcel, state=LabelState.ACTIVE).first()


def buy_label(
    *,
    parcel: Parcel,
    actor: User,
    station: Location | None = None,
    carrier: Carrier | None = None,
) -> CarrierLabel:
    """Buy the carrier label of a closed parcel (once: an active label is answered as it is) and
    print it at the station's printer when there is one, so it shows in the print audit."""
    existing = active_label(parcel)
    if existing is not None:
        return existing
    parcel = Parcel.objects.select_related("container", "container__warehouse").get(pk=parcel.pk)
    order = Order.objects.select_related("service", "warehouse").get(pk=parcel.order_id)
    if parcel.closed_at is None or not parcel.weight_g:
        raise CartonNotClosed(
            f"Weigh and close {parcel.container.barcode} before buying its carrier label: the "
            "carrier prices by weight and size."
        )
    account = account_for(order)
    if account is None:
        raise CarrierNotConfigured(
            f"No active carrier account sells {order.service.code} labels for {order.channel} "
            "orders; add the service to a carrier account in the back office."
        )
    warehouse = order.warehouse or parcel.container.warehouse
    spec = mapping.parcel_spec(parcel, order, warehouse)
    # A new key after each void: the carrier must issue a new label, not answer the voided one.
    voided = CarrierLabel.objects.filter(parcel=parcel, state=LabelState.VOIDED).count()
    key = f"tl-label-parcel-{parcel.pk}-{voided + 1}"
    service = account.carrier_service(order.service.code)
    bought = (carrier or carrier_for(account)).buy_label(spec, service, idempotency_key=key)
    with transaction.atomic():
        label = CarrierLabel.objects.create(
            account=account,
            parcel=parcel,
            order=order,
            client_id=order.client_id,
            service=order.service,
            carrier_service=bought.service,
            tracking_number=bought.tracking_number,
            amount=bought.amount,
            currency=bought.currency,
            label_pdf=bought.pdf,
            label_zpl=bought.zpl,
            idempotency_key=key,
        )
        printer = station_printer(station.code) if station is not None else None
        if printer is not None:
            content: bytes | str = bought.zpl if printer.kind == PrinterKind.ZPL else bought.pdf
            job = queue_label(
                printer=printer,
                label=LABEL_KIND,
                content=content,
                actor=actor,
                container=parcel.container,
                order=order,
            )
            CarrierLabel.objects.filter(pk=label.pk).update(print_job=job)
            label.print_job = job
        states.record(
            order,
            kind="carrier_label",
            reason=f"{account.carrier} label {bought.tracking_number} ({bought.service}) bought "
            f"for {parcel.container.barcode}.",
            owner=f"carrier:{account.name}",
            actor=actor,
            reference=bought.tracking_number,
        )
    return label


def on_closed(event: hooks.Closed) -> list[str]:
    """The pack station's "closed" hook: a D2C carton gets its carrier label as it closes.

    Said, never raised: a carrier that is down must not undo a weighed, sealed carton.
    """
    parcel, station, actor = event.parcel, event.station, event.actor
    order = Order.objects.select_related("service").get(pk=parcel.order_id)
    if account_for(order) is None:
        return []
    barcode = parcel.container.barcode
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the close intact
            label = buy_label(parcel=parcel, actor=actor, station=station)
    except TransportError as exc:
        return [
            f"Carrier label for {barcode} not bought: {exc}. Buy it in the back office "
            "(Carrier labels) before loading the carton."
        ]
    except DomainError as exc:
        return [f"Carrier label for {barcode} not bought: {exc.message}"]
    where = f"printed at {station.code}" if label.print_job_id else "print it at the label desk"
    return [f"Carrier label {label.tracking_number} for {barcode}: {where}."]


def buy_missing_labels(*, actor: User) -> list[str]:
    """The back office's "Buy missing label": buy_label for every closed carton whose label the
    close could not buy (the carrier was down), one line per carton for the person who asked.

    Each parcel in its own transaction: one the carrier still refuses does not stop the others.
    """
    lines = []
    for parcel in parcels_missing_label():
        barcode = parcel.container.barcode
        try:
            with transaction.atomic():
                label = buy_label(parcel=parcel, actor=actor)
        except TransportError as exc:
            lines.append(f"{barcode}: not bought: {exc}. Try again when the carrier answers.")
        except DomainError as exc:
            lines.append(f"{barcode}: not bought: {exc.message}")
        else:
            lines.append(
                f"{barcode}: label {label.tracking_number} bought; print it at the label desk."
            )
    return lines


def bought_tracking(parcels: Sequence[Parcel]) -> dict[int, str]:
    """The tracking numbers of the parcels' active carrier labels (ship_order's lookup)."""
    found = CarrierLabel.objects.filter(
        parcel_id__in=[p.pk for p in parcels], state=LabelState.ACTIVE
    ).values_list("parcel_id", "tracking_number")
    return dict(found)


def void_label(*, label: CarrierLabel, actor: User, carrier: Carrier | None = None) -> CarrierLabel:
    """Void an unused label (the carton was repacked, the order cancelled before it left)."""
    if label.state != LabelState.ACTIVE:
        raise LabelNotVoidable(f"Label {label.tracking_number} is already voided.")
    if label.first_scan_at is not None:
        raise LabelNotVoidable(
            f"The carrier has scanned {label.tracking_number}; it cannot be voided. Ask the "
            "carrier to return the parcel instead."
        )
    (carrier or carrier_for(label.account)).void(label.tracking_number)
    with transaction.atomic():
        CarrierLabel.objects.filter(pk=label.pk, state=LabelState.ACTIVE).update(
            state=LabelState.VOIDED, voided_at=timezone.now()
        )
        states.record(
            label.order,
            kind="carrier_label",
            reason=f"Label {label.tracking_number} voided.",
            owner=f"carrier:{label.account.name}",
            actor=actor,
            reference=label.tracking_number,
        )
    label.refresh_from_db()
    return label
