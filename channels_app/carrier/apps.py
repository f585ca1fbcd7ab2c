from django.apps import AppConfig


class CarrierConfig(AppConfig):
    # Its own app label (and migrations), like amazon: the carrier tables keep their own history.
    name = "channels_app.carrier"
    label = "carrier"
    verbose_name = "Carriers (labels and tracking)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A D2C carton gets its carrier label when it closes at the pack station, and ships with
        # that label's tracking number (wms never imports channels_app: it exposes the hooks).
        from channels_app.carrier import outbound
        from wms.orders import hooks

        hooks.register("closed", outbound.on_closed)
        hooks.register_tracking(outbound.bought_tracking)
