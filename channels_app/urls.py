"""URLs of the channel integrations (webhooks, their API lists), included by the project's root."""

from django.urls import include, path

urlpatterns = [
    path("", include("channels_app.carrier.urls")),
]
