"""Reads of users as the floor meets them: by badge, by user name, by id. Nothing here writes."""

from __future__ import annotations

from wms.accounts.models import User


def active_user_by_badge(*, badge: str) -> User | None:
    return User.objects.filter(badge=badge, is_active=True).first()


def active_user_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def active_user(*, pk: int) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).first()


def signs_in_with_pin(*, username: str) -> bool:
    """Whether this active user name has a PIN set (so the scanner asks for it)."""
    return User.objects.filter(username=username, is_active=True).exclude(pin_hash="").exists()
