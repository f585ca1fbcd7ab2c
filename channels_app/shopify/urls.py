from django.urls import path

from channels_app.shopify import views

app_name = "shopify"

urlpatterns = [
    path("webhooks/", views.webhook, name="webhooks"),
    path(
        "callbacks/<int:store_id>/fulfillment_order_notification",
        views.fulfillment_order_notification,
        name="fulfillment-order-notification",
    ),
    path("callbacks/<int:store_id>/fetch_stock", views.fetch_stock, name="fetch-stock"),
    path(
        "callbacks/<int:store_id>/fetch_tracking_numbers",
        views.fetch_tracking_numbers,
        name="fetch-tracking-numbers",
    ),
]
