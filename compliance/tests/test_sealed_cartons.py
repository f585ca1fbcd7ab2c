"""A closed carton is sealed: nothing goes in or out, labels wait for it to close, and a shipped
parcel cannot be reweighed."""

from __future__ import annotations

import pytest

from compliance import printing
from compliance.models import Printer, SsccSeries
from compliance.tests.test_ship_time_checks import close, packed_order
from tests.factories import Site, changes_nothing, ctx, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.errors import DomainError, WrongContainer
from wms.inventory import touches
from wms.orders import fulfilment


def test_a_closed_carton_is_sealed(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_order(site, nwo, tent, oscar, sam, "PO-SEAL", "C-SEAL")
    close(order)
    stock(site, tent, 3, oscar, at=site.face2)
    carton = order.parcels.get().container
    with changes_nothing(), pytest.raises(WrongContainer, match="C-SEAL is sealed"):
        touches.move(
            ctx(oscar),
            item=tent,
            quantity=1,
            from_location=site.face2,
            to_location=site.pack,
            to_container=carton,
        )
    touches.move_container(ctx(oscar), container=carton, to_location=site.lane)  # as a unit: fine


def test_labels_wait_for_a_closed_carton_and_a_shipped_parcel_cannot_be_reweighed(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, ada: User
) -> None:
    SsccSeries.objects.create(company_prefix="0614141", client=nwo)
    desk = Printer.objects.create(station="DESK", name="laser", kind="pdf")
    order = packed_order(site, nwo, tent, oscar, sam, "PO-EARLY", "C-EARLY")
    with pytest.raises(DomainError, match="Close C-EARLY"):
        printing.print_carton_label(parcel=order.parcels.get(), printer=desk, actor=ada)
    close(order)
    parcel = order.parcels.get()
    fulfilment.ship_order(ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z"})
    with pytest.raises(DomainError, match="has shipped"):
        fulfilment.close_parcel(parcel=parcel, weight_g=1, length_mm=1, width_mm=1, height_mm=1)
