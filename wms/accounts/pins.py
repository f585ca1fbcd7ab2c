"""PIN checks with a limit: a 4-digit PIN falls to guessing unless wrong tries lock it for a while.

The count of wrong tries lives in the cache (Redis when configured), outside any transaction: a
refused scan rolls its transaction back, and the count of wrong PINs must survive that.
"""

from __future__ import annotations

from django.core.cache import cache

from wms.accounts.models import User
from wms.errors import NotPermitted

MAX_WRONG = 5
LOCKED_SECONDS = 300


def _key(user: User) -> str:
    return f"touchline:pin-wrong:{user.pk}"


def check(user: User, pin: str) -> bool:
    """True when `pin` is the user's; after MAX_WRONG wrong tries the PIN is locked for a while."""
    key = _key(user)
    wrong = int(cache.get(key, 0))
    if wrong >= MAX_WRONG:
        raise NotPermitted(
            f"Too many wrong PINs for {user.username}: wait {LOCKED_SECONDS // 60} minutes, or ask "
            "an admin to reset the PIN."
        )
    if user.check_pin(pin):
        cache.delete(key)
        return True
    try:
        cache.incr(key)
    except ValueError:  # first wrong try: the key does not exist yet
        cache.set(key, 1, LOCKED_SECONDS)
    return False
