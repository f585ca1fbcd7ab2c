from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Channel integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Plug delivery into the core's outbox (wms never imports channels_app).
        from channels_app.outbox import handlers, tasks, webhook
        from wms.outbox import queue

        queue.set_dispatcher(tasks.dispatch)
        handlers.register("webhook", webhook.send)
