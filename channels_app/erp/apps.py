from django.apps import AppConfig


class ErpConfig(AppConfig):
    name = "channels_app.erp"
    label = "erp"
    verbose_name = "ERP (item master, snapshots, confirmations)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Shipment and receipt confirmations and snapshots reach the ERP through the outbox.
        from channels_app.erp import outbound
        from channels_app.outbox import handlers
        from wms.outbox import routing

        routing.register(outbound.route)
        handlers.register("erp", outbound.send)
