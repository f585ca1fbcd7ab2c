"""One simulator base for every partner: a real HTTP server, injected faults, ``/_sim`` controls
and counters of calls and applied effects. Each partner writes only its routes, its auth and its
behaviour (``channels_app/<channel>/simulator/server.py``).

A partner's simulator subclasses ``Simulator`` and answers:

    route(request)              → Route(operation, apply) for a call it serves, or a Reply (404, 400)
    refuse(request, route)      → a Reply when the caller is not authorised, else None
    fault_reply(status, route)  → the partner's own body for an injected 429 or 500
    control(request, parts)     → a Reply for its own /_sim controls, else None (404)
    snapshot()                  → what GET /_sim/state shows of its state

and the base does the rest: one thread per request on an ephemeral port (``start``/``stop``, or
``serve`` for a management command), counting calls per operation, the faults below, the common
controls, and ``deliver`` for the partner's calls to us (webhooks, callbacks).

Faults (``POST /_sim/faults {"kind", "operation": name or "*", "count": 1, "seconds": 0,
"skip": 0}``), each taken by the next ``count`` calls of that operation once ``skip`` calls of it
have been let through (page 2 of a listing fails, page 1 does not):

    429, 500          answered at once with the partner's error body; nothing applied
    hang              wait ``seconds``, then serve the call (the caller's timeout fires first)
    drop              wait ``seconds``, then close the connection unanswered; nothing applied
    hold              park the call, unanswered, until POST /_sim/release (or stop); nothing applied
    apply_then_500    apply, then answer 500 (the caller cannot know it was applied); a call the
                      partner refuses (4xx) gets its refusal, as nothing was applied
    apply_then_hang   apply, wait ``seconds``, then answer (``slow`` is the same)
    apply_then_hold   apply, then park unanswered until released

A partner may add kinds of its own (``fault_kinds``) and act on them in its ``apply`` (it is given
the fault its call took).

Common controls: ``GET /_sim/state`` (the partner's snapshot, ``calls`` per operation, ``held``
calls, ``faults`` still pending), ``POST /_sim/faults``, ``POST /_sim/faults/clear``,
``POST /_sim/release``. ``Effects`` counts applied effects per key (1 = exactly once).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import httpx

FAULT_KINDS = frozenset(
    {
        "429",
        "500",
        "hang",
        "drop",
        "hold",
        "apply_then_500",
        "apply_then_hang",
        "slow",
        "apply_then_hold",
    }
)
HOLD_LIMIT = 120.0  # seconds a held call waits for a release before it is let go unanswered


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Any  # http.client.HTTPMessage: case-insensitive .get()
    raw: bytes

    def json(self) -> Any:
        """The body as JSON (None when empty); raises ValueError when it is not JSON."""
        return json.loads(self.raw) if self.raw else None


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    operation: str  # an operation name (or another name the route answers to), or "*"
    kind: str
    remaining: int
    seconds: float = 0.0
    skip: int = 0  # matching calls let through before the fault strikes

    def view(self) -> dict[str, Any]:
        """The fault as /_sim/state shows it (``skip`` only while calls are still let through)."""
        shown = vars(self).copy()
        if not self.skip:
            del shown["skip"]
        return shown


@dataclass(frozen=True)
class Route:
    """A call the partner serves: its operation's name (for faults and counters) and what it does.

    ``apply`` is the partner's behaviour; it is given the fault the call took (or None). The base
    runs it under the simulator's lock unless ``locked`` is False (a partner that locks itself).
    """

    operation: str
    apply: Callable[[Fault | None], Reply]
    names: tuple[str, ...] = ()  # further names a fault may target
    locked: bool = True
    counted: tuple[str, ...] = ()  # the names counted as calls (default: the operation)
    detail: Any = None  # what the partner needs again later (Amazon: the operation's model)


class Effects:
    """Applied-effect counters: per kind of effect, how often each key's effect was applied."""

    def __init__(self, *kinds: str) -> None:
        self.counters: dict[str, Counter[str]] = {kind: Counter() for kind in kinds}

    def __getitem__(self, kind: str) -> Counter[str]:
        return self.counters[kind]

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {kind: dict(counter) for kind, counter in self.counters.items()}


