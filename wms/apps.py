from django.apps import AppConfig


class WmsConfig(AppConfig):
    name = "wms"
    verbose_name = "Touchline WMS"
    default_auto_field = "django.db.models.BigAutoField"
