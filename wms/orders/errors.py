"""Named refusals of the order workflow: intake, changes, waves, picking, packing, shipping, loading.

Each is a DomainError (wms/errors.py): the API maps `http_status` and reports `code`, the RF screens
show `message`, and a refused request records nothing. Subclasses of the generic floor errors
(WrongContainer, WrongLocationType, WrongClient) stay catchable as those and keep their `code`.
Every `raise` in wms/orders and wms/loading names one of these or a wms/errors.py type, never
DomainError itself (tests/test_named_order_errors.py keeps it so)."""

from __future__ import annotations

from wms.errors import DomainError, WrongClient, WrongContainer, WrongLocationType

# --- intake and changes


class AddressInvalid(DomainError):
    """The ship-to address lacks a field or has one we do not know."""

    code = "address_invalid"


class EmptyOrder(DomainError):
    """An order arrived with no lines."""

    code = "empty_order"


class ItemOfAnotherClient(WrongClient):
    """An order line names another brand's SKU."""


class DecisionRequired(DomainError):
    """A supervisor must say how a pending request is settled before the order goes on."""

    code = "decision_required"


# --- picking


class TaskNotOpen(DomainError):
    """The pick (or restock) task is already done, short or cancelled."""

    code = "task_not_open"


class OrderStopped(DomainError):
    """The order is on hold or cancelled: nothing more is picked for it."""

    code = "order_stopped"


# --- packing


class OrderNotPicked(DomainError):
    """Packing waits until the order is picked."""

    code = "order_not_picked"


class ItemNotOnOrder(WrongContainer):
    """The scanned unit is not on the order being packed."""


class EmptyCarton(DomainError):
    """A carton with nothing in it cannot be closed (weighed, labelled, shipped)."""

    code = "empty_carton"


class NotAtPackStation(WrongLocationType):
    """Packing happens at a pack station: the tote and the carton must stand at one."""


class ParcelShipped(DomainError):
    """A shipped carton's weight and size are on record as shipped."""

    code = "parcel_shipped"


# --- shipping and loading


class OrderNotPacked(DomainError):
    """Only a packed order ships."""

    code = "order_not_packed"


class CartonOpen(DomainError):
    """Every carton of the order is weighed and closed before it ships."""

    code = "carton_open"


class TrackingMissing(DomainError):
    """A carton ships with a tracking number."""

    code = "tracking_missing"


class NotALoadingLane(WrongLocationType):
    """Loads are filled at a ship lane or dock door."""


class LoadReferenceInvalid(DomainError):
    """A load is named by its trailer, BOL or PRO number."""

    code = "load_reference_invalid"


class LoadAlreadyOpen(DomainError):
    """One open load per lane or dock door."""

    code = "load_already_open"


class LoadClosed(DomainError):
    """A closed load takes no more cartons and cannot close again."""

    code = "load_closed"


class EmptyLoad(DomainError):
    """A load with no cartons cannot close."""

    code = "empty_load"


class OrderNotWhollyLoaded(DomainError):
    """Closing a load ships its orders whole: every carton of each order is on it."""

    code = "order_not_wholly_loaded"
