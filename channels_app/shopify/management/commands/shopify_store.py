"""python manage.py shopify_store <action> <shop domain or id> — connect and keep a store right.

    register    register (or re-register, also after an uninstall and reinstall) our fulfillment
                service, then publish every SKU's quantity once
    webhooks    subscribe the webhooks the app needs (lists existing subscriptions first)
    sync        publish every SKU's quantity now
    reconcile   compare Shopify's quantities with our ATP now; differences become exceptions
    golive      register, sync and subscribe, in that order

The same services as the back-office actions (Shopify stores → Actions).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.errors import TransportError
from channels_app.shopify import adapter
from channels_app.shopify.errors import ShopifyNotConfigured
from channels_app.shopify.models import ShopifyStore

ACTIONS = ("register", "webhooks", "sync", "reconcile", "golive")


def find_store(name: str) -> ShopifyStore:
    store = (
        ShopifyStore.objects.filter(pk=int(name)).first()
        if name.isdigit()
        else ShopifyStore.objects.filter(shop_domain=name).first()
    )
    if store is None:
        known = ", ".join(ShopifyStore.objects.values_list("shop_domain", flat=True)) or "none"
        raise CommandError(f"No Shopify store {name!r}; known stores: {known}.")
    return store


class Command(BaseCommand):
    help = (
        "Register the fulfillment service, subscribe webhooks, sync or reconcile a Shopify store."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("store", help="The store's shop domain (or its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        store = find_store(options["store"])
        action = options["action"]

        def progress(message: str) -> None:
            self.stdout.write(f"  … {message}")

        try:
            if action == "register":
                registered, synced = adapter.register_and_sync(store, progress)
                message = f"{registered.message} Stock: {synced.message}"
            elif action == "webhooks":
                message = adapter.subscribe_webhooks(store).message
            elif action == "sync":
                message = adapter.sync_stock(store, progress).message
            elif action == "reconcile":
                message = adapter.reconcile(store, progress).message
            else:
                message = adapter.go_live(store, progress).message
        except (TransportError, ShopifyNotConfigured) as exc:
            raise CommandError(f"{action} {store.shop_domain} failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{action} {store.shop_domain}: {message}"))
