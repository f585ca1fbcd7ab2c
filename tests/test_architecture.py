"""The shape docs/architecture.md promises, read from the source (no database, no Django).

- The core never imports its integrations: no module under `wms/` imports `compliance` or
  `channels_app`, at the top or inside a function. The project composition (settings, the root
  URLconf, Celery) names them by string only — `include("channels_app.urls")` is not an import.
- A refusal names its error: nothing raises the base `DomainError` itself; each refusal raises a
  named subclass (wms/errors.py), so callers and tests can tell refusals apart by type.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTEGRATIONS = ("compliance", "channels_app")
ERRORS_MODULE = "wms.errors"


def python_files(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module an import statement names, wherever the statement sits (functions included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def integration_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{relative(path)}:{line}: imports {module}"
        for line, module in imported_modules(tree)
        if module.split(".")[0] in INTEGRATIONS
    ]


def test_wms_imports_neither_compliance_nor_channels_app() -> None:
    found = [hit for path in python_files("wms") for hit in integration_imports(path)]
    assert not found, (
        "wms must not import its integrations (docs/architecture.md); let them register through "
        "wms/orders/hooks.py or the outbox, or name them by string in the composition modules:\n"
        + "\n".join(found)
    )


def test_the_import_scan_sees_imports_inside_functions() -> None:
    source = "def f():\n    from compliance import api\n    import channels_app.urls\n"
    assert [m for _, m in imported_modules(ast.parse(source))] == [
        "compliance",
        "channels_app.urls",
    ]
    include = 'from django.urls import include\npatterns = [include("channels_app.urls")]\n'
    assert [m for _, m in imported_modules(ast.parse(include))] == ["django.urls"]


def base_error_names(tree: ast.AST) -> set[str]:
    """The names the base DomainError goes by in this module (`DomainError`, an alias, `errors`)."""
    names = {"DomainError"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == ERRORS_MODULE:
            names |= {a.asname for a in node.names if a.name == "DomainError" and a.asname}
    return names


def raises_base_error(node: ast.Raise, names: set[str]) -> bool:
    raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    if isinstance(raised, ast.Name):
        return raised.id in names
    return isinstance(raised, ast.Attribute) and raised.attr == "DomainError"


def bare_domain_errors(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = base_error_names(tree)
    lines = sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and node.exc is not None and raises_base_error(node, names)
    )
    return [f"{relative(path)}:{line}" for line in lines]


def package_of(hit: str) -> str:
    parts = hit.split(":")[0].split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def test_no_refusal_raises_the_bare_domain_error() -> None:
    found = [
        hit
        for package in ("wms", "compliance", "channels_app")
        for path in python_files(package)
        for hit in bare_domain_errors(path)
    ]
    by_package = Counter(package_of(hit) for hit in found)
    assert not found, (
        f"{len(found)} raise(s) of the bare DomainError; raise a named subclass from wms/errors.py "
        f"(same message) instead. By package: {dict(sorted(by_package.items()))}\n"
        + "\n".join(found)
    )


def test_the_lint_tells_the_base_error_from_its_subclasses() -> None:
    source = (
        "from wms.errors import DomainError as Refused, EmptyCarton\n"
        "from wms import errors\n"
        "def f(x):\n"
        "    if x == 1: raise Refused('no')\n"
        "    if x == 2: raise errors.DomainError('no')\n"
        "    if x == 3: raise EmptyCarton('no')\n"
        "    if x == 4: raise DomainError\n"
        "    raise\n"
    )
    tree = ast.parse(source)
    names = base_error_names(tree)
    lines = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Raise) and n.exc is not None and raises_base_error(n, names)
    ]
    assert sorted(lines) == [4, 5, 7]
