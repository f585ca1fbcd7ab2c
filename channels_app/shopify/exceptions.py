"""Exceptions with owners for what went wrong answering Shopify.

A permanent failure (Shopify refused our document or our answer, our token is revoked) recorded
here instead of being answered with a 503 that Shopify would resend forever: one open row per
problem (seen again: its ``seen_at`` moves), closed when the same fulfillment order is answered.
"""

from __future__ import annotations

from django.utils import timezone

from channels_app.shopify.errors import GraphQLRefused, TransportError
from channels_app.shopify.models import ShopifyException, ShopifyStore

# Who acts: a refused document or token is ours to fix; a refusal of the merchant's data theirs.
ENGINEER = "integration engineer"
CLIENT_SERVICES = "client services"


def record(
    store: ShopifyStore,
    *,
    kind: str,
    detail: str,
    owner: str = ENGINEER,
    fulfillment_order_id: str = "",
    codes: list[str] | None = None,
) -> ShopifyException:
    now = timezone.now()
    open_one = ShopifyException.objects.filter(
        store=store, kind=kind, fulfillment_order_id=fulfillment_order_id, resolved_at=None
    ).first()
    if open_one is not None:
        ShopifyException.objects.filter(pk=open_one.pk).update(seen_at=now, detail=detail)
        return open_one
    return ShopifyException.objects.create(
        store=store,
        kind=kind,
        fulfillment_order_id=fulfillment_order_id,
        detail=detail,
        codes=list(codes or []),
        owner=owner,
        created_at=now,
        seen_at=now,
    )


def record_failure(
    store: ShopifyStore, exc: TransportError, *, kind: str, fulfillment_order_id: str = ""
) -> ShopifyException:
    codes = exc.codes if isinstance(exc, GraphQLRefused) else []
    return record(
        store,
        kind=kind,
        detail=str(exc),
        owner=ENGINEER,
        fulfillment_order_id=fulfillment_order_id,
        codes=codes,
    )


def resolve(store: ShopifyStore, *, fulfillment_order_id: str) -> int:
    """The fulfillment order was answered after all: its open exceptions close themselves."""
    return ShopifyException.objects.filter(
        store=store, fulfillment_order_id=fulfillment_order_id, resolved_at=None
    ).update(resolved_at=timezone.now())
