"""Back-office permissions follow the user's role, so nobody hand-manages groups per person.

Admins may do everything (the item master, settings, policies); supervisors may see everything in the
back office (orders and their history, the ledger, exceptions) and change what the floor changes
through the API and screens only. Operators and brand users have no back office at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from wms.accounts.models import Role, User

STAFF_APPS = {"wms", "authtoken", "compliance"}


class RoleBackend(BaseBackend):
    def _grants(self, user: Any, app_label: str, action: str) -> bool:
        if not isinstance(user, User) or not user.is_active or not user.is_staff:
            return False
        if app_label not in STAFF_APPS:
            return user.has_role(Role.ADMIN)
        if user.has_role(Role.ADMIN):
            return True
        return user.has_role(Role.SUPERVISOR) and action == "view"

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        app_label, _, codename = perm.partition(".")
        return self._grants(user_obj, app_label, codename.split("_", 1)[0])

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self._grants(user_obj, app_label, "view")
