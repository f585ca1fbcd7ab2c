"""Customer returns: RMAs, graded units received back, and what becomes of them.

Northwind (NWO) shipped order SH-1001 — 3 tents — and its customer sends tents back. Oscar grades
them at the returns bench, Sam supervises (only he may scrap stock).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.factories import (
    ClientFactory,
    Site,
    UserFactory,
    ctx,
    make_item,
    make_site,
    run_parallel,
)
from tests.factories import changes_nothing as _changes_nothing
from wms.accounts.models import Role, User
from wms.catalog.models import Channel, Client, Item
from wms.errors import DomainError, NotPermitted, WrongLocation, WrongLocationType
from wms.inbound import services as inbound
from wms.inbound.models import Disposition, Grade, Return, ReturnUnit
from wms.inbound.services import (
    AlreadyClosed,
    DuplicateReference,
    NotExpected,
    OverReceipt,
    WrongClient,
)
from wms.inventory.ledger import ScanContext
from wms.inventory.models import Balance, StockPosition, StockStatus, Touch
from wms.inventory.reconcile import verify
from wms.layout.models import Location
from wms.orders.models import CarrierService, Event, Order, OrderLine, OrderState


def changes_nothing() -> Any:
    return _changes_nothing(
        Return.objects.values_list("pk", "rma"), ReturnUnit.objects.values_list("pk", "disposition")
    )


def on_hand(item: Item, location: Location, status: str = StockStatus.AVAILABLE) -> int:
    row = Balance.objects.filter(item=item, location=location, status=status).first()
    return row.quantity if row else 0


def make_order(
    client: Client,
    external_id: str,
    lines: list[tuple[Item, int]],
    *,
    state: OrderState = OrderState.SHIPPED,
) -> Order:
    """An order as the outbound flow leaves it. Built directly: the order services are not ours."""
    service, _ = CarrierService.objects.get_or_create(
        code="UPS_GROUND", defaults={"carrier": "UPS", "name": "UPS Ground"}
    )
    order = Order.objects.create(
        client=client,
        channel=Channel.SHOPIFY,
        external_id=external_id,
        state=state,
        ship_to_name="Dana Camper",
        ship_to_line1="1 Trail Rd",
        ship_to_city="Boulder",
        ship_to_region="CO",
        ship_to_postal_code="80302",
        service=service,
    )
    done = state in (OrderState.SHIPPED, OrderState.DELIVERED)
    for item, quantity in lines:
        OrderLine.objects.create(
            order=order,
            item=item,
            quantity=quantity,
            picked=quantity,
            packed=quantity,
            shipped=quantity if done else 0,
        )
    return order


@pytest.fixture
def shipped(nwo: Client, tent: Item) -> Order:
    return make_order(nwo, "SH-1001", [(tent, 3)])


@pytest.fixture
def rma(site: Site, nwo: Client, shipped: Order) -> Return:
    return inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-501", order=shipped)


def receive(
    user: User, ret: Return, item: Item, quantity: int, grade: Grade, site: Site
) -> ReturnUnit:
    return inbound.receive_return_units(
        ctx(user), ret=ret, item=item, quantity=quantity, grade=grade, location=site.returns
    )


def payload(event: Event) -> dict[str, object]:
    return {k: v for k, v in event.payload.items() if k != "at"}


# --- opening an RMA ----------------------------------------------------------------------------


def test_an_rma_is_opened_against_a_shipped_order_once(
    site: Site, nwo: Client, shipped: Order
) -> None:
    ret = inbound.open_return(client=nwo, warehouse=site.warehouse, rma=" RMA-501 ", order=shipped)
    assert (ret.rma, ret.order, ret.client) == ("RMA-501", shipped, nwo)

    with changes_nothing(), pytest.raises(DuplicateReference) as exc:
        inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-501")

    assert exc.value.message == (
        "NWO already has RMA RMA-501; receive against it, or use a new RMA number."
    )
    assert exc.value.field == "rma"


def test_only_a_shipped_or_delivered_order_of_the_same_brand_can_come_back(
    site: Site, nwo: Client, bbb: Client, tent: Item, serum: Item
) -> None:
    packed = make_order(nwo, "SH-1002", [(tent, 1)], state=OrderState.PACKED)
    bluebirds = make_order(bbb, "BB-77", [(serum, 1)])
    delivered = make_order(nwo, "SH-1003", [(tent, 1)], state=OrderState.DELIVERED)

    with changes_nothing():
        with pytest.raises(NotExpected) as exc:
            inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-1", order=packed)
        assert exc.value.message == (
            "Order SH-1002 is packed; only a shipped or delivered order can come back. Check the "
            "order number, or open the RMA without an order."
        )
        with pytest.raises(WrongClient) as other:
            inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-1", order=bluebirds)
        assert other.value.message == "Order BB-77 belongs to another brand, not NWO."

    ret = inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-1", order=delivered)
    assert ret.order == delivered


# --- receiving graded units --------------------------------------------------------------------


def test_a_sellable_return_comes_back_as_available_stock_at_the_returns_bench(
    site: Site, tent: Item, oscar: User, rma: Return
) -> None:
    unit = receive(oscar, rma, tent, 2, Grade.SELLABLE, site)

    assert (unit.quantity, unit.grade, unit.disposition) == (2, "sellable", "pending")
    assert unit.location == site.returns
    assert on_hand(tent, site.returns) == 2
    touch = Touch.objects.get(reference="RMA-501")
    assert (touch.kind, touch.to_status, touch.reason_code) == ("return", "available", "sellable")
    assert unit.received_at == touch.created_at
    event = Event.objects.get(kind="return_received")
    assert (event.client_id, event.order_id) == (rma.client_id, rma.order_id)
    assert payload(event) == {
        "rma": "RMA-501",
        "order": "SH-1001",
        "sku": "NWO-TENT",
        "lot": "",
        "quantity": 2,
        "grade": "sellable",
    }
    assert verify().ok


def test_a_damaged_return_is_held_as_damaged_stock(
    site: Site, tent: Item, oscar: User, rma: Return
) -> None:
    receive(oscar, rma, tent, 1, Grade.DEFECTIVE, site)

    assert on_hand(tent, site.returns, StockStatus.DAMAGED) == 1
    assert on_hand(tent, site.returns) == 0


def test_more_than_was_shipped_cannot_come_back_even_across_rmas(
    site: Site, nwo: Client, tent: Item, oscar: User, shipped: Order, rma: Return
) -> None:
    receive(oscar, rma, tent, 2, Grade.SELLABLE, site)
    second = inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-502", order=shipped)

    with changes_nothing(), pytest.raises(OverReceipt) as exc:
        receive(oscar, second, tent, 2, Grade.DAMAGED, site)

    assert exc.value.message == (
        "Order SH-1001 shipped 3 × NWO-TENT and 2 came back already; 2 more is more than was "
        "shipped. Count again, or receive the extra units on an RMA without an order."
    )
    receive(oscar, second, tent, 1, Grade.DAMAGED, site)  # the third tent is fine


def test_a_sku_that_was_not_on_the_order_is_refused(
    site: Site, nwo: Client, oscar: User, rma: Return
) -> None:
    stove = make_item(nwo, "NWO-STOVE")

    with changes_nothing(), pytest.raises(NotExpected) as exc:
        receive(oscar, rma, stove, 1, Grade.SELLABLE, site)

    assert exc.value.message == (
        "SKU NWO-STOVE is not on order SH-1001; check the item, or receive it on an RMA without "
        "an order."
    )


def test_another_brands_sku_cannot_be_returned_on_an_rma(
    site: Site, nwo: Client, serum: Item, oscar: User
) -> None:
    loose = inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-9")

    with changes_nothing(), pytest.raises(WrongClient) as exc:
        inbound.receive_return_units(
            ctx(oscar),
            ret=loose,
            item=serum,
            quantity=1,
            grade=Grade.SELLABLE,
            location=site.returns,
            lot_code="L1",
            expiry_date=dt.date(2027, 1, 31),
        )

    assert (
        exc.value.message == "SKU BBB-SERUM belongs to another brand, not the owner of RMA RMA-9."
    )


def test_a_repeated_scan_creates_one_unit(site: Site, tent: Item, oscar: User, rma: Return) -> None:
    scan = ctx(oscar, "RF-RET-2")

    first = inbound.receive_return_units(
        scan, ret=rma, item=tent, quantity=3, grade=Grade.SELLABLE, location=site.returns
    )
    # All three shipped tents are back, so a fresh scan would be refused; the retry replays.
    again = inbound.receive_return_units(
        scan, ret=rma, item=tent, quantity=3, grade=Grade.SELLABLE, location=site.returns
    )

    assert again == first
    assert ReturnUnit.objects.count() == 1
    assert Event.objects.filter(kind="return_received").count() == 1
    assert on_hand(tent, site.returns) == 3


def test_a_lot_tracked_return_keeps_its_lot_through_to_disposal(
    site: Site, bbb: Client, serum: Item, oscar: User, sam: User
) -> None:
    ret = inbound.open_return(client=bbb, warehouse=site.warehouse, rma="BB-RMA-1")

    unit = inbound.receive_return_units(
        ctx(oscar),
        ret=ret,
        item=serum,
        quantity=2,
        grade=Grade.DISPOSE,
        location=site.returns,
        lot_code="L2026-07",
        expiry_date=dt.date(2027, 7, 31),
    )
    assert unit.lot is not None and unit.lot.code == "L2026-07"
    assert payload(Event.objects.get(kind="return_received"))["lot"] == "L2026-07"

    inbound.dispose_return_unit(ctx(sam), unit=unit, disposition=Disposition.DISPOSED)

    scrap = Location.objects.get(warehouse=site.warehouse, type="scrap")
    assert Balance.objects.get(item=serum, location=scrap, status="damaged").lot == unit.lot
    assert verify().ok


# --- dispositions ------------------------------------------------------------------------------


def test_a_sellable_unit_is_restocked_to_a_pick_face(
    site: Site, tent: Item, oscar: User, rma: Return
) -> None:
    unit = receive(oscar, rma, tent, 2, Grade.SELLABLE, site)
    before = StockPosition.objects.filter(item=tent, warehouse=site.warehouse).first()
    assert before is None or before.on_hand == 0  # the returns bench is not sellable

    done = inbound.dispose_return_unit(
        ctx(oscar), unit=unit, disposition=Disposition.RESTOCKED, to_location=site.face1
    )

    assert done.disposition == Disposition.RESTOCKED
    assert done.disposed_at is not None
    assert (on_hand(tent, site.returns), on_hand(tent, site.face1)) == (0, 2)
    assert StockPosition.objects.get(item=tent, warehouse=site.warehouse).on_hand == 2
    touch = Touch.objects.filter(kind="move").get()
    assert touch.reason_code == "return_sellable"
    event = Event.objects.get(kind="return_disposition")
    assert event.order_id == rma.order_id
    assert payload(event) == {
        "rma": "RMA-501",
        "order": "SH-1001",
        "sku": "NWO-TENT",
        "quantity": 2,
        "grade": "sellable",
        "disposition": "restocked",
        "location": "P-01",
    }
    assert verify().ok


def test_restocking_needs_a_sellable_grade_and_a_storage_or_pick_face_location(
    site: Site, tent: Item, oscar: User, rma: Return
) -> None:
    damaged = receive(oscar, rma, tent, 1, Grade.DAMAGED, site)
    sellable = receive(oscar, rma, tent, 1, Grade.SELLABLE, site)

    with changes_nothing():
        with pytest.raises(DomainError) as exc:
            inbound.dispose_return_unit(
                ctx(oscar), unit=damaged, disposition=Disposition.RESTOCKED, to_location=site.face1
            )
        assert exc.value.message == (
            "1 × NWO-TENT of RMA RMA-501 was graded damaged; quarantine or dispose it."
        )
        with pytest.raises(WrongLocationType) as wrong:
            inbound.dispose_return_unit(
                ctx(oscar), unit=sellable, disposition=Disposition.RESTOCKED, to_location=site.dock
            )
        assert wrong.value.message == (
            "DOCK-1 is a dock location; restock to a storage or pick-face location."
        )
        with pytest.raises(WrongLocation) as nowhere:
            inbound.dispose_return_unit(
                ctx(oscar), unit=sellable, disposition=Disposition.RESTOCKED
            )
        assert nowhere.value.message == (
            "Restocking needs a destination: scan the storage or pick-face location."
        )


def test_a_damaged_unit_goes_to_the_quarantine_location(
    site: Site, tent: Item, oscar: User, rma: Return
) -> None:
    unit = receive(oscar, rma, tent, 1, Grade.DAMAGED, site)

    done = inbound.dispose_return_unit(ctx(oscar), unit=unit, disposition=Disposition.QUARANTINED)

    assert done.disposition == Disposition.QUARANTINED
    assert on_hand(tent, site.returns, StockStatus.DAMAGED) == 0
    assert on_hand(tent, site.quarantine, StockStatus.QUARANTINE) == 1
    touch = Touch.objects.get(kind="quarantine")
    assert (touch.from_status, touch.to_status, touch.reason_code) == (
        "damaged",
        "quarantine",
        "return_damaged",
    )
    assert payload(Event.objects.get(kind="return_disposition"))["location"] == "QUAR-1"
    assert verify().ok


def test_only_a_supervisor_may_dispose_of_a_returned_unit(
    site: Site, tent: Item, oscar: User, sam: User, rma: Return
) -> None:
    unit = receive(oscar, rma, tent, 1, Grade.DISPOSE, site)

    with changes_nothing(), pytest.raises(NotPermitted) as exc:
        inbound.dispose_return_unit(ctx(oscar), unit=unit, disposition=Disposition.DISPOSED)

    assert exc.value.message == (
        "Disposing of stock needs a supervisor; ask one to sign in and scan it."
    )

    done = inbound.dispose_return_unit(ctx(sam), unit=unit, disposition=Disposition.DISPOSED)

    assert done.disposition == Disposition.DISPOSED
    scrap = Location.objects.get(warehouse=site.warehouse, type="scrap")
    assert on_hand(tent, scrap, StockStatus.DAMAGED) == 1
    assert on_hand(tent, site.returns, StockStatus.DAMAGED) == 0
    assert Touch.objects.get(kind="dispose").reason_code == "return_dispose"


def test_a_unit_gets_one_disposition_and_a_retry_of_it_changes_nothing(
    site: Site, tent: Item, oscar: User, rma: Return
) -> None:
    unit = receive(oscar, rma, tent, 2, Grade.SELLABLE, site)
    scan = ctx(oscar, "RF-RET-1")
    inbound.dispose_return_unit(
        scan, unit=unit, disposition=Disposition.RESTOCKED, to_location=site.storage1
    )

    with changes_nothing():
        with pytest.raises(AlreadyClosed) as exc:
            inbound.dispose_return_unit(ctx(oscar), unit=unit, disposition=Disposition.QUARANTINED)
        assert exc.value.message == (
            "2 × NWO-TENT of RMA RMA-501 is already restocked; nothing more to do."
        )
        again = inbound.dispose_return_unit(
            scan, unit=unit, disposition=Disposition.RESTOCKED, to_location=site.storage1
        )
    assert again.disposition == Disposition.RESTOCKED
    assert Event.objects.filter(kind="return_disposition").count() == 1
    assert on_hand(tent, site.storage1) == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_operators_deciding_the_same_unit_at_once_dispose_of_it_once() -> None:
    northwind = ClientFactory.create(code="NWO")
    site = make_site("CON3")
    tent = make_item(northwind, "NWO-TENT")
    oscar = UserFactory.create(username="oscar", role=Role.OPERATOR)
    owen = UserFactory.create(username="owen", role=Role.OPERATOR)
    ret = inbound.open_return(client=northwind, warehouse=site.warehouse, rma="RMA-77")
    unit = receive(oscar, ret, tent, 2, Grade.SELLABLE, site)
    who, where = [oscar, owen], [site.face1, site.storage1]

    results = run_parallel(
        2,
        lambda i: inbound.dispose_return_unit(
            ScanContext(uuid.uuid4(), who[i]),
            unit=unit,
            disposition=Disposition.RESTOCKED,
            to_location=where[i],
        ),
    )

    outcome = sorted(type(r).__name__ for r in results)
    assert outcome == ["AlreadyClosed", "ReturnUnit"], results
    assert on_hand(tent, site.face1) + on_hand(tent, site.storage1) == 2
    assert on_hand(tent, site.returns) == 0
    assert Event.objects.filter(kind="return_disposition").count() == 1
    report = verify()
    assert report.ok, report.problems
