"""Compliance registers its own pages and API routes; the core's URLconfs name it only by string
(docs/compliance.md: `wms` never imports compliance)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import resolve, reverse

ROOT = Path(__file__).resolve().parents[2]  # compliance/tests/ → the repository


@pytest.mark.parametrize("module", ["wms/urls.py", "wms/api/urls.py"])
def test_the_core_urlconfs_do_not_import_compliance(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [m for m in imported if m and m.split(".")[0] == "compliance"], imported


@pytest.mark.parametrize(
    ("name", "kwargs", "path", "module"),
    [
        ("label-download", {"pk": 7}, "/labels/jobs/7/", "compliance.views"),
        ("label-download-record", {"pk": 7}, "/labels/jobs/7/download/", "compliance.views"),
        ("printer-list", {}, "/api/label-station/printers/", "compliance.api"),
        ("print-job-detail", {"pk": 7}, "/api/label-station/jobs/7/", "compliance.api"),
        ("print-job-content", {"pk": 7}, "/api/label-station/jobs/7/content/", "compliance.api"),
        ("print-job-download", {"pk": 7}, "/api/label-station/jobs/7/download/", "compliance.api"),
        ("print-job-reprint", {"pk": 7}, "/api/label-station/jobs/7/reprint/", "compliance.api"),
        ("asn-list", {}, "/api/compliance/asn/", "compliance.api"),
        (
            "pallet-measure",
            {"pk": "PAL-1"},
            "/api/compliance/pallets/PAL-1/measure/",
            "compliance.api",
        ),
        ("chargeback-list", {}, "/api/compliance/chargebacks/", "compliance.api"),
        (
            "chargeback-dispute-pack",
            {"pk": 3},
            "/api/compliance/chargebacks/3/dispute-pack/",
            "compliance.api",
        ),
    ],
)
def test_compliance_routes_keep_their_names_and_paths(
    name: str, kwargs: dict[str, object], path: str, module: str
) -> None:
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).func.__module__ == module
