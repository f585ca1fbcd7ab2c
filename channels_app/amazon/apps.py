from django.apps import AppConfig


class AmazonConfig(AppConfig):
    # Its own app label (and migrations), so the Amazon tables stay out of channels_app's history.
    name = "channels_app.amazon"
    label = "amazon"
    verbose_name = "Amazon Selling Partner API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # FBA cartons are checked against Amazon's weight and size limits before they ship.
        from channels_app.amazon import fba, outbound, tasks  # noqa: F401 - tasks register
        from channels_app.outbox import handlers
        from wms.orders import hooks
        from wms.outbox import routing

        hooks.register("ship", fba.on_ship)
        # The label desk finds FBA shipments by their Amazon IDs (compliance/fba.py).
        from channels_app.amazon import station
        from compliance import fba as desk_fba

        desk_fba.register_fba(station.SOURCE)
        # Availability and ship confirmations reach Amazon through the outbox (outbound.py).
        # Nothing is routed until an AmazonIntegration exists, so `make run` without one sends
        # nothing anywhere.
        routing.register(outbound.route)
        handlers.register(outbound.HANDLER, outbound.send)
