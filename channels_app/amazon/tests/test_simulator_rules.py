"""The simulator enforces Amazon's documented rules (each rule's source is quoted where it is
simulated: simulator/auth.py, usage.py, orders_paging.py). Raw HTTP, no adapter: these tests say
what Amazon does, so the adapter tests that pass against the simulator mean something."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from channels_app.amazon.simulator import Credentials
from channels_app.amazon.tests.conftest import SimControl

ORDERS = "/orders/v0/orders"
MARKETPLACE = "ATVPDKIKX0DER"
WINDOW = {"MarketplaceIds": MARKETPLACE, "LastUpdatedAfter": "2020-01-01T00:00:00Z"}


def login(sim: SimControl) -> dict[str, Any]:
    creds = Credentials()
    reply = httpx.post(
        f"{sim.url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    )
    assert reply.status_code == 200
    return dict(reply.json())


def get(sim: SimControl, token: str | None, path: str = ORDERS, **params: Any) -> httpx.Response:
    headers = {"x-amz-access-token": token} if token else {}
    return httpx.get(f"{sim.url}{path}", params=params or WINDOW, headers=headers)


def error(reply: httpx.Response) -> dict[str, Any]:
    return dict(reply.json()["errors"][0])


def test_an_access_token_lives_one_hour(sim: SimControl) -> None:
    token = login(sim)
    assert token["expires_in"] == 3600
    sim.clock(advance=3599)
    assert get(sim, token["access_token"]).status_code == 200
    sim.clock(advance=2)
    refused = get(sim, token["access_token"])
    assert refused.status_code == 403
    assert "expired" in error(refused)["details"]


def test_expired_tokens_are_refused_in_amazons_varying_words(sim: SimControl) -> None:
    token = login(sim)["access_token"]
    sim.expire_tokens()
    first, second = get(sim, token), get(sim, token)
    assert error(first) == {
        "code": "Unauthorized",
        "message": "Access to requested resource is denied.",
        "details": "The access token you provided has expired.",
    }
    assert error(second) == {
        "message": "The security token included in the request is expired",
        "code": "Unauthorized",
    }
    assert second.headers["x-amzn-ErrorType"] == "ExpiredTokenException"


def test_a_restart_of_amazons_side_revokes_every_token(sim: SimControl) -> None:
    tokens = [login(sim)["access_token"] for _ in range(2)]
    assert sim.revoke_tokens() == {"revoked": 2}
    for token in tokens:
        refused = get(sim, token)
        assert refused.status_code == 403
        assert error(refused) == {
            "code": "Unauthorized",
            "message": "Access to requested resource is denied.",
            "details": "The access token you provided is revoked, malformed or invalid.",
        }
    assert get(sim, login(sim)["access_token"]).status_code == 200  # a new login works


def test_a_request_without_a_token_is_refused(sim: SimControl) -> None:
    refused = get(sim, None)
    assert refused.status_code == 403
    assert error(refused)["code"] == "MissingAuthenticationToken"


def test_get_orders_pages_100_by_default_and_never_more(sim: SimControl) -> None:
    sim.orders(150, ("NWO-TENT", 1))
    token = login(sim)["access_token"]
    page = get(sim, token).json()["payload"]
    assert len(page["Orders"]) == 100
    assert "NextToken" in page
    for size in ("0", "101"):
        refused = get(sim, token, **WINDOW, MaxResultsPerPage=size)
        assert refused.status_code == 400
        assert error(refused)["code"] == "InvalidInput"
    rest = get(sim, token, MarketplaceIds=MARKETPLACE, NextToken=page["NextToken"]).json()
    assert len(rest["payload"]["Orders"]) == 50
    assert "NextToken" not in rest["payload"]


def test_a_next_token_expires_after_24_hours_or_sooner_when_told(sim: SimControl) -> None:
    sim.orders(3, ("NWO-TENT", 1))
    token = login(sim)["access_token"]
    first = get(sim, token, **WINDOW, MaxResultsPerPage="1").json()["payload"]["NextToken"]
    sim.clock(advance=24 * 3600 - 10)
    # (a new login: the access token's hour is long gone)
    token = login(sim)["access_token"]
    second = get(sim, token, MarketplaceIds=MARKETPLACE, NextToken=first)
    assert second.status_code == 200
    sim.config(next_token_ttl=60)
    sim.clock(advance=61)
    token = login(sim)["access_token"]
    refused = get(
        sim, token, MarketplaceIds=MARKETPLACE, NextToken=second.json()["payload"]["NextToken"]
    )
    assert refused.status_code == 400
    assert error(refused)["code"] == "InvalidInput"
    assert "could not decode your NextToken" in error(refused)["message"]


def test_an_order_changed_while_paging_shifts_no_page(sim: SimControl) -> None:
    ids = sim.orders(3, ("NWO-TENT", 1))
    token = login(sim)["access_token"]
    first = get(sim, token, **WINDOW, MaxResultsPerPage="1").json()["payload"]
    sim.cancel(ids[0])  # the order on page 1 changes: it leaves this window, moves to the next
    rest = get(sim, token, MarketplaceIds=MARKETPLACE, NextToken=first["NextToken"]).json()
    rest2 = get(
        sim, token, MarketplaceIds=MARKETPLACE, NextToken=rest["payload"]["NextToken"]
    ).json()
    seen = [o["AmazonOrderId"] for o in first["Orders"] + rest["payload"]["Orders"]]
    seen += [o["AmazonOrderId"] for o in rest2["payload"]["Orders"]]
    assert seen == ids


def test_get_orders_follows_its_usage_plan_rate_and_burst(sim: SimControl) -> None:
    token = login(sim)["access_token"]
    answers = [get(sim, token) for _ in range(21)]
    assert [a.status_code for a in answers[:20]] == [200] * 20  # burst 20
    throttled = answers[20]
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    assert throttled.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    sim.clock(advance=30)
    assert get(sim, token).status_code == 429  # half a token in 30 s
    sim.clock(advance=30)
    assert get(sim, token).status_code == 200  # 0.0167/s: one token a minute


@pytest.mark.parametrize("speed", [100.0])
def test_a_faster_clock_keeps_the_plan_and_announces_the_real_time_rate(
    sim: SimControl, speed: float
) -> None:
    sim.clock(speed=speed)
    token = login(sim)["access_token"]
    answers = [get(sim, token) for _ in range(21)]
    assert [a.status_code for a in answers].count(200) in (20, 21)  # burst 20 (+ refill)
    assert float(answers[0].headers["x-amzn-RateLimit-Limit"]) == pytest.approx(1.67)


def test_a_clock_speed_of_zero_is_refused_with_what_to_send(sim: SimControl) -> None:
    reply = sim.http.post("/clock", json={"speed": 0})
    assert reply.status_code == 400
    assert "above 0" in reply.json()["error"]
    assert sim.state()["usage"]["speed"] == 1.0
