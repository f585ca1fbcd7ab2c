"""The shape every RF flow shares: a state machine of screens (docs/floor.md).

A flow renders a `Screen` for a state and turns a scan into an `Outcome` (the next state and what to
tell the operator). The dispatcher in views.py owns idempotency, transactions and rendering.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from django.http import HttpRequest

from wms.accounts.models import Role, User
from wms.floor.errors import NoScanId, NoWarehouseChosen
from wms.inventory.ledger import ScanContext
from wms.layout import selectors as layout_selectors
from wms.layout.models import Warehouse

State = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Action:
    """A button under the input: submits the form with `action=name` (the input may be empty)."""

    name: str
    label: str
    kind: str = "secondary"  # "secondary" | "danger" | "primary"


@dataclass(frozen=True)
class Screen:
    prompt: str  # the one instruction, in big type: "Scan location P-04-1"
    state: State  # carried, signed, to the next submit
    label: str = "Scan"
    numeric: bool = False  # quantity and weight steps: the on-screen keypad is numeric
    facts: list[tuple[str, str]] = field(default_factory=list)  # ("Item", "NWO-001 Tent")
    actions: list[Action] = field(default_factory=list)
    hint: str = ""  # small print under the prompt
    input: bool = True  # False on a screen that is only buttons (a choice)
    secret: bool = False  # a PIN: the input does not show what is typed


@dataclass(frozen=True)
class Outcome:
    state: State
    message: str = ""
    tone: str = "ok"  # "ok" (green, short tone) | "warn" (amber: done, but look) | "info"


@dataclass
class RfContext:
    """Who is scanning, where, on which device; and the scan id of the submit being handled."""

    request: HttpRequest
    user: User
    warehouse_id: int | None
    device: str
    scan_id: uuid.UUID | None = None
    # Rows a submit and the render after it both read (the task being picked), read once.
    cache: dict[tuple[str, object], Any] = field(default_factory=dict)
    _warehouse: Warehouse | None = None

    def ctx(self, tag: str = "", actor: User | None = None) -> ScanContext:
        """The ledger's scan context for this submit; `tag` derives a stable id for a second
        touch of the same operator action (retries derive the same one)."""
        if self.scan_id is None:
            raise NoScanId("This step records nothing; it has no scan id.")
        here = ScanContext(self.scan_id, actor or self.user, self.device)
        return here.derive(tag) if tag else here

    @property
    def wh(self) -> Warehouse:
        """The warehouse chosen at sign-in, read on first use (most scans never need the row)."""
        if self._warehouse is None:
            found = (
                layout_selectors.warehouse_or_none(pk=self.warehouse_id)
                if self.warehouse_id is not None
                else None
            )
            if found is None:
                raise NoWarehouseChosen(
                    "Choose a warehouse first: open the menu, then Change warehouse."
                )
            self._warehouse = found
        return self._warehouse

    def once(self, key: tuple[str, object], load: Callable[[], T]) -> T:
        """`load()` the first time `key` is asked for in this request, the same object after."""
        if key not in self.cache:
            self.cache[key] = load()
        found: T = self.cache[key]
        return found


class Flow:
    """One floor task. Subclasses set `slug`, `title` and implement `render` and `submit`."""

    slug: ClassVar[str]
    title: ClassVar[str]
    role: ClassVar[Role] = Role.OPERATOR
    blurb: ClassVar[str] = ""  # one line on the menu

    def start(self, rf: RfContext) -> State:
        return {"step": "start"}

    def render(self, rf: RfContext, state: State) -> Screen:
        raise NotImplementedError

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        raise NotImplementedError


FLOWS: dict[str, Flow] = {}


def register(flow_class: type[Flow]) -> type[Flow]:
    FLOWS[flow_class.slug] = flow_class()
    return flow_class


def step(state: State, name: str, **changes: Any) -> State:
    """The next state: the same data, with `changes`, at step `name`."""
    return {**state, **changes, "step": name}
