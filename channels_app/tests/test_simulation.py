"""The simulator base (channels_app/simulation.py) over real HTTP: each fault kind does what it
says before or after applying, the /_sim controls refuse what they cannot use, and the counters
say how often each effect was applied."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from channels_app.simulation import FAULT_KINDS
from channels_app.tests.conftest import TOKEN, Echo

AUTH = {"authorization": f"Bearer {TOKEN}"}


def create(sim: Echo, key: str, *, timeout: float = 10.0) -> httpx.Response:
    return httpx.post(
        f"{sim.url}/things", headers={**AUTH, "idempotency-key": key}, json={}, timeout=timeout
    )


def fault(controls: httpx.Client, **body: Any) -> httpx.Response:
    return controls.post("/faults", json=body)


def state(controls: httpx.Client) -> dict[str, Any]:
    return dict(controls.get("/state").json())


def wait_until(what: str, check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize("kind", ["429", "500"])
def test_an_injected_error_is_answered_before_anything_is_applied(
    echo: Echo, controls: httpx.Client, kind: str
) -> None:
    fault(controls, kind=kind, operation="create_thing")

    refused = create(echo, "k")
    again = create(echo, "k")

    assert refused.status_code == int(kind) and refused.json() == {"message": "injected"}
    assert refused.headers.get("retry-after") == ("2" if kind == "429" else None)
    assert again.status_code == 201
    seen = state(controls)
    assert seen["effects"] == {"applied": {"k": 1}, "arrivals": {"k": 1}}
    assert seen["calls"] == {"create_thing": 2}


def test_apply_then_500_applies_and_hides_it(echo: Echo, controls: httpx.Client) -> None:
    fault(controls, kind="apply_then_500", operation="create_thing")

    assert create(echo, "k").status_code == 500
    assert create(echo, "k").status_code == 201  # the caller's retry, same key

    assert state(controls)["effects"] == {"applied": {"k": 1}, "arrivals": {"k": 2}}


def test_hang_serves_the_call_after_the_callers_timeout(echo: Echo, controls: httpx.Client) -> None:
    fault(controls, kind="hang", operation="create_thing", seconds=1.0)

    with pytest.raises(httpx.TimeoutException):
        create(echo, "k", timeout=0.2)

    wait_until("the hung call to be applied", lambda: state(controls)["effects"]["applied"])
    assert state(controls)["effects"]["applied"] == {"k": 1}


def test_drop_closes_the_connection_and_applies_nothing(echo: Echo, controls: httpx.Client) -> None:
    fault(controls, kind="drop", operation="create_thing")

    with pytest.raises(httpx.TransportError):
        create(echo, "k")

    assert state(controls)["effects"]["applied"] == {}


@pytest.mark.parametrize(("kind", "applied"), [("hold", {}), ("apply_then_hold", {"k": 1})])
def test_a_held_call_gets_no_answer_until_released(
    echo: Echo, controls: httpx.Client, kind: str, applied: dict[str, int]
) -> None:
    fault(controls, kind=kind, operation="create_thing")
    outcome: list[BaseException | httpx.Response] = []

    def call() -> None:
        try:
            outcome.append(create(echo, "k", timeout=60))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    wait_until("the call to be held", lambda: state(controls)["held"] == 1)
    assert outcome == []
    assert state(controls)["effects"]["applied"] == applied

    assert controls.post("/release").json() == {"released": 1}
    caller.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError)  # never answered
    assert state(controls)["effects"]["applied"] == applied


def test_a_fault_takes_only_its_operation_and_its_count(echo: Echo, controls: httpx.Client) -> None:
    fault(controls, kind="500", operation="create_thing", count=2)
    probe = httpx.get(f"{echo.url}/status/200", headers=AUTH, timeout=10)

    answers = [create(echo, f"k{n}").status_code for n in range(3)]

    assert probe.status_code == 200  # another operation: untouched
    assert answers == [500, 500, 201]
    assert state(controls)["faults"] == []


def test_an_unauthorised_call_is_refused_before_it_takes_a_fault(
    echo: Echo, controls: httpx.Client
) -> None:
    fault(controls, kind="500")

    refused = httpx.post(f"{echo.url}/things", headers={"idempotency-key": "k"}, timeout=10)

    assert refused.status_code == 401
    assert state(controls)["faults"] == [
        {"operation": "*", "kind": "500", "remaining": 1, "seconds": 0.0}
    ]


def test_skip_lets_calls_through_before_the_fault_strikes(
    echo: Echo, controls: httpx.Client
) -> None:
    fault(controls, kind="500", operation="create_thing", skip=2)
    assert state(controls)["faults"] == [
        {"operation": "create_thing", "kind": "500", "remaining": 1, "seconds": 0.0, "skip": 2}
    ]

    answers = [create(echo, f"k{n}").status_code for n in range(4)]

    assert answers == [201, 201, 500, 201]
    assert state(controls)["effects"]["applied"] == {"k0": 1, "k1": 1, "k3": 1}
    assert state(controls)["faults"] == []


def test_faults_can_be_cleared(echo: Echo, controls: httpx.Client) -> None:
    fault(controls, kind="500", count=5)

    assert controls.post("/faults/clear").json() == {"cleared": 1}
    assert create(echo, "k").status_code == 201


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"kind": "teleport"}, "Unknown fault kind 'teleport'; one of"),
        ({"operation": "create_thing"}, "kind is needed"),
        ({"kind": "500", "count": 0}, "count must be at least 1"),
        ({"kind": "hang", "seconds": "long"}, "seconds a number"),
        ({"kind": "500", "skip": -1}, "skip not negative"),
    ],
)
def test_a_fault_it_cannot_use_is_refused_with_what_to_send(
    echo: Echo, controls: httpx.Client, body: dict[str, Any], said: str
) -> None:
    answer = fault(controls, **body)

    assert answer.status_code == 400 and said in answer.json()["error"]
    assert state(controls)["faults"] == []


def test_the_refusal_of_an_unknown_kind_lists_every_kind(controls: httpx.Client) -> None:
    said = fault(controls, kind="teleport").json()["error"]
    assert all(kind in said for kind in FAULT_KINDS)


def test_partner_controls_and_unknown_controls(echo: Echo, controls: httpx.Client) -> None:
    create(echo, "k")

    assert controls.post("/forget").status_code == 200
    assert state(controls)["effects"]["applied"] == {}
    missing = controls.post("/nothing-here")
    assert missing.status_code == 404 and "no control POST /_sim/nothing-here" in missing.text
    broken = controls.post("/faults", content=b"{not json")
    assert broken.status_code == 400


def test_a_call_the_partner_refuses_keeps_its_refusal_under_apply_then_500(
    echo: Echo, controls: httpx.Client
) -> None:
    fault(controls, kind="apply_then_500", operation="status")

    refused = httpx.get(f"{echo.url}/status/422", headers=AUTH, timeout=10)

    assert refused.status_code == 422  # nothing was applied: not a lost answer
    assert state(controls)["faults"] == []
