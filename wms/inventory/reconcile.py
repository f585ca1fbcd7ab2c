"""Prove the balances from the ledger with set-based SQL (see docs/ledger.md, "verification")."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

# Every touch contributes -q to its from-bucket and +q to its to-bucket; every balance row
# contributes its quantity on the other side. A bucket whose two sums differ is a mismatch.
_MISMATCHES = """
WITH flows AS (
    SELECT item_id, lot_id, from_location_id AS location_id, from_container_id AS container_id,
           from_status AS status, -quantity AS ledger_qty, 0 AS balance_qty
      FROM wms_touch
    UNION ALL
    SELECT item_id, lot_id, to_location_id, to_container_id, to_status, quantity, 0
      FROM wms_touch
    UNION ALL
    SELECT item_id, lot_id, location_id, container_id, status, 0, quantity
      FROM wms_balance
)
SELECT item_id, lot_id, location_id, container_id, status,
       SUM(ledger_qty) AS ledger, SUM(balance_qty) AS balance
  FROM flows
 GROUP BY item_id, lot_id, location_id, container_id, status
HAVING SUM(ledger_qty) <> SUM(balance_qty)
 ORDER BY item_id, location_id
 LIMIT %s
"""

_NEGATIVE_PHYSICAL = """
SELECT b.item_id, b.lot_id, b.location_id, b.container_id, b.status, b.quantity
  FROM wms_balance b JOIN wms_location l ON l.id = b.location_id
 WHERE b.quantity < 0 AND NOT l.is_virtual
 LIMIT %s
"""

_VIRTUAL_FLAG_WRONG = """
SELECT b.item_id, b.lot_id, b.location_id, b.container_id, b.status, b.quantity
  FROM wms_balance b JOIN wms_location l ON l.id = b.location_id
 WHERE b.is_virtual <> l.is_virtual
 LIMIT %s
"""

_CONTAINER_ELSEWHERE = """
SELECT b.item_id, b.lot_id, b.location_id, b.container_id, b.status, b.quantity
  FROM wms_balance b JOIN wms_container c ON c.id = b.container_id
 WHERE b.quantity <> 0 AND (c.location_id IS NULL OR c.location_id <> b.location_id)
 LIMIT %s
"""

_UNBALANCED_ITEMS = """
SELECT item_id, lot_id, SUM(quantity) FROM wms_balance
 GROUP BY item_id, lot_id HAVING SUM(quantity) <> 0
 LIMIT %s
"""

# Tenancy rests on the client column: it must be the item's client on every row, and a lot must
# belong to the row's item.
_WRONG_OWNER = """
SELECT 'balance', b.id, b.client_id, i.client_id FROM wms_balance b JOIN wms_item i ON i.id = b.item_id
 WHERE b.client_id <> i.client_id
UNION ALL
SELECT 'touch', t.id, t.client_id, i.client_id FROM wms_touch t JOIN wms_item i ON i.id = t.item_id
 WHERE t.client_id <> i.client_id
UNION ALL
SELECT 'balance lot', b.id, b.item_id, l.item_id FROM wms_balance b JOIN wms_lot l ON l.id = b.lot_id
 WHERE b.item_id <> l.item_id
UNION ALL
SELECT 'touch lot', t.id, t.item_id, l.item_id FROM wms_touch t JOIN wms_lot l ON l.id = t.lot_id
 WHERE t.item_id <> l.item_id
 LIMIT %s
"""

# Positions are counters: on_hand must equal the sellable balances it is derived from, and reserved
# the open reservation rows that hold it.
_POSITIONS = """
WITH sellable AS (
    SELECT b.item_id, l.warehouse_id, SUM(b.quantity) AS qty
      FROM wms_balance b JOIN wms_location l ON l.id = b.location_id
      LEFT JOIN wms_container c ON c.id = b.container_id
     WHERE b.status = 'available' AND l.sellable AND NOT l.is_virtual
       AND (b.container_id IS NULL OR c.type = 'pallet')
     GROUP BY b.item_id, l.warehouse_id
), held AS (
    SELECT position_id, SUM(quantity) AS qty FROM wms_reservation GROUP BY position_id
)
SELECT COALESCE(p.item_id, s.item_id), COALESCE(p.warehouse_id, s.warehouse_id),
       COALESCE(p.on_hand, 0), COALESCE(s.qty, 0), COALESCE(p.reserved, 0), COALESCE(h.qty, 0)
  FROM wms_stock_position p
  FULL JOIN sellable s ON s.item_id = p.item_id AND s.warehouse_id = p.warehouse_id
  LEFT JOIN held h ON h.position_id = p.id
 WHERE COALESCE(p.on_hand, 0) <> COALESCE(s.qty, 0) OR COALESCE(p.reserved, 0) <> COALESCE(h.qty, 0)
 LIMIT %s
"""

_TOTALS = "SELECT (SELECT COUNT(*) FROM wms_touch), (SELECT COUNT(*) FROM wms_balance)"


@dataclass
class LedgerReport:
    touches: int = 0
    balances: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return (
                f"ledger OK: {self.touches} touches replay to the {self.balances} balance rows; "
                "stock conserved; no negative physical stock"
            )
        return f"ledger MISMATCH: {len(self.problems)} problem(s) in {self.touches} touches"


def _bucket(row: tuple[object, ...]) -> str:
    item, lot, location, container, status = row[:5]
    return f"item={item} lot={lot} location={location} container={container} status={status}"


def verify(*, limit: int = 1000) -> LedgerReport:
    report = LedgerReport()
    with connection.cursor() as cur:
        cur.execute(_TOTALS)
        report.touches, report.balances = cur.fetchone()
        cur.execute(_MISMATCHES, [limit])
        for row in cur.fetchall():
            report.problems.append(
                f"mismatch {_bucket(row)}: ledger says {row[5]}, balance table says {row[6]}"
            )
        cur.execute(_NEGATIVE_PHYSICAL, [limit])
        for row in cur.fetchall():
            report.problems.append(f"negative physical stock {_bucket(row)}: {row[5]}")
        cur.execute(_VIRTUAL_FLAG_WRONG, [limit])
        for row in cur.fetchall():
            report.problems.append(f"is_virtual flag differs from its location {_bucket(row)}")
        cur.execute(_CONTAINER_ELSEWHERE, [limit])
        for row in cur.fetchall():
            report.problems.append(f"stock not where its container is {_bucket(row)}: {row[5]}")
        cur.execute(_WRONG_OWNER, [limit])
        for what, row_id, has, should in cur.fetchall():
            report.problems.append(f"{what} row {row_id} says {has} where its item says {should}")
        cur.execute(_POSITIONS, [limit])
        for item, warehouse, on_hand, sellable, reserved, held in cur.fetchall():
            report.problems.append(
                f"position item={item} warehouse={warehouse}: on_hand {on_hand} but sellable balances "
                f"{sellable}; reserved {reserved} but reservations hold {held}"
            )
        cur.execute(_UNBALANCED_ITEMS, [limit])
        for item, lot, total in cur.fetchall():
            report.problems.append(f"not conserved item={item} lot={lot}: buckets sum to {total}")
    return report
