"""A supervisor on an operator's scanner: badge, then PIN, for one action (docs/floor.md).

The PIN is checked in the same submit that records the action and is never put in the state: the
state carries only the badge's user id, which proves nothing by itself.
"""

from __future__ import annotations

from wms.accounts import pins
from wms.accounts import selectors as users
from wms.accounts.models import Role, User
from wms.errors import NotPermitted
from wms.floor import scanning
from wms.floor.screens import Action, Screen, State


def supervisor_by_badge(value: str) -> User:
    """The supervisor whose badge was scanned (the first of the two proofs)."""
    badge = scanning.clean(value)
    if not badge:
        raise NotPermitted("Supervisor: scan your badge.")
    found = users.active_user_by_badge(badge=badge)
    if found is None:
        raise NotPermitted(f"Badge {badge} is not known. Supervisor: scan your own badge.")
    if not found.has_role(Role.SUPERVISOR):
        raise NotPermitted(
            f"{found.username} is not a supervisor. A supervisor must scan their own badge."
        )
    return found


def supervisor_with_pin(state: State, value: str) -> User:
    """The badge's supervisor, re-read, once the PIN matches; call it in the committing submit."""
    found = users.active_user(pk=state.get("supervisor", 0))
    if found is None or not found.has_role(Role.SUPERVISOR):
        raise NotPermitted("That supervisor cannot approve now. Supervisor: scan your badge again.")
    if not pins.check(found, scanning.clean(value)):
        raise NotPermitted(f"That PIN does not match {found.username}'s. Type it again.")
    return found


def badge_screen(state: State, what: str, facts: list[tuple[str, str]]) -> Screen:
    return Screen(
        prompt="Supervisor: scan your badge",
        hint=f"{what} needs a supervisor. The operator stays signed in.",
        label="Supervisor badge",
        state=state,
        facts=facts,
        actions=[Action("cancel", "Cancel")],
    )


def pin_screen(state: State, name: str, facts: list[tuple[str, str]]) -> Screen:
    return Screen(
        prompt=f"{name}: type your PIN",
        label="PIN",
        numeric=True,
        secret=True,
        state=state,
        facts=facts,
        actions=[Action("cancel", "Cancel")],
    )
