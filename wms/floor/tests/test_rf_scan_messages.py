"""What a wrong scan says on the floor: the operator learns what the scanned value is."""

from __future__ import annotations

import pytest

from tests.factories import Site
from wms.errors import WrongContainer
from wms.floor import scanning


def test_a_location_scanned_where_a_plate_is_due_is_named_a_location(site: Site) -> None:
    with pytest.raises(WrongContainer, match=r"^P-01 is a location, not a license plate\. Scan"):
        scanning.container("P-01")
    with pytest.raises(WrongContainer, match=r"^License plate NOPE-9 is not known\."):
        scanning.container("NOPE-9")
