"""Shipping over the API names each parcel by its id: a tracking map keyed by anything else is
refused as invalid input (400, on the tracking field) before the order is touched."""

from __future__ import annotations

import uuid

from tests.conftest import api_as
from tests.factories import Site, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.orders.models import OrderState


def test_tracking_keyed_by_something_other_than_a_parcel_id_is_refused(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(site, tent, 2, oscar)
    order = place(nwo, "TRK-1", [(tent, 1)])

    refused = api_as(oscar).post(
        f"/api/orders/{order.pk}/ship/",
        {"scan_id": str(uuid.uuid4()), "carrier": "UPS", "tracking": {"carton-1": "1Z999"}},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid",
        "message": "tracking: Keys are parcel ids (numbers).",
        "fields": {"tracking": ["Keys are parcel ids (numbers)."]},
    }
    order.refresh_from_db()
    assert order.state == OrderState.RESERVED
