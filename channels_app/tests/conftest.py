"""A partner written on the shared simulator base in a dozen lines (the way carrier and ERP are):
``/status/<n>`` answers n, ``POST /things`` creates a thing once per Idempotency-Key. Tests of the
shared HTTP client and of the simulator base talk to it over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from channels_app.simulation import Effects, Fault, Reply, Request, Route, Simulator

TOKEN = "echo-token"  # noqa: S105 - opens nothing but this test partner


class Echo(Simulator):
    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.effects = Effects("applied", "arrivals")

    def route(self, request: Request) -> Route | Reply:
        parts = request.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "status":
            status = int(parts[1])
            wait = request.headers.get("x-answer-retry-after")
            headers = {"retry-after": wait} if wait else {}
            return Route("status", lambda _f: Reply(status, {"message": f"said {status}"}, headers))
        if request.method == "POST" and parts == ["things"]:
            key = str(request.headers.get("idempotency-key"))
            return Route("create_thing", lambda fault: self.create(key, fault))
        return Reply(404, {"message": f"no resource {request.path}"})

    def create(self, key: str, fault: Fault | None) -> Reply:
        self.effects["arrivals"][key] += 1
        if key not in self.effects["applied"]:
            self.effects["applied"][key] += 1
        return Reply(201, {"key": key})

    def refuse(self, request: Request, route: Route) -> Reply | None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"message": "wrong token"})
        return None

    def fault_reply(self, status: int, route: Route) -> Reply:
        return Reply(status, {"message": "injected"}, {"retry-after": "2"} if status == 429 else {})

    def control(self, request: Request, parts: list[str]) -> Reply | None:
        if request.method == "POST" and parts == ["forget"]:
            with self.lock:
                self.effects = Effects("applied", "arrivals")
            return Reply(200, {})
        return None

    def snapshot(self) -> dict[str, Any]:
        return {"effects": self.effects.snapshot()}


@pytest.fixture
def echo() -> Iterator[Echo]:
    sim = Echo().start()
    yield sim
    sim.stop()


@pytest.fixture
def controls(echo: Echo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{echo.url}/_sim", timeout=10) as http:
        yield http
