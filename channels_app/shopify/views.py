"""Shopify's calls to us: fulfillment-service callbacks and webhooks, each HMAC-verified first.

The signature is checked on the raw bytes before anything is parsed or stored: a bad or missing
one answers 401 and leaves no trace but a log line. A transient problem while answering a
fulfillment request (Shopify unreachable for the accept) answers 503, so Shopify sends the
notification again; everything the handler does is idempotent. A permanent one (Shopify refuses
the document or the answer) is an exception with its owner and the notification is acknowledged
with 200 (adapter.answer_notification): resending would fail the same way, forever.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from channels_app.shopify import adapter, signing
from channels_app.shopify.errors import ShopifyNotConfigured, TransportError
from channels_app.shopify.models import ShopifyStore

log = logging.getLogger(__name__)


def _unauthorized(why: str) -> JsonResponse:
    log.warning("shopify: refused an unsigned or mis-signed request: %s", why)
    return JsonResponse(
        {"error": "invalid_signature", "message": f"{why}; nothing was recorded."}, status=401
    )


def _verified(store: ShopifyStore | None, request: HttpRequest, signed: bytes) -> str | None:
    """None when the request carries a valid signature of `signed`, else why not."""
    if store is None:
        return "Unknown shop"
    try:
        secret = store.secret("WEBHOOK_SECRET")
    except ShopifyNotConfigured as exc:
        log.error("shopify: %s", exc.message)
        return "The store's webhook secret is not configured"
    signature = request.headers.get(signing.HEADER)
    if not signature:
        return f"Missing {signing.HEADER}"
    if not signing.verify(secret, signed, signature):
        return f"{signing.HEADER} does not match the body"
    return None


def _unavailable(exc: TransportError) -> JsonResponse:
    return JsonResponse({"error": "shopify_unavailable", "message": str(exc)}, status=503)


@csrf_exempt
@require_POST
def fulfillment_order_notification(request: HttpRequest, store_id: int) -> HttpResponse:
    store = ShopifyStore.objects.filter(pk=store_id).select_related("client").first()
    raw = request.body
    problem = _verified(store, request, raw)
    if problem:
        return _unauthorized(problem)
    assert store is not None
    try:
        kind = json.loads(raw or b"{}").get("kind")
    except ValueError:
        return JsonResponse(
            {"error": "bad_request", "message": "The body is not JSON."}, status=400
        )
    if not store.active:
        return JsonResponse({"outcomes": {}, "message": "The store is uninstalled."})
    try:
        answer = adapter.answer_notification(store, kind)
    except TransportError as exc:
        return _unavailable(exc)
    return JsonResponse(answer)


def _get_verified(request: HttpRequest, store_id: int) -> tuple[ShopifyStore | None, str | None]:
    store = ShopifyStore.objects.filter(pk=store_id).first()
    # A GET has no body: the signature covers the raw query string (see README, "Shopify").
    problem = _verified(store, request, request.META.get("QUERY_STRING", "").encode())
    shop = request.GET.get("shop")
    if problem is None and store is not None and shop and shop != store.shop_domain:
        problem = f"The shop parameter names {shop}, not this store ({store.shop_domain})"
    return store, problem


@csrf_exempt
@require_GET
def fetch_stock(request: HttpRequest, store_id: int) -> HttpResponse:
    store, problem = _get_verified(request, store_id)
    if problem:
        return _unauthorized(problem)
    assert store is not None
    return JsonResponse(adapter.fetch_stock(store, request.GET.get("sku") or None))


@csrf_exempt
@require_GET
def fetch_tracking_numbers(request: HttpRequest, store_id: int) -> HttpResponse:
    store, problem = _get_verified(request, store_id)
    if problem:
        return _unauthorized(problem)
    assert store is not None
    # Shopify's client sends the names Rails-style (order_names[]=#1001.1&order_names[]=…).
    names = request.GET.getlist("order_names[]") or request.GET.getlist("order_names")
    numbers = adapter.fetch_tracking_numbers(store, names)
    # The documented answer: {"tracking_numbers": {name: number}, "message", "success"}.
    return JsonResponse(
        {
            "tracking_numbers": numbers,
            "message": f"Tracking numbers for {len(numbers)} of {len(names)} fulfillments.",
            "success": True,
        }
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    domain = request.headers.get("X-Shopify-Shop-Domain", "")
    store = ShopifyStore.objects.filter(shop_domain=domain).select_related("client").first()
    raw = request.body
    problem = _verified(store, request, raw)
    if problem:
        return _unauthorized(problem)
    assert store is not None
    topic = request.headers.get("X-Shopify-Topic", "")
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "")
    if not topic or not webhook_id:
        return JsonResponse(
            {
                "error": "bad_request",
                "message": "X-Shopify-Topic and X-Shopify-Webhook-Id are required.",
            },
            status=400,
        )
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        return JsonResponse(
            {"error": "bad_request", "message": "The body is not JSON."}, status=400
        )
    try:
        outcome = adapter.handle_webhook(store, topic=topic, webhook_id=webhook_id, payload=payload)
    except TransportError as exc:
        return _unavailable(exc)
    return JsonResponse({"outcome": outcome})
