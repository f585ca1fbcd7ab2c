"""The one policy for which failures a retry can help (channels_app/http.py), status by status,
and the shared client that applies it over real HTTP."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

import pytest

from channels_app.errors import RateLimited, TransportError
from channels_app.http import HttpClient, permanent, retry_after
from channels_app.simulation import Simulator
from channels_app.tests.conftest import TOKEN, Echo

# status → permanent? The table the module's docstring argues for, in one place a change must pass.
POLICY = {
    300: True,
    301: True,
    400: True,
    401: True,
    403: True,
    404: True,
    405: True,
    408: False,
    409: True,
    410: True,
    413: True,
    422: True,
    425: False,
    429: False,
    500: False,
    501: False,
    502: False,
    503: False,
    504: False,
    599: False,
}


class EchoClient(HttpClient):
    partner = "echo"


def client(sim: Simulator, *, timeout: float = 10.0, token: str = TOKEN) -> EchoClient:
    return EchoClient(
        base_url=sim.url, timeout=timeout, headers={"authorization": f"Bearer {token}"}
    )


@pytest.mark.parametrize(("status", "expected"), sorted(POLICY.items()))
def test_the_policy_table(status: int, expected: bool) -> None:
    assert permanent(status) is expected


@pytest.mark.parametrize(("status", "expected"), sorted(POLICY.items()))
def test_each_answer_over_http_is_classified_by_the_policy(
    echo: Echo, status: int, expected: bool
) -> None:
    with client(echo) as api, pytest.raises(TransportError) as caught:
        api.request("GET", f"/status/{status}", operation="probe")
    error = caught.value
    assert (error.permanent, error.status, error.operation) == (expected, status, "probe")
    assert isinstance(error, RateLimited) is (status == 429)
    assert f"said {status}" in error.message or status < 400  # the partner's own words


def test_a_2xx_is_the_answer(echo: Echo) -> None:
    with client(echo) as api:
        response = api.request(
            "POST", "/things", operation="create", headers={"idempotency-key": "k"}
        )
    assert response.status_code == 201 and response.json() == {"key": "k"}


def test_a_429_carries_the_partners_retry_after_or_a_second(echo: Echo) -> None:
    with client(echo) as api:
        with pytest.raises(RateLimited) as told:
            api.request(
                "GET", "/status/429", operation="probe", headers={"x-answer-retry-after": "7"}
            )
        with pytest.raises(RateLimited) as untold:
            api.request("GET", "/status/429", operation="probe")
    assert (told.value.retry_after, untold.value.retry_after) == (7.0, 1.0)


def test_a_refused_token_is_permanent(echo: Echo) -> None:
    with client(echo, token="wrong") as api, pytest.raises(TransportError) as caught:  # noqa: S106
        api.request("GET", "/status/200", operation="probe")
    assert caught.value.permanent and "401" in caught.value.message
    assert "wrong token" in caught.value.message


def test_an_unreachable_partner_is_retryable() -> None:
    gone = Echo()
    gone.server.server_close()  # the port was ours; nobody listens on it now
    with client(gone) as api, pytest.raises(TransportError) as caught:
        api.request("GET", "/status/200", operation="probe")
    assert not caught.value.permanent and "unreachable" in caught.value.message


def test_a_timeout_is_retryable_and_says_the_outcome_is_unknown(echo: Echo) -> None:
    echo.add_fault({"kind": "hang", "operation": "status", "seconds": 1.5})
    with client(echo, timeout=0.3) as api, pytest.raises(TransportError) as caught:
        api.request("GET", "/status/200", operation="probe")
    assert (
        not caught.value.permanent and "whether it was applied is unknown" in caught.value.message
    )


def test_retry_after_reads_seconds_and_http_dates() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    in_an_hour = retry_after(format_datetime(later, usegmt=True))
    assert retry_after("2.5") == 2.5
    assert in_an_hour is not None and 3500 < in_an_hour <= 3600
    assert retry_after("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0  # in the past: now
    assert retry_after("soon") is None and retry_after(None) is None
