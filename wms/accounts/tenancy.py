"""Tenancy: what a signed-in user may see. A brand's user sees its own client's rows only.

Every door that lists domain rows (API, pages, compliance) narrows its query here, so the rule
"Charlie must not see Alice's stock" lives in one place.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wms.accounts.models import User


def scope(qs: QuerySet[Any], user: Any, client_field: str = "client") -> QuerySet[Any]:
    """A client user sees only rows of its own client; warehouse staff see every client."""
    if not isinstance(user, User):
        return qs.none()  # anonymous (e.g. while the OpenAPI schema is generated)
    if user.is_client_user:
        return qs.filter(**{client_field: user.client_id})
    return qs
