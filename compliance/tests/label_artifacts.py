"""Every label PDF a test renders is also written to artifacts/labels/ (ignored by git), to look at
after a run: named after the test, with a digest so a second render of the same label is one file."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "labels"


def keep(document: bytes, what: str = "label") -> Path:
    test = os.environ.get("PYTEST_CURRENT_TEST", "label").split(" ")[0].split("::")[-1]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{test}-{what}")[:120]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{stem}-{hashlib.sha256(document).hexdigest()[:8]}.pdf"
    path.write_bytes(document)
    return path
