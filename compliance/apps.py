from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance and labels"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Plug the routing-guide checks into the floor workflow (wms never imports compliance).
        from compliance import enforce, printing
        from wms.orders import hooks

        hooks.register("pack", enforce.on_pack)
        hooks.register("close", enforce.on_close)
        hooks.register("ship", enforce.on_ship)
        hooks.register("closed", printing.on_closed)
