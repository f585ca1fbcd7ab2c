"""The back office, one module per concept: item master, warehouses and locations editable; the
ledger, orders, receipts and outbox read-only (docs/back-office.md).

Every admin save that writes rows a service owns goes through that service, so the back office
enforces the same rules as the API, the RF screens and the channels, with the same messages.
Importing this package registers every model admin (Django's autodiscover imports ``wms.admin``).
"""

from wms.admin import (  # noqa: F401  (imported to register their ModelAdmins)
    accounts,
    catalog,
    inbound,
    inventory,
    layout,
    loading,
    orders,
    outbox,
)
