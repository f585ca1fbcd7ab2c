"""A receiver on 127.0.0.1 for the outbox tests: real HTTP, applies each idempotency key once.

`applied[key]` counts how often the effect of a key was applied (a replay of a key is answered 200
and applies nothing, as a well-behaved channel does); `calls[key]` counts the requests. `script`
queues the answers to give before the normal 200: a status code, "timeout" (apply, then answer
too late), or a `Hold` that parks the request until the test releases it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hold:
    """Park the request. `apply`: apply the effect before parking (the call "happened")."""

    apply: bool
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class Receiver:
    def __init__(self, *, timeout_sleep: float = 3.0) -> None:
        self.lock = threading.Lock()
        self.applied: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.bodies: dict[str, dict[str, Any]] = {}
        self.effects: list[dict[str, Any]] = []  # applied bodies, in order
        self.script: list[int | str | Hold] = []
        self.headers: dict[str, str] = {}  # sent on every answer (e.g. a rate-limit header)
        self.timeout_sleep = timeout_sleep
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with receiver.lock:
                    receiver.calls[key] += 1
                    step = receiver.script.pop(0) if receiver.script else 200
                if isinstance(step, Hold):
                    if step.apply:
                        receiver.apply(key, body)
                    step.arrived.set()
                    step.release.wait(60)
                    return  # the sender is gone by now: no answer
                if step == "timeout":
                    receiver.apply(key, body)
                    time.sleep(receiver.timeout_sleep)  # longer than the sender's timeout
                    step = 200
                if step == 200:
                    receiver.apply(key, body)
                assert isinstance(step, int)
                self.send_response(step)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                if step == 429:
                    self.send_header("Retry-After", "0.2")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def apply(self, key: str, body: dict[str, Any]) -> None:
        with self.lock:
            if key in self.applied:
                return
            self.applied[key] += 1
            self.bodies[key] = body
            self.effects.append(body)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def applied_per_event(self) -> Counter[int]:
        """How often each outbox event's effect was applied, whatever key it came with."""
        with self.lock:
            return Counter(body["event"] for body in self.effects if "event" in body)
