"""Compliance's REST routes, mounted under /api/ by the project's root URLconf (a string include):
the core API router never imports compliance (docs/compliance.md).

Its own router, without a root view: /api/ stays the core router's (one API root).
"""

from rest_framework.routers import DefaultRouter

from compliance import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("label-station/printers", api.PrinterViewSet, basename="printer")
router.register("label-station/jobs", api.PrintJobViewSet, basename="print-job")
router.register("compliance/asn", api.AsnViewSet, basename="asn")
router.register("compliance/pallets", api.PalletViewSet, basename="pallet")
router.register("compliance/chargebacks", api.ChargebackViewSet, basename="chargeback")

urlpatterns = router.urls
