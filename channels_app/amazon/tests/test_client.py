"""The client over real HTTP: LWA tokens, and every failure mapped to a TransportError."""

from __future__ import annotations

import pytest

from channels_app.amazon.client import client_for
from channels_app.amazon.errors import AmazonNotConfigured, TransportError
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.tests.conftest import SimControl

ORDERS = "/orders/v0/orders"


def get_orders(integration: AmazonIntegration, **options: float) -> object:
    with client_for(integration, **options) as api:
        return api.call(
            "GET",
            ORDERS,
            operation="getOrders",
            params={
                "MarketplaceIds": ["ATVPDKIKX0DER"],
                "LastUpdatedAfter": "2020-01-01T00:00:00Z",
            },
        )


def test_the_access_token_is_fetched_once_and_reused(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    for _ in range(3):
        get_orders(integration)
    assert sim.state()["calls"] == {"lwa": 1, "getOrders": 3}


def test_an_expired_token_is_replaced_by_logging_in_again(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    get_orders(integration)
    sim.expire_tokens()
    reply = get_orders(integration)
    assert reply.status == 200  # type: ignore[attr-defined]
    assert sim.state()["calls"]["lwa"] == 2


def test_a_refused_refresh_token_is_permanent(
    sim: SimControl, integration: AmazonIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", "Atzr|revoked")
    with pytest.raises(TransportError) as caught:
        get_orders(integration)
    assert caught.value.permanent and caught.value.status == 400
    assert "invalid grant" in caught.value.message


def test_missing_secrets_name_the_variable_to_set(
    sim: SimControl, integration: AmazonIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMAZON_NWO_REFRESH_TOKEN")
    with pytest.raises(AmazonNotConfigured, match="AMAZON_NWO_REFRESH_TOKEN"):
        get_orders(integration)


def test_a_429_is_transient_with_retry_after_from_the_rate_limit(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    sim.fault("429", operation="getOrders")
    with pytest.raises(TransportError) as caught:
        get_orders(integration)
    error = caught.value
    assert (error.permanent, error.status, error.rate_limit) == (False, 429, 0.0167)
    assert error.retry_after == pytest.approx(1 / 0.0167)
    get_orders(integration)  # the fault was for one call only


def test_the_usage_plan_throttles_beyond_its_burst(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    sim.rate_limit("getOrders", 0.0001, 2)
    get_orders(integration)
    get_orders(integration)
    with pytest.raises(TransportError) as caught:
        get_orders(integration)
    assert caught.value.status == 429 and caught.value.rate_limit == 0.0001


def test_a_500_is_transient(sim: SimControl, integration: AmazonIntegration) -> None:
    sim.fault("500", operation="getOrders")
    with pytest.raises(TransportError) as caught:
        get_orders(integration)
    assert (caught.value.permanent, caught.value.status) == (False, 500)


def test_a_hang_times_out_as_transient(sim: SimControl, integration: AmazonIntegration) -> None:
    sim.fault("hang", operation="getOrders", seconds=2)
    with pytest.raises(TransportError) as caught:
        get_orders(integration, timeout=0.2)
    assert (caught.value.permanent, caught.value.status) == (False, None)
    assert "timed out" in caught.value.message


def test_a_4xx_is_permanent_with_amazons_message(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with client_for(integration) as api, pytest.raises(TransportError) as caught:
        api.call("GET", f"{ORDERS}/111-0000000-0000000", operation="getOrder")
    assert (caught.value.permanent, caught.value.status) == (True, 404)
    assert "NotFound: Order not found." in caught.value.message
