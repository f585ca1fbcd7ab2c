"""Issue 12, item 7: a stale or revoked access token is refreshed, not dead-lettered.

Against the simulator over real HTTP: every wording Amazon uses for a refused token costs one new
login and the call goes through; a fresh token refused too is permanent; two workers whose token
was revoked log in once between them (the refresh lock)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from django.conf import settings

from channels_app.amazon.client import (
    LocalTokenCache,
    RedisTokenCache,
    SpApiClient,
    client_for,
    token_refused,
)
from channels_app.amazon.errors import TransportError
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.tests.conftest import SimControl

ORDERS = "/orders/v0/orders"
WINDOW = {"MarketplaceIds": ["ATVPDKIKX0DER"], "LastUpdatedAfter": "2020-01-01T00:00:00Z"}


def get_orders(api: SpApiClient) -> Any:
    return api.call("GET", ORDERS, operation="getOrders", params=WINDOW)


def test_a_revoked_token_costs_one_login_and_the_call_goes_through(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with client_for(integration) as api:
        get_orders(api)
        sim.revoke_tokens()  # Amazon's side restarted
        assert get_orders(api).status == 200
    assert sim.state()["calls"] == {"lwa": 2, "getOrders": 3}


def test_each_expired_wording_is_recognised(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with client_for(integration) as api:
        for _ in range(2):  # the simulator alternates Amazon's two expired-token bodies
            get_orders(api)
            sim.expire_tokens()
        assert get_orders(api).status == 200
    assert sim.state()["tokens"]["refused"] == 2
    assert sim.state()["calls"]["lwa"] == 3


def test_a_fresh_token_refused_again_is_permanent(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    sim.fault("token_refused", operation="getOrders", count=2)
    with client_for(integration) as api, pytest.raises(TransportError) as caught:
        get_orders(api)
    assert caught.value.permanent and caught.value.status == 403
    assert "freshly issued access token" in caught.value.message
    assert sim.state()["calls"] == {"lwa": 2, "getOrders": 2}  # one re-login, no loop


@pytest.mark.parametrize(
    ("status", "body", "headers", "about_the_token"),
    [
        (403, {"code": "Unauthorized", "message": "Access to requested resource is denied.",
               "details": "The access token you provided is revoked, malformed or invalid."}, {}, True),
        (403, {"code": "Unauthorized", "message": "Access to requested resource is denied.",
               "details": "The access token you provided has expired."}, {}, True),
        (403, {"message": "The security token included in the request is expired",
               "code": "Unauthorized"}, {"x-amzn-ErrorType": "ExpiredTokenException"}, True),
        (403, {"message": "The security token included in the request is invalid.",
               "code": "InvalidInput"}, {}, True),
        (401, {"message": "Access token not recognized.", "code": "Unauthorized"}, {}, True),
        (403, {"message": "Access to requested resource is denied.",
               "code": "MissingAuthenticationToken"}, {}, True),
        # The app lacks the role for this operation: a new token changes nothing.
        (403, {"code": "Unauthorized", "message": "Access to requested resource is denied.",
               "details": ""}, {}, False),
        (400, {"code": "InvalidInput", "message": "Invalid token."}, {}, False),
    ],
)  # fmt: skip
def test_which_refusals_are_about_the_token(
    status: int, body: dict[str, str], headers: dict[str, str], about_the_token: bool
) -> None:
    response = httpx.Response(status, json={"errors": [body]}, headers=headers)
    assert token_refused(response) is about_the_token


def two_workers_refresh(
    sim: SimControl, integration: AmazonIntegration, caches: list[Any]
) -> list[int]:
    """Two clients (two workers) whose shared token was just revoked call Amazon at once."""
    statuses: list[int] = []
    start = threading.Barrier(len(caches))

    def worker(cache: Any) -> None:
        with client_for(integration, token_cache=cache) as api:
            start.wait()
            statuses.append(get_orders(api).status)

    threads = [threading.Thread(target=worker, args=(cache,)) for cache in caches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return statuses


def test_two_workers_with_a_revoked_token_log_in_once(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    assert settings.REDIS_URL, "the refresh lock is Redis's; run with REDIS_URL"
    caches = [RedisTokenCache(settings.REDIS_URL) for _ in range(2)]  # one per worker
    with client_for(integration, token_cache=caches[0]) as api:
        get_orders(api)  # a token both workers share
    sim.revoke_tokens()
    sim.config(lwa_delay=0.5)  # a slow login: without the lock both workers would log in

    assert two_workers_refresh(sim, integration, caches) == [200, 200]
    assert sim.state()["calls"]["lwa"] == 2  # the first login, and ONE refresh


def test_without_redis_threads_of_one_process_share_one_login(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    cache = LocalTokenCache()
    sim.config(lwa_delay=0.5)
    assert two_workers_refresh(sim, integration, [cache, cache]) == [200, 200]
    assert sim.state()["calls"]["lwa"] == 1
