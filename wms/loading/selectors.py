"""Reads of loads (trailers and lanes being loaded). Nothing here writes."""

from __future__ import annotations

from wms.loading.models import Load


def get_load(*, pk: int) -> Load:
    """A load with its lane (location) in one query."""
    return Load.objects.select_related("location").get(pk=pk)
