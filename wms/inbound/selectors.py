"""Reads of inbound documents: expected receipts (ASN/PO) and returns. Nothing here writes."""

from __future__ import annotations

from django.db.models import F

from wms.inbound.models import ExpectedReceipt, ExpectedReceiptLine, Return
from wms.layout.models import Warehouse
from wms.orders.models import Order

# --- floor reads ---------------------------------------------------------------------------------
# What the RF flows read (wms/floor/flows): the same queries the flows made inline, so the screens'
# pinned query counts hold.


def get_receipt(*, pk: int) -> ExpectedReceipt:
    return ExpectedReceipt.objects.get(pk=pk)


def receipts_numbered(*, warehouse: Warehouse, reference: str) -> list[ExpectedReceipt]:
    """Every receipt with this ASN/PO number expected here (any state), with its client."""
    return list(
        ExpectedReceipt.objects.filter(
            warehouse=warehouse, reference__iexact=reference
        ).select_related("client")
    )


def line_progress(*, receipt_id: int, item_id: int) -> tuple[int, int] | None:
    """(expected, received) of the receipt's line for this item."""
    return (
        ExpectedReceiptLine.objects.filter(receipt_id=receipt_id, item_id=item_id)
        .values_list("quantity", "received")
        .first()
    )


def short_lines(*, receipt: ExpectedReceipt) -> list[tuple[str, int, int]]:
    """(sku, received, expected) of each line not yet fully received, by SKU."""
    return list(
        ExpectedReceiptLine.objects.filter(receipt=receipt, received__lt=F("quantity"))
        .order_by("item__sku")
        .values_list("item__sku", "received", "quantity")
    )


def return_in_warehouse(*, pk: int, warehouse: Warehouse) -> Return | None:
    return Return.objects.filter(pk=pk, warehouse=warehouse).select_related("order").first()


def returns_by_rma(*, warehouse: Warehouse, rma: str) -> list[Return]:
    """Up to two returns with this RMA here (two means several brands use it)."""
    return list(Return.objects.filter(warehouse=warehouse, rma=rma)[:2])


def first_return_of(*, order: Order, warehouse: Warehouse) -> Return | None:
    return Return.objects.filter(order=order, warehouse=warehouse).order_by("pk").first()


def receipt_lines(*, receipt_id: int) -> list[tuple[str, int, int]]:
    """(sku, expected, received) of every line of the receipt, by SKU: what the receive screen
    shows and what Finish receipt summarises."""
    return list(
        ExpectedReceiptLine.objects.filter(receipt_id=receipt_id)
        .order_by("item__sku")
        .values_list("item__sku", "quantity", "received")
    )
