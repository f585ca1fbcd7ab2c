from django.apps import AppConfig


class AmazonConfig(AppConfig):
    # Its own app label (and migrations), so the Amazon tables stay out of channels_app's history.
    name = "channels_app.amazon"
    label = "amazon"
    verbose_name = "Amazon Selling Partner API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # FBA cartons are checked against Amazon's weight and size limits before they ship.
        from channels_app.amazon import fba
        from wms.orders import hooks

        hooks.register("ship", fba.on_ship)
