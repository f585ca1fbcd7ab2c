from django.apps import AppConfig


class ShopifyConfig(AppConfig):
    # Its own app label (and migrations), like the Amazon package.
    name = "channels_app.shopify"
    label = "shopify"
    verbose_name = "Shopify (fulfillment service)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Shipments and availability of channel shopify reach the stores through the outbox.
        from channels_app.outbox import handlers
        from channels_app.shopify import outbound
        from wms.outbox import routing

        routing.register(outbound.route)
        handlers.register(outbound.HANDLER, outbound.send)
