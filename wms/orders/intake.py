"""Order intake: an order arrives from any channel (deduplicated by its external id) and is
allocated; backordered orders are tried again as stock arrives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.errors import InvalidQuantity, ItemInactive
from wms.layout.models import Warehouse
from wms.orders import address, allocation, locking, states
from wms.orders.errors import AddressInvalid, EmptyOrder, ItemOfAnotherClient
from wms.orders.models import (
    CarrierService,
    Order,
    OrderLine,
    OrderState,
)

S = OrderState
ADDRESS_FIELDS = address.FIELDS
REQUIRED_ADDRESS = address.REQUIRED


@dataclass(frozen=True)
class LineIn:
    item: Item
    quantity: int
    channel_line_id: str = ""


@dataclass(frozen=True)
class Imported:
    order: Order
    created: bool


def ship_to_fields(ship_to: dict[str, str]) -> dict[str, str]:
    """The order's ship_to_* fields from a channel's address; refuses a missing or unknown field."""
    missing = [f for f in REQUIRED_ADDRESS if not str(ship_to.get(f, "")).strip()]
    if missing:
        raise AddressInvalid(f"The ship-to address lacks {', '.join(missing)}.", field="ship_to")
    unknown = set(ship_to) - set(ADDRESS_FIELDS)
    if unknown:
        raise AddressInvalid(
            f"Unknown address fields: {', '.join(sorted(unknown))}.", field="ship_to"
        )
    fields = {k: str(v).strip() for k, v in ship_to.items()}
    if fields.get("region"):
        fields["region"] = address.region_code(fields["country"], fields["region"])
    return {f"ship_to_{k}": v for k, v in fields.items()}


def import_order(
    *,
    client: Client,
    channel: str,
    external_id: str,
    ship_to: dict[str, str],
    service: CarrierService,
    lines: list[LineIn],
    ship_by: dt.datetime | None = None,
    deliver_by: dt.datetime | None = None,
    requested_warehouse: Warehouse | None = None,
    actor: User | None = None,
) -> Imported:
    """Take an order from any channel; the same external id twice returns the first order."""
    existing = Order.objects.filter(client=client, channel=channel, external_id=external_id).first()
    if existing is not None:
        return Imported(existing, created=False)
    if not lines:
        raise EmptyOrder("An order needs at least one line.", field="lines")
    for line in lines:
        if line.item.client_id != client.pk:
            raise ItemOfAnotherClient(
                f"SKU {line.item.sku} belongs to another client.", field="lines"
            )
        if not line.item.active:
            raise ItemInactive(
                f"SKU {line.item.sku} is inactive; it cannot be ordered.", field="lines"
            )
        if line.quantity < 1:
            raise InvalidQuantity(
                f"SKU {line.item.sku}: quantity must be at least 1.", field="lines"
            )
    address = ship_to_fields(ship_to)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                client=client,
                channel=channel,
                external_id=external_id,
                service=service,
                ship_by=ship_by,
                deliver_by=deliver_by,
                requested_warehouse=requested_warehouse,
                **address,
            )
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        item=x.item,
                        quantity=x.quantity,
                        channel_line_id=x.channel_line_id,
                    )
                    for x in lines
                ]
            )
            states.record(
                order,
                kind="transition",
                to_state=S.RECEIVED,
                reason=f"Imported from {channel}.",
                owner=f"channel:{channel}",
                actor=actor,
                reference=external_id,
            )
            allocation.allocate(order, actor=actor)
    except IntegrityError:
        # The same order arrived twice at once (webhook + poll): the first one is the order.
        existing = Order.objects.filter(
            client=client, channel=channel, external_id=external_id
        ).first()
        if existing is None:
            raise
        return Imported(existing, created=False)
    return Imported(order, created=True)


def retry_backorders(*, limit: int = 200, client: Client | None = None) -> int:
    """Try again to allocate backordered orders, oldest promise first; returns how many now hold stock."""
    todo = Order.objects.filter(state=S.BACKORDERED)
    if client is not None:
        todo = todo.filter(client=client)
    done = 0
    for order in todo.order_by("ship_by", "received_at")[:limit]:
        with transaction.atomic():
            claimed = locking.lock_orders([order.pk], states=[S.BACKORDERED], skip_locked=True)
            if not claimed:
                continue
            locked = claimed[0]
            sid = transaction.savepoint()
            decision = allocation.allocate(locked)
            if decision.outcome in ("allocated", "split"):
                transaction.savepoint_commit(sid)
                done += 1
            else:
                transaction.savepoint_rollback(sid)  # still short: no new history line each retry
    return done
