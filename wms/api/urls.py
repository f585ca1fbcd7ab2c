from django.urls import path
from rest_framework.routers import DefaultRouter

from wms.api import orders, outbox, views
from wms.api.scans import SCAN_ENDPOINTS, ScanDetailView, scan_view

router = DefaultRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("items", views.ItemViewSet, basename="item")
router.register("pack-levels", views.PackLevelViewSet, basename="pack-level")
router.register("identifiers", views.IdentifierViewSet, basename="identifier")
router.register("warehouses", views.WarehouseViewSet, basename="warehouse")
router.register("locations", views.LocationViewSet, basename="location")
router.register("containers", views.ContainerViewSet, basename="container")
router.register("balances", views.BalanceViewSet, basename="balance")
router.register("touches", views.TouchViewSet, basename="touch")
router.register("orders", orders.OrderViewSet, basename="order")
router.register("atp", orders.AtpViewSet, basename="atp")
router.register("waves", orders.WaveViewSet, basename="wave")
router.register("pick-tasks", orders.PickTaskViewSet, basename="pick-task")
router.register("parcels", orders.ParcelViewSet, basename="parcel")
router.register("shipments", orders.ShipmentViewSet, basename="shipment")
router.register("returns", orders.ReturnViewSet, basename="return")
router.register("receipts", orders.ReceiptViewSet, basename="receipt")
router.register("outbox", outbox.OutboxMessageViewSet, basename="outbox-message")

urlpatterns = [
    *(
        path(f"scans/{name}/", scan_view(name, serializer, service), name=f"scan-{name}")
        for name, (serializer, service) in SCAN_ENDPOINTS.items()
    ),
    path("scans/<uuid:pk>/", ScanDetailView.as_view(), name="scan-detail"),
    *router.urls,
]
