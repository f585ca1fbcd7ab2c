"""Where the orders API lived before it was split per resource; kept so imports keep working.

Views: order_views, availability_views, picking_views, shipping_views, return_views,
receipt_views. What they read and return: the matching *_serializers modules; the scan fields
every scan-taking endpoint shares: scanning.
"""

from wms.api.availability_views import AtpViewSet
from wms.api.order_serializers import (
    AddressIn,
    AddressSerializer,
    CancelIn,
    DecisionOut,
    EventOut,
    HoldIn,
    OrderIn,
    OrderLineIn,
    OrderLineOut,
    OrderOut,
    PackOrderIn,
    ResumeIn,
    ShipOrderIn,
)
from wms.api.order_views import OrderViewSet, _decision, reserved_units
from wms.api.picking_serializers import ConfirmIn, PickTaskOut, WaveIn, WaveOut
from wms.api.picking_views import PickTaskViewSet, WaveViewSet
from wms.api.receipt_serializers import (
    ReceiptIn,
    ReceiptLineIn,
    ReceiptLineOut,
    ReceiptOut,
    ReceiveAgainstIn,
)
from wms.api.receipt_views import ReceiptViewSet
from wms.api.return_serializers import (
    DisposeUnitIn,
    OpenReturnIn,
    ReturnOut,
    ReturnReceiveIn,
    ReturnUnitOut,
)
from wms.api.return_views import ReturnViewSet
from wms.api.scanning import ScanFields, scan_context
from wms.api.shipping_serializers import CloseIn, ParcelOut, ShipmentOut, ShipmentParcelOut
from wms.api.shipping_views import ParcelViewSet, ShipmentViewSet

_ctx = scan_context

__all__ = [
    "AddressIn",
    "AddressSerializer",
    "AtpViewSet",
    "CancelIn",
    "CloseIn",
    "ConfirmIn",
    "DecisionOut",
    "DisposeUnitIn",
    "EventOut",
    "HoldIn",
    "OpenReturnIn",
    "OrderIn",
    "OrderLineIn",
    "OrderLineOut",
    "OrderOut",
    "OrderViewSet",
    "PackOrderIn",
    "ParcelOut",
    "ParcelViewSet",
    "PickTaskOut",
    "PickTaskViewSet",
    "ReceiptIn",
    "ReceiptLineIn",
    "ReceiptLineOut",
    "ReceiptOut",
    "ReceiptViewSet",
    "ReceiveAgainstIn",
    "ResumeIn",
    "ReturnOut",
    "ReturnReceiveIn",
    "ReturnUnitOut",
    "ReturnViewSet",
    "ScanFields",
    "ShipOrderIn",
    "ShipmentOut",
    "ShipmentParcelOut",
    "ShipmentViewSet",
    "WaveIn",
    "WaveOut",
    "WaveViewSet",
    "_ctx",
    "_decision",
    "reserved_units",
    "scan_context",
]
