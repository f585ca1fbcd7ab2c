"""The order workflow refuses with named errors (wms/orders/errors.py), never a bare DomainError:
an integrator can tell refusals apart by `error` code, a reader by the type's name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BARE = re.compile(r"\braise\s+DomainError\s*\(")


@pytest.mark.parametrize("package", ["wms/orders", "wms/loading"])
def test_no_bare_domain_error_is_raised(package: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if BARE.search(line)
    ]
    assert found == [], "Raise a named error from wms/orders/errors.py instead: " + ", ".join(found)
