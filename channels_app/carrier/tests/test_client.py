"""The carrier interface over real HTTP against the simulator: rate, buy, void, track, and every
failure mapped to the outbox's TransportError (retry or not, and when)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from channels_app.carrier import mapping
from channels_app.carrier.adapter import ParcelSpec
from channels_app.carrier.client import HttpCarrier
from channels_app.carrier.errors import RateLimited, TransportError
from channels_app.carrier.simulator import API_KEY
from channels_app.carrier.tests.conftest import CarrierControl
from compliance.tests.test_labels import plain, scan
from tests.factories import ADDRESS, Site, service
from wms.catalog.models import Item
from wms.orders.address import Address
from wms.orders.models import Parcel
from wms.orders.services import LineIn, import_order

RENO = Address("Touchline 3PL", "100 Dock Rd", "Reno", "89502", region="NV")
JO = Address(
    "Jo Doe",
    "1 Main St",
    "New York",
    "10001",
    region="NY",
    phone="+1 212 555 0199",
    email="jo@example.com",
)
BOX = ParcelSpec(
    RENO, JO, weight_g=3000, length_mm=500, width_mm=300, height_mm=200, reference="SH-1"
)


def carrier(sim: CarrierControl, *, timeout: float = 2.0, key: str = API_KEY) -> HttpCarrier:
    return HttpCarrier(base_url=sim.url, api_key=key, timeout=timeout)


def test_rates_for_every_service(carrier_sim: CarrierControl) -> None:
    with carrier(carrier_sim) as api:
        rates = {r.service: r for r in api.rate([BOX, BOX])}

    assert set(rates) == {"GROUND", "2DAY", "OVERNIGHT"}
    assert rates["GROUND"].amount == Decimal("18.40")  # 2 × (6.50 + 0.90 × 3 kg)
    assert rates["OVERNIGHT"].days == 1 and rates["GROUND"].days == 5


def test_a_bought_label_scans_to_its_tracking_number(carrier_sim: CarrierControl) -> None:
    with carrier(carrier_sim) as api:
        label = api.buy_label(BOX, "GROUND", idempotency_key="parcel-1")

    assert re.fullmatch(r"SX\d{12}", label.tracking_number)
    [page] = scan(label.pdf)  # 4×6 PDF, rendered at 300 dpi and read by zxing-cpp
    assert plain(page) == [label.tracking_number]
    assert label.zpl.startswith("^XA") and "^PW812" in label.zpl and "^LL1218" in label.zpl
    assert f"^FD{label.tracking_number}^FS" in label.zpl  # the barcode's data field
    assert label.amount == Decimal("9.20")


def test_buying_again_with_the_same_key_answers_the_same_label(
    carrier_sim: CarrierControl,
) -> None:
    with carrier(carrier_sim) as api:
        first = api.buy_label(BOX, "GROUND", idempotency_key="parcel-1")
        again = api.buy_label(BOX, "GROUND", idempotency_key="parcel-1")
        other = api.buy_label(BOX, "GROUND", idempotency_key="parcel-2")

    assert again.tracking_number == first.tracking_number != other.tracking_number
    effects = carrier_sim.state()["effects"]
    assert effects["labels"] == {"parcel-1": 1, "parcel-2": 1}
    assert effects["keys"] == {"parcel-1": 2, "parcel-2": 1}


def test_void_and_track(carrier_sim: CarrierControl) -> None:
    with carrier(carrier_sim) as api:
        unused = api.buy_label(BOX, "GROUND", idempotency_key="a")
        used = api.buy_label(BOX, "GROUND", idempotency_key="b")
        carrier_sim.event(used.tracking_number, "picked_up", location="Reno, NV", send=False)

        api.void(unused.tracking_number)
        with pytest.raises(TransportError) as refused:
            api.void(used.tracking_number)
        events = api.track(used.tracking_number)

    assert refused.value.permanent and "scanned" in str(refused.value)
    assert carrier_sim.state()["effects"]["voids"] == {unused.tracking_number: 1}
    assert [e.kind for e in events] == ["label_created", "picked_up"]
    assert events[1].location == "Reno, NV" and events[1].tracking_number == used.tracking_number


def test_429_is_rate_limited_with_the_carriers_retry_after(carrier_sim: CarrierControl) -> None:
    carrier_sim.fault("429", operation="rate")
    with carrier(carrier_sim) as api, pytest.raises(RateLimited) as caught:
        api.rate([BOX])
    assert caught.value.retry_after == 1.0 and not caught.value.permanent


def test_500_and_timeouts_are_transient(carrier_sim: CarrierControl) -> None:
    carrier_sim.fault("500", operation="buy_label")
    carrier_sim.fault("hang", operation="track", seconds=1.5)
    with carrier(carrier_sim, timeout=0.5) as api:
        with pytest.raises(TransportError) as failed:
            api.buy_label(BOX, "GROUND", idempotency_key="k")
        label = api.buy_label(BOX, "GROUND", idempotency_key="k")
        with pytest.raises(TransportError) as slow:
            api.track(label.tracking_number)
    assert not failed.value.permanent and "500" in str(failed.value)
    assert not slow.value.permanent and "timed out" in str(slow.value)
    assert carrier_sim.state()["effects"]["labels"] == {"k": 1}


def test_an_answer_lost_after_the_purchase_costs_no_second_label(
    carrier_sim: CarrierControl,
) -> None:
    carrier_sim.fault("apply_then_500", operation="buy_label")
    with carrier(carrier_sim) as api:
        with pytest.raises(TransportError):
            api.buy_label(BOX, "GROUND", idempotency_key="k")
        label = api.buy_label(BOX, "GROUND", idempotency_key="k")
    state = carrier_sim.state()
    assert state["effects"]["labels"] == {"k": 1}
    assert list(state["labels"]) == [label.tracking_number]


def test_a_wrong_api_key_is_refused_for_good(carrier_sim: CarrierControl) -> None:
    with carrier(carrier_sim, key="wrong") as api, pytest.raises(TransportError) as caught:
        api.rate([BOX])
    assert caught.value.permanent and "401" in str(caught.value)


def test_an_unknown_service_is_refused_with_the_carriers_reason(
    carrier_sim: CarrierControl,
) -> None:
    with carrier(carrier_sim) as api, pytest.raises(TransportError) as caught:
        api.buy_label(BOX, "TELEPORT", idempotency_key="k")
    assert caught.value.permanent and "unknown service 'TELEPORT'" in str(caught.value)


def test_the_carrier_gets_the_cores_address_region_code_phone_and_email(
    carrier_sim: CarrierControl, site: Site, tent: Item
) -> None:
    order = import_order(
        client=tent.client,
        channel="shopify",
        external_id="SH-ADDR",
        ship_to=ADDRESS
        | {"city": "Portland", "region": "Oregon", "postal_code": "97201"}
        | {"phone": "+1 503 555 0142", "email": "jo@example.com"},
        service=service(),
        lines=[LineIn(tent, 1)],
    ).order
    parcel = Parcel(order=order, weight_g=900, length_mm=300, width_mm=200, height_mm=100)
    spec = mapping.parcel_spec(parcel, order, site.warehouse)

    with carrier(carrier_sim) as api:
        label = api.buy_label(spec, "GROUND", idempotency_key="addr")

    sent = carrier_sim.state()["labels"][label.tracking_number]["ship_to"]
    assert spec.ship_to == Address.of(order)  # one Address, the core's
    assert (sent["city"], sent["region"], sent["country"]) == ("Portland", "OR", "US")
    assert (sent["phone"], sent["email"]) == ("+1 503 555 0142", "jo@example.com")
