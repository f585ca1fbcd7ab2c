"""Cycle counts: blind, recounted, approved (docs/floor.md, "Counts").

The one place for the count rules. The RF screens and the back office call these functions; the
ledger arithmetic (variance against the adjustment account) stays in `touches.count`.

- A count is blind: no message here ever names the system quantity, so nothing an operator sees
  can anchor the recount. (The ledger's own scan message, with the system quantity, stays on the
  scan for the back office.)
- A count that agrees is recorded at once: there is nothing to doubt.
- A count that differs asks for a recount and records nothing: most first-count variances are a
  miscount (a hidden case, a unit on the wrong face), and recording them would book a phantom
  adjustment that the next count books back.
- The recount is final: a third and fourth count until the numbers "agree" would be searching for
  the system quantity, not counting.
- A final variance within the warehouse's `count_approval_units` is recorded: small variances are
  cheaper to book than to review. A larger one waits as a `CountApproval` for a supervisor, because
  it writes off (or books in) real money and usually means a process failure someone must look at.
- Approval records the count against the stock as it is at approval (the `touches.count` lock), so
  picks between count and approval are not undone; the supervisor is the touch's actor, because
  they decided it.
- One count waits per bucket: a second count of stock whose count is pending would be judged
  against a quantity the pending decision is about to change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from wms.accounts.models import Role, User
from wms.catalog.models import Item, Lot
from wms.errors import DomainError, InvalidQuantity, NotPermitted
from wms.inventory import touches
from wms.inventory.ledger import ScanContext, ScanResult
from wms.inventory.models import ApprovalState, Balance, CountApproval, StockStatus, Touch
from wms.inventory.quantities import is_whole
from wms.layout.models import Container, Location, Warehouse


class CountChanged(DomainError):
    """The stock moved between reading it and recording the count: judge the count again."""

    code = "count_changed"
    http_status = 409


class CountPending(DomainError):
    code = "count_pending"
    http_status = 409


class AlreadyDecided(DomainError):
    code = "already_decided"
    http_status = 409


class CountOutcome(enum.StrEnum):
    AGREES = "agrees"  # recorded: the count matched
    RECOUNT = "recount"  # nothing recorded: count again
    RECORDED = "recorded"  # recorded: final variance within the warehouse's threshold
    PENDING = "pending"  # nothing recorded: waits for a supervisor (see `approval`)


@dataclass(frozen=True)
class CountResult:
    outcome: CountOutcome
    message: str  # blind: never names the system quantity
    scan: ScanResult | None = None
    approval: CountApproval | None = None

    @property
    def recorded(self) -> bool:
        return self.scan is not None


def _bucket(
    *, item: Item, lot: Lot | None, location: Location, container: Container | None, status: str
) -> dict[str, object]:
    return {
        "item": item,
        "location": location,
        "status": status,
        **({"lot": lot} if lot is not None else {"lot__isnull": True}),
        **({"container": container} if container is not None else {"container__isnull": True}),
    }


def system_quantity(
    *,
    item: Item,
    location: Location,
    lot: Lot | None = None,
    container: Container | None = None,
    status: str = StockStatus.AVAILABLE,
) -> int:
    """What the ledger holds in the bucket now, as read (no lock)."""
    where = _bucket(item=item, lot=lot, location=location, container=container, status=status)
    found = Balance.objects.filter(**where).values_list("quantity", flat=True).first()
    return int(found or 0)


def pending(warehouse: Warehouse) -> QuerySet[CountApproval]:
    """The counts of a warehouse waiting for a supervisor, oldest first."""
    return (
        CountApproval.objects.filter(warehouse=warehouse, state=ApprovalState.PENDING)
        .select_related("item", "lot", "location", "container", "counted_by")
        .order_by("pk")
    )


def _where(item: Item, location: Location) -> str:
    return f"{item.sku} at {location.code}"


def _recorded_system(scan: ScanResult, counted: int) -> int:
    """The system quantity `touches.count` found under its lock, from the touch it recorded."""
    details = list(Touch.objects.filter(pk__in=scan.touch_ids).values_list("detail", flat=True))
    for detail in details:
        if "system" in detail:
            return int(detail["system"])
    return counted  # a confirming touch (or none, for an empty bucket counted 0): it agreed


def _record(
    ctx: ScanContext,
    *,
    judged_against: int,
    item: Item,
    location: Location,
    counted: int,
    lot: Lot | None,
    container: Container | None,
    status: StockStatus,
) -> ScanResult:
    """`touches.count`, refused if the stock it locked is not the stock the count was judged on.

    The decision (agrees / within the threshold) is made on the quantity as read; the ledger locks
    the bucket only inside `touches.count`. A pick in between would otherwise book a variance nobody
    decided on — possibly one above the threshold, with no supervisor.
    """
    scan = touches.count(
        ctx,
        item=item,
        location=location,
        counted=counted,
        lot=lot,
        container=container,
        status=status,
    )
    if not scan.replayed and _recorded_system(scan, counted) != judged_against:
        raise CountChanged(
            f"Stock of {_where(item, location)} changed while you counted (a pick, move or "
            "receipt). Count it again."
        )
    return scan


def record_count(
    ctx: ScanContext,
    *,
    item: Item,
    location: Location,
    counted: int,
    first_count: int | None,
    lot: Lot | None = None,
    container: Container | None = None,
    status: StockStatus = StockStatus.AVAILABLE,
) -> CountResult:
    """One blind count of a bucket. `first_count` is None for a first count; the operator's first
    number when this is the recount (which is final)."""
    # Long on purpose: the whole decision (agrees, recount, book, wait for a supervisor) in one read.
    for name, value in (("counted", counted), ("first_count", first_count)):
        if name == "first_count" and value is None:
            continue
        if not is_whole(value) or value < 0:
            raise InvalidQuantity(
                f"A count is a whole number, 0 or more; not {value!r}.", field=name
            )
    bucket = _bucket(item=item, lot=lot, location=location, container=container, status=status)
    where = _where(item, location)
    with transaction.atomic():
        waiting = (
            CountApproval.objects.filter(**bucket, state=ApprovalState.PENDING)
            .select_related("counted_by")
            .first()
        )
        if waiting is not None:
            if waiting.counted == counted and waiting.counted_by_id == ctx.actor.pk:
                return CountResult(
                    CountOutcome.PENDING,
                    f"Count of {where} already waits for a supervisor.",
                    approval=waiting,
                )
            raise CountPending(
                f"A count of {where} by {waiting.counted_by.username} waits for a supervisor; "
                "ask one to approve or reject it before counting again."
            )
        system = system_quantity(
            item=item, location=location, lot=lot, container=container, status=status
        )
        variance = counted - system

        def record() -> ScanResult:
            return _record(
                ctx,
                judged_against=system,
                item=item,
                location=location,
                counted=counted,
                lot=lot,
                container=container,
                status=status,
            )

        if variance == 0:
            return CountResult(CountOutcome.AGREES, f"Count agrees: {counted} × {where}.", record())
        if first_count is None:
            return CountResult(
                CountOutcome.RECOUNT, f"Count {where} again — the count did not agree."
            )
        threshold = Warehouse.objects.values_list("count_approval_units", flat=True).get(
            pk=location.warehouse_id
        )
        if abs(variance) <= threshold:
            return CountResult(
                CountOutcome.RECORDED,
                f"Recorded {counted} × {where}; the difference is booked to adjustments.",
                record(),
            )
        approval = CountApproval.objects.create(
            warehouse_id=location.warehouse_id,
            client_id=item.client_id,
            item=item,
            lot=lot,
            location=location,
            container=container,
            status=status,
            counted=counted,
            system=system,
            counted_by=ctx.actor,
        )
        return CountResult(
            CountOutcome.PENDING,
            f"Count of {counted} × {where} waits for a supervisor: the difference is too large "
            "to book without one.",
            approval=approval,
        )


def _supervisor(actor: User, action: str) -> None:
    if not actor.has_role(Role.SUPERVISOR):
        raise NotPermitted(f"{action} a count needs a supervisor; ask one to scan their badge.")


def _decided(approval: CountApproval) -> AlreadyDecided:
    fresh = CountApproval.objects.select_related("decided_by").get(pk=approval.pk)
    who = fresh.decided_by.username if fresh.decided_by else "someone"
    state = ApprovalState(fresh.state).label.lower()
    return AlreadyDecided(f"That count was already decided by {who} ({state}); nothing to do.")


def approve_count(ctx: ScanContext, *, approval: CountApproval) -> ScanResult:
    """Record a waiting count, with the supervisor in `ctx` as the touch's actor.

    The pending → approved update is conditional and comes first: of two supervisors approving at
    once, the second waits on the row, finds it decided and records nothing. A retry of the same
    scan id replays the touch its first attempt recorded.
    """
    _supervisor(ctx.actor, "Approving")
    now = timezone.now()
    with transaction.atomic():
        claimed = CountApproval.objects.filter(pk=approval.pk, state=ApprovalState.PENDING).update(
            state=ApprovalState.APPROVED, decided_by=ctx.actor, decided_at=now
        )
        if not claimed:
            fresh = CountApproval.objects.get(pk=approval.pk)
            if fresh.state != ApprovalState.APPROVED or fresh.scan_id != ctx.scan_id:
                raise _decided(approval)
        scan = touches.count(
            ctx,
            item=approval.item,
            location=approval.location,
            counted=approval.counted,
            lot=approval.lot,
            container=approval.container,
            status=StockStatus(approval.status),
        )
        if claimed:
            CountApproval.objects.filter(pk=approval.pk).update(scan_id=scan.scan_id)
            approval.state, approval.decided_by, approval.decided_at = (
                ApprovalState.APPROVED,
                ctx.actor,
                now,
            )
            approval.scan_id = scan.scan_id
    return scan


def reject_count(*, approval: CountApproval, actor: User) -> CountApproval:
    """Refuse a waiting count: nothing is recorded and the bucket is due a new count."""
    _supervisor(actor, "Rejecting")
    now = timezone.now()
    claimed = CountApproval.objects.filter(pk=approval.pk, state=ApprovalState.PENDING).update(
        state=ApprovalState.REJECTED, decided_by=actor, decided_at=now
    )
    if not claimed:
        raise _decided(approval)
    approval.state, approval.decided_by, approval.decided_at = ApprovalState.REJECTED, actor, now
    return approval
