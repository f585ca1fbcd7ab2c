"""Query-string parameters the list endpoints filter on."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request


def int_param(request: Request, name: str) -> int | None:
    """The named parameter as a number, None when absent; a 400 naming it otherwise."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise serializers.ValidationError({name: [f"'{raw}' is not a number."]}) from None
