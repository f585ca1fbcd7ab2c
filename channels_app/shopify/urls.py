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
    # Shopify's own client of these callbacks appends the format (Shopify/active_fulfillment:
    # "#{@callback_url}/#{action}.#{@format}?…"); the current docs name them without it.
    path("callbacks/<int:store_id>/fetch_stock.json", views.fetch_stock),
    path("callbacks/<int:store_id>/fetch_tracking_numbers.json", views.fetch_tracking_numbers),
    path(
        "callbacks/<int:store_id>/fetch_tracking_numbers",
        views.fetch_tracking_numbers,
        name="fetch-tracking-numbers",
    ),
]