class BadControl(ValueError):
    """A /_sim control given something it cannot use: answered 400 with this message."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a caller that gave up (a hang, a killed worker) is not the simulator's error


class Simulator:
    """The base; see the module's docstring for what a partner writes."""

    fault_kinds: frozenset[str] = FAULT_KINDS
    name = "simulator"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.holds: list[threading.Event] = []
        self.held = 0
        self.server = _Server((host, port), _handler_for(self))
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def serve(self) -> None:
        """Serve in this thread until interrupted (the partner's management command)."""
        try:
            self.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.release()
            self.server.server_close()

    # --- what each partner writes --------------------------------------------------------------

    def route(self, request: Request) -> Route | Reply:
        raise NotImplementedError

    def refuse(self, request: Request, route: Route) -> Reply | None:
        return None

    def fault_reply(self, status: int, route: Route) -> Reply:
        return Reply(status, {"error": "injected fault"})

    def control(self, request: Request, parts: list[str]) -> Reply | None:
        return None

    def snapshot(self) -> dict[str, Any]:
        return {}

    def reply_headers(self) -> dict[str, str]:
        """Headers on every answer (a partner's request id)."""
        return {}

    # --- faults --------------------------------------------------------------------------------

    def add_fault(self, body: Any) -> Fault:
        if not isinstance(body, dict) or "kind" not in body:
            raise BadControl(
                'A fault is {"kind", "operation", "count", "seconds", "skip"}; kind is needed.'
            )
        kind = str(body["kind"])
        if kind not in self.fault_kinds:
            raise BadControl(
                f"Unknown fault kind {kind!r}; one of {', '.join(sorted(self.fault_kinds))}."
            )
        try:
            count, seconds = int(body.get("count", 1)), float(body.get("seconds", 0))
            skip = int(body.get("skip", 0))
        except (TypeError, ValueError) as exc:
            raise BadControl(
                f"count and skip must be whole numbers and seconds a number: {exc}"
            ) from exc
        if count < 1 or seconds < 0 or skip < 0:
            raise BadControl("count must be at least 1, seconds and skip not negative.")
        fault = Fault(str(body.get("operation", "*")), kind, count, seconds, skip)
        with self.lock:
            self.faults.append(fault)
        return fault

    def fault_for(self, *names: str) -> Fault | None:
        """The first pending fault for any of these names (or "*"), taken once; None while that
        fault still lets calls through (``skip``)."""
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and (fault.operation == "*" or fault.operation in names):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.remaining -= 1
                    return fault
        return None

    def park(self) -> None:
        hold = threading.Event()
        with self.lock:
            self.holds.append(hold)
            self.held += 1
        hold.wait(HOLD_LIMIT)

    def release(self) -> int:
        with self.lock:
            holds, self.holds = self.holds, []
        for hold in holds:
            hold.set()
        return len(holds)

    # --- the partner calls us ------------------------------------------------------------------

    @staticmethod
    def deliver(
        url: str, raw: bytes, headers: dict[str, str], *, timeout: float = 30
    ) -> tuple[int, str]:
        """POST ``raw`` to one of our endpoints: (status, answer text); status 0 if unreachable."""
        try:
            response = httpx.post(url, content=raw, headers=headers, timeout=timeout)
        except httpx.HTTPError as exc:
            return 0, f"unreachable: {type(exc).__name__}: {exc}"
        return response.status_code, response.text

    # --- one request ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        """The answer to one request, or None for no answer at all (dropped or held)."""
        if request.path.startswith("/_sim/"):
            return self._controls(request)
        found = self.route(request)
        if isinstance(found, Reply):
            return found
        with self.lock:
            for name in found.counted or (found.operation,):
                self.calls[name] += 1
            refusal = self.refuse(request, found)
        if refusal is not None:
            return refusal
        fault = self.fault_for(found.operation, *found.names)
        kind = fault.kind if fault is not None else ""
        if kind in ("hang", "drop"):
            time.sleep(fault.seconds if fault else 0)
        if kind == "drop":
            return None
        if kind == "hold":
            self.park()
            return None
        if kind in ("429", "500"):
            return self.fault_reply(int(kind), found)
        if found.locked:
            with self.lock:
                reply = found.apply(fault)
        else:
            reply = found.apply(fault)
        if reply.status >= 400:
            return reply  # refused: nothing was applied, so the refusal is the answer
        if kind == "apply_then_500":
            return self.fault_reply(500, found)
        if kind in ("apply_then_hang", "slow"):
            time.sleep(fault.seconds if fault else 0)  # applied; the answer comes late
        if kind == "apply_then_hold":
            self.park()
            return None
        return reply

    def _controls(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")[1:]  # after "_sim"
        try:
            if request.method == "GET" and parts == ["state"]:
                with self.lock:
                    pending = [f.view() for f in self.faults if f.remaining > 0]
                    return Reply(
                        200,
                        {
                            "calls": dict(self.calls),
                            "held": self.held,
                            "faults": pending,
                            **self.snapshot(),
                        },
                    )
            if request.method == "POST" and parts == ["faults"]:
                self.add_fault(request.json())
                return Reply(200, {"faults": len(self.faults)})
            if request.method == "POST" and parts == ["faults", "clear"]:
                with self.lock:
                    cleared, self.faults = len(self.faults), []
                return Reply(200, {"cleared": cleared})
            if request.method == "POST" and parts == ["release"]:
                return Reply(200, {"released": self.release()})
            answer = self.control(request, parts)
        except BadControl as exc:
            return Reply(400, {"error": str(exc)})
        except (KeyError, TypeError, ValueError) as exc:
            return Reply(400, {"error": f"{request.path}: {type(exc).__name__}: {exc}"})
        if answer is None:
            return Reply(404, {"error": f"no control {request.method} {request.path}"})
        return answer


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet in tests

        def _send(self, reply: Reply) -> None:
            if isinstance(reply.body, bytes):
                raw, content_type = reply.body, "application/octet-stream"
            else:
                raw = b"" if reply.body is None else json.dumps(reply.body).encode()
                content_type = "application/json"
            self.send_response(reply.status)
            headers = {"content-type": content_type, **sim.reply_headers(), **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            request = Request(
                method=self.command,
                path=url.path,
                query=dict(parse_qsl(url.query, keep_blank_values=True)),
                headers=self.headers,
                raw=self.rfile.read(length) if length else b"",
            )
            reply = sim.handle(request)
            if reply is None:
                self.close_connection = True  # dropped or held: the caller gets no answer
                return
            self._send(reply)

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def do_PUT(self) -> None:
            self._dispatch()

        def do_PATCH(self) -> None:
            self._dispatch()

        def do_DELETE(self) -> None:
            self._dispatch()

    return Handler
