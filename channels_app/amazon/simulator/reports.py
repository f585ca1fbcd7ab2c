"""The Reports API 2021-06-30 for Amazon's returns report (spec/models/reports_2021-06-30.json).

Rules, each from Amazon's documentation:
- Report type GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE, "Report output type: Tab-delimited flat
  file … You can request up to 60 days of data in a single report." with the attributes the
  Returns Reports page lists, in that order, as the header row
  (https://developer-docs.amazon.com/sp-api/docs/returns-reports-attributes). Other report types
  are refused here (400): the simulator makes only this one.
- dataStartTime / dataEndTime: "The value must be prior to or equal to the current date and time"
  (CreateReportSpecification); marketplaceIds and reportType are required (the model).
- processingStatus IN_QUEUE → IN_PROGRESS → DONE, one step per getReport (no clocks in tests);
  "CANCELLED … an automatic cancellation if there is no data to return": a window without
  returns ends CANCELLED with no document.
- getReportDocument gives a presigned ``url`` and, when compressed, "the compression algorithm
  used is returned in this property and you must decompress the report when you download":
  the simulator always GZIPs, so a client that forgets fails.
"""

from __future__ import annotations

import datetime as dt
import gzip
import uuid
from typing import Any

from channels_app.amazon.simulator.state import (
    Result,
    SimState,
    errors,
    handles,
    iso,
    parse_iso,
)
from channels_app.amazon.wire import Operation

RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
MAX_WINDOW = dt.timedelta(days=60)
COLUMNS = (
    "Order ID",
    "Order date",
    "Return request date",
    "Return request status",
    "Amazon RMA ID",
    "Merchant RMA ID",
    "Label type",
    "Label cost",
    "Currency code",
    "Return carrier",
    "Tracking ID",
    "Label to be paid by",
    "A-to-Z Claim",
    "Is prime",
    "ASIN",
    "Merchant SKU",
    "Item Name",
    "Return quantity",
    "Return Reason",
    "In policy",
    "Return type",
    "Resolution",
    "Invoice number",
    "Return delivery date",
    "Order Amount",
    "Order quantity",
    "SafeT Action reason",
    "SafeT claim id",
    "SafeT claim state",
    "SafeT claim creation time",
    "SafeT claim reimbursement amount",
    "Refunded Amount",
)


def add_return(s: SimState, row: dict[str, Any]) -> dict[str, str]:
    """Test control: a buyer asks Amazon to return an order's units (a line of the report)."""
    order = s.orders.get(str(row.get("Order ID", "")))
    # Wall-clock time, not the simulator's tick (which runs ahead to order LastUpdateDates): a
    # report window a caller ends "now" must include a return asked for just before.
    now = iso(dt.datetime.now(dt.UTC).replace(microsecond=0))
    line = dict.fromkeys(COLUMNS, "")
    line |= {
        "Order date": order["PurchaseDate"] if order else now,
        "Return request date": now,
        "Return request status": "Approved",
        "Amazon RMA ID": f"D{uuid.uuid4().hex[:8].upper()}RRMA",
        "Label type": "AmazonPrePaidLabel",
        "Currency code": "USD",
        "Return carrier": "UPS",
        "Tracking ID": f"1Z{uuid.uuid4().hex[:16].upper()}",
        "Is prime": "N",
        "ASIN": "B0SIM00001",
        "Return quantity": "1",
        "Return Reason": "CR-UNWANTED_ITEM",
        "In policy": "Y",
        "Return type": "C-Returns",
        "Resolution": "StandardRefund",
    }
    line |= {k: str(v) for k, v in row.items() if k in COLUMNS}
    s.returns.append(line)
    return line


def _document(rows: list[dict[str, str]]) -> bytes:
    lines = ["\t".join(COLUMNS)] + ["\t".join(r[c] for c in COLUMNS) for r in rows]
    return gzip.compress(("\n".join(lines) + "\n").encode())


@handles("createReport")
def create_report(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    if body["reportType"] != RETURNS_REPORT:
        return 400, errors("InvalidInput", f"The simulator does not make {body['reportType']}.")
    now = max(s.tick(), dt.datetime.now(dt.UTC))
    try:
        start = parse_iso(body.get("dataStartTime") or iso(now))
        end = parse_iso(body.get("dataEndTime") or iso(now))
    except ValueError:
        return 400, errors("InvalidInput", "dataStartTime and dataEndTime must be ISO 8601.")
    if start > now or end > now:
        return 400, errors(
            "InvalidInput", "dataStartTime and dataEndTime must not be after the current time."
        )
    if end < start:
        return 400, errors("InvalidInput", "dataEndTime is before dataStartTime.")
    if end - start > MAX_WINDOW:
        return 400, errors("InvalidInput", "A returns report covers at most 60 days of data.")
    report_id = str(70000 + len(s.reports))
    s.reports[report_id] = {
        "reportId": report_id,
        "reportType": body["reportType"],
        "marketplaceIds": body["marketplaceIds"],
        "dataStartTime": iso(start),
        "dataEndTime": iso(end),
        "createdTime": iso(now),
        "processingStatus": "IN_QUEUE",
    }
    return 202, {"reportId": report_id}


def _process(s: SimState, report: dict[str, Any]) -> None:
    start, end = parse_iso(report["dataStartTime"]), parse_iso(report["dataEndTime"])
    rows = [r for r in s.returns if start <= parse_iso(r["Return request date"]) <= end]
    report["processingEndTime"] = iso(s.tick())
    if not rows:
        report["processingStatus"] = "CANCELLED"
        return
    doc_id = f"amzn1.spdoc.1.4.na.{uuid.uuid4().hex}"
    s.documents[doc_id] = _document(rows)
    report["reportDocumentId"] = doc_id
    report["processingStatus"] = "DONE"


@handles("getReport")
def get_report(s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None) -> Result:
    report = s.reports.get(op.path_params["reportId"])
    if report is None:
        return 404, errors("NotFound", "Report not found.")
    if report["processingStatus"] == "IN_QUEUE":
        report["processingStatus"] = "IN_PROGRESS"
        report["processingStartTime"] = iso(s.tick())
    elif report["processingStatus"] == "IN_PROGRESS":
        _process(s, report)
    return 200, dict(report)


@handles("getReportDocument")
def get_report_document(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    doc_id = op.path_params["reportDocumentId"]
    if doc_id not in s.documents or not doc_id.startswith("amzn1.spdoc."):
        return 404, errors("NotFound", "Report document not found.")
    return 200, {
        "reportDocumentId": doc_id,
        "url": f"{s.base_url}/_docs/{doc_id}",
        "compressionAlgorithm": "GZIP",
    }
