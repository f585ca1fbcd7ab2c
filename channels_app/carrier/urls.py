from django.urls import path

from channels_app.carrier import views

urlpatterns = [
    path("channels/carrier/<slug:name>/events/", views.tracking_webhook, name="carrier-events"),
    path(
        "api/shipments/no-carrier-scan/",
        views.NoCarrierScanView.as_view(),
        name="shipments-no-carrier-scan",
    ),
]
