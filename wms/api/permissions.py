from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from wms.accounts.models import Role, User
from wms.accounts.tenancy import scope as scope  # re-exported: the rule lives in accounts


class ReadAnyWriteRole(BasePermission):
    """Anyone signed in may read (scoped); writing needs `write_role` on the view."""

    message = "Client users have read-only access."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        needed: Role = getattr(view, "write_role", Role.ADMIN)
        if not user.has_role(needed):
            self.message = (
                "Client users have read-only access."
                if user.is_client_user
                else f"This change needs the {needed.label.lower()} role."
            )
            return False
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        return self.has_permission(request, view)


class WarehouseStaffOnly(BasePermission):
    """Floor data (locations, containers, scans) is the 3PL's own, not a brand's."""

    message = "This endpoint is for warehouse staff; client users cannot use it."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user.is_authenticated and not user.is_client_user)


def actor(request: Request) -> User:
    """The signed-in user (the permission classes have already refused anonymous requests)."""
    user = request.user
    assert isinstance(user, User)
    return user
