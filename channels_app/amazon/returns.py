"""Amazon MFN returns: Amazon's returns report pulled and each line matched to our RMA.

The Reports API flow (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-use-case-guide):
createReport for GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE over a window of return request dates
("You can request up to 60 days of data in a single report"), getReport until its processingStatus
is DONE (or CANCELLED: "an automatic cancellation if there is no data to return"; or FATAL), then
getReportDocument for a presigned URL, the document downloaded and, when ``compressionAlgorithm``
is GZIP, decompressed; it is a tab-delimited file with a header row
(https://developer-docs.amazon.com/sp-api/docs/returns-reports-attributes).

Each line (an Amazon RMA for one SKU) is kept once and matched to our RMA: by Amazon's RMA id or
the merchant RMA id, else the one RMA opened against the order it came from. A line that matches
nothing is an ``AmazonException`` owned by the returns desk; it closes itself when a later pull
finds the RMA (opened in the back office after the exception).

``advance`` is the one step every door calls (beat, ``manage.py amazon_returns``, the back-office
action): read the open report if there is one, else ask for the next window.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.amazon import mapping
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.errors import TransportError
from channels_app.amazon.models import (
    AmazonException,
    AmazonIntegration,
    AmazonOrder,
    AmazonReturn,
    ReturnsReport,
)
from wms.inbound.models import Return

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
MAX_WINDOW = dt.timedelta(days=60)
FIRST_WINDOW = dt.timedelta(days=30)
OPEN = ("IN_QUEUE", "IN_PROGRESS")
OWNER = "returns desk"
ENGINEER = "integration engineer"


@dataclass
class ReturnsPulled:
    report_id: str
    status: str
    rows: int = 0
    matched: int = 0
    unmatched: int = 0

    @property
    def message(self) -> str:
        if self.status in OPEN:
            return f"Returns report {self.report_id} is {self.status} at Amazon; pull again later."
        if self.status == "CANCELLED":
            return f"Returns report {self.report_id}: no returns in its window."
        if self.status == "FATAL":
            return f"Returns report {self.report_id} failed at Amazon; the next pull asks again."
        return (
            f"Returns report {self.report_id}: {self.rows} line(s), {self.matched} matched to "
            f"an RMA, {self.unmatched} unmatched (exceptions for the returns desk)."
        )


def _window(integration: AmazonIntegration, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    last = (
        ReturnsReport.objects.filter(
            integration=integration, status__in=("DONE", "CANCELLED"), done_at__isnull=False
        )
        .order_by("-data_end")
        .first()
    )
    start = last.data_end if last else now - FIRST_WINDOW
    # Amazon makes at most 60 days per report; a longer gap is caught up one window at a time.
    return max(start, now - MAX_WINDOW), now


def request_report(integration: AmazonIntegration, api: SpApiClient) -> ReturnsReport:
    now = timezone.now().replace(microsecond=0)
    start, end = _window(integration, now)
    reply = api.call(
        "POST",
        "/reports/2021-06-30/reports",
        operation="createReport",
        body={
            "reportType": REPORT_TYPE,
            "marketplaceIds": integration.marketplace_ids,
            "dataStartTime": mapping.iso(start),
            "dataEndTime": mapping.iso(end),
        },
    )
    return ReturnsReport.objects.create(
        integration=integration,
        report_id=str(reply.body["reportId"]),
        report_type=REPORT_TYPE,
        data_start=start,
        data_end=end,
    )


def _download(api: SpApiClient, document: dict[str, Any]) -> str:
    try:
        response = api.http.get(document["url"])
    except httpx.HTTPError as exc:
        raise TransportError(f"Returns report download failed: {exc}", permanent=False) from exc
    if response.status_code != 200:
        raise TransportError(
            f"Returns report download refused ({response.status_code}).",
            permanent=response.status_code < 500,
            status=response.status_code,
        )
    content = response.content
    if document.get("compressionAlgorithm") == "GZIP":
        content = gzip.decompress(content)
    # Amazon's flat files are UTF-8 (older marketplaces: Latin-1); never fail on one character.
    return content.decode("utf-8", errors="replace")


def parse_report(text: str) -> list[dict[str, str]]:
    """The tab-delimited returns report as one dict per line, keyed by the header row."""
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _when(value: str) -> dt.datetime | None:
    try:
        return mapping.parse_time(value) if value else None
    except ValueError:
        return None


def record_lines(integration: AmazonIntegration, lines: list[dict[str, str]]) -> int:
    """Keep each report line once (a later report may repeat a line with a newer status)."""
    kept = 0
    for line in lines:
        rma, msku = line.get("Amazon RMA ID", ""), line.get("Merchant SKU", "")
        if not rma or not msku:
            continue
        AmazonReturn.objects.update_or_create(
            integration=integration,
            amazon_rma_id=rma,
            msku=msku,
            defaults={
                "amazon_order_id": line.get("Order ID", ""),
                "merchant_rma_id": line.get("Merchant RMA ID", ""),
                "quantity": int(line.get("Return quantity") or 1),
                "status": line.get("Return request status", ""),
                "reason": line.get("Return Reason", ""),
                "tracking_id": line.get("Tracking ID", ""),
                "requested_at": _when(line.get("Return request date", "")),
                "row": line,
            },
        )
        kept += 1
    return kept


def _rma_for(integration: AmazonIntegration, line: AmazonReturn) -> Return | None:
    codes = [c for c in (line.amazon_rma_id, line.merchant_rma_id) if c]
    found = Return.objects.filter(client_id=integration.client_id, rma__in=codes).first()
    if found is not None:
        return found
    order_id = (
        AmazonOrder.objects.filter(integration=integration, amazon_order_id=line.amazon_order_id)
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        return None
    # The RMA opened against that order, when there is exactly one (two would be a guess).
    candidates = list(Return.objects.filter(client_id=integration.client_id, order_id=order_id)[:2])
    return candidates[0] if len(candidates) == 1 else None


def _open_exceptions(integration: AmazonIntegration, line: AmazonReturn) -> Any:
    return AmazonException.objects.filter(
        integration=integration,
        kind="return_unmatched",
        evidence__amazon_rma_id=line.amazon_rma_id,
        msku=line.msku,
        resolved_at=None,
    )


def match_returns(integration: AmazonIntegration) -> tuple[int, int]:
    """Match every unmatched line to an RMA; returns (matched now, still unmatched)."""
    matched = unmatched = 0
    for line in AmazonReturn.objects.filter(integration=integration, ret=None).order_by("pk"):
        ret = _rma_for(integration, line)
        with transaction.atomic():
            if ret is not None:
                AmazonReturn.objects.filter(pk=line.pk).update(ret=ret, matched_at=timezone.now())
                _open_exceptions(integration, line).update(resolved_at=timezone.now())
                matched += 1
                continue
            unmatched += 1
            if _open_exceptions(integration, line).exists():
                continue
            AmazonException.objects.create(
                integration=integration,
                kind="return_unmatched",
                msku=line.msku,
                detail=(
                    f"Amazon return {line.amazon_rma_id} ({line.quantity} × {line.msku}, order "
                    f"{line.amazon_order_id}, {line.status or 'no status'}) matches no RMA. Open "
                    f"RMA {line.amazon_rma_id} in the back office (Returns), against the order if "
                    "it is ours; the next returns pull matches it and closes this exception."
                ),
                evidence={
                    "amazon_rma_id": line.amazon_rma_id,
                    "amazon_order_id": line.amazon_order_id,
                    "merchant_rma_id": line.merchant_rma_id,
                    "quantity": line.quantity,
                    "tracking_id": line.tracking_id,
                },
                owner=OWNER,
            )
    return matched, unmatched


def poll_report(
    integration: AmazonIntegration, report: ReturnsReport, api: SpApiClient
) -> ReturnsPulled:
    body = api.call(
        "GET", f"/reports/2021-06-30/reports/{report.report_id}", operation="getReport"
    ).body
    status = str(body["processingStatus"])
    pulled = ReturnsPulled(report.report_id, status)
    if status in OPEN:
        ReturnsReport.objects.filter(pk=report.pk).update(status=status)
        return pulled
    if status == "DONE":
        document = api.call(
            "GET",
            f"/reports/2021-06-30/documents/{body['reportDocumentId']}",
            operation="getReportDocument",
        ).body
        pulled.rows = record_lines(integration, parse_report(_download(api, document)))
    if status == "FATAL":
        AmazonException.objects.create(
            integration=integration,
            kind="returns_report_failed",
            detail=f"Amazon could not make returns report {report.report_id}; the next pull "
            "asks for the same window again.",
            evidence={"report_id": report.report_id},
            owner=ENGINEER,
        )
    pulled.matched, pulled.unmatched = match_returns(integration)
    ReturnsReport.objects.filter(pk=report.pk).update(
        status=status,
        rows=pulled.rows,
        matched=pulled.matched,
        unmatched=pulled.unmatched,
        done_at=timezone.now(),
    )
    return pulled


def advance(
    integration: AmazonIntegration, *, api: SpApiClient | None = None, request: bool = True
) -> ReturnsPulled | None:
    """Read the open returns report, or (``request``) ask Amazon for the next window's."""
    with api or client_for(integration) as client:
        report = ReturnsReport.objects.filter(integration=integration, done_at=None).first()
        if report is None:
            if not request:
                return None
            report = request_report(integration, client)
            return ReturnsPulled(report.report_id, report.status)
        return poll_report(integration, report, client)


def due(integration: AmazonIntegration, now: dt.datetime | None = None) -> bool:
    """Beat asks for a new report when the last window ended longer ago than the setting."""
    now = now or timezone.now()
    every = dt.timedelta(seconds=settings.AMAZON_RETURNS_SECONDS)
    if ReturnsReport.objects.filter(integration=integration, done_at=None).exists():
        return True
    last = ReturnsReport.objects.filter(integration=integration).order_by("-data_end").first()
    return last is None or now - last.data_end >= every
