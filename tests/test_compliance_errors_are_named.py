"""Errors are types: compliance and the inbound services raise named DomainError subclasses, never a
bare DomainError (the operator's message stays; the type says which refusal it is)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["compliance", "wms/inbound"]


def bare_raises(path: Path) -> list[int]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            called = node.exc.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", None)
            if name == "DomainError":
                found.append(node.lineno)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_bare_domain_error_is_raised(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and (lines := bare_raises(path))
    }
    assert offenders == {}, f"raise a named subclass of DomainError instead: {offenders}"
