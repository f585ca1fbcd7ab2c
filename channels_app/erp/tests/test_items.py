"""The item master from the ERP over real HTTP: created through the catalog services, changes
applied where the client's field ownership gives the field to the ERP, refused (and recorded with
the reason) where the WMS owns it, each item version applied once."""

from __future__ import annotations

from typing import Any

import pytest

from channels_app.erp import inbound
from channels_app.erp.errors import TransportError
from channels_app.erp.models import DEFAULT_OWNERS, ErpFieldOwner, ErpIntegration, ErpRefusal
from channels_app.erp.tests.conftest import ErpControl
from tests.factories import gtin
from wms.catalog.models import Identifier, Item, PackLevel

TENT: dict[str, Any] = {
    "description": "Trail tent, 2 person",
    "base_unit": "each",
    "tracks_lots": False,
    "hazmat": False,
    "pack_levels": [
        {"level": "each", "quantity": 1, "weight_g": 2100},
        {
            "level": "case",
            "quantity": 6,
            "length_mm": 600,
            "width_mm": 400,
            "height_mm": 300,
            "weight_g": 13000,
        },
    ],
    "identifiers": [{"kind": "gtin", "value": gtin(614141000012)}],
}


def imported(erp: ErpIntegration) -> inbound.ImportResult:
    erp.refresh_from_db()
    return inbound.import_items(erp)


def test_new_items_are_created_from_the_erp(erp: ErpIntegration, erp_sim: ErpControl) -> None:
    erp_sim.items(NWO_TENT=TENT, NWO_MUG={"description": "Camp mug"})

    result = imported(erp)

    assert sorted((a.sku, a.outcome) for a in result.applied) == [
        ("NWO-MUG", "created"),
        ("NWO-TENT", "created"),
    ]
    tent = Item.objects.get(client=erp.client, sku="NWO-TENT")
    assert tent.description == "Trail tent, 2 person"
    case = PackLevel.objects.get(item=tent, level="case")
    assert (case.quantity, case.length_mm, case.weight_g) == (6, 600, 13000)
    assert PackLevel.objects.get(item=tent, level="each").weight_g == 2100
    assert Identifier.objects.get(item=tent).value == TENT["identifiers"][0]["value"]
    # The client's field owners are data now, with DESIGN §4's defaults, editable in the back office.
    owners = dict(ErpFieldOwner.objects.filter(client=erp.client).values_list("field", "owner"))
    assert owners == DEFAULT_OWNERS
    assert erp.items_synced_through is not None


def test_a_change_to_a_field_the_wms_owns_is_refused_with_its_reason(
    erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.items(NWO_TENT=TENT)
    imported(erp)
    changed = dict(TENT, description="Trail tent, 2P, green", tracks_lots=True)
    changed["pack_levels"] = [dict(TENT["pack_levels"][1], length_mm=610)]
    erp_sim.items(NWO_TENT=changed)

    [applied] = imported(erp).applied

    assert applied.outcome == "updated"
    assert applied.changed == ["description", "pack level case"]
    assert applied.refused == ["tracks_lots"]
    tent = Item.objects.get(sku="NWO-TENT")
    assert tent.description == "Trail tent, 2P, green" and tent.tracks_lots is False
    assert PackLevel.objects.get(item=tent, level="case").length_mm == 610
    refusal = ErpRefusal.objects.get()
    assert (refusal.item, refusal.field, refusal.ours, refusal.theirs, refusal.erp_version) == (
        tent,
        "tracks_lots",
        "False",
        "True",
        "2",
    )
    assert "owned by the WMS for NWO" in refusal.reason
    assert refusal.policy == "erp field ownership: tracks_lots → wms"


def test_ownership_is_per_client_data(erp: ErpIntegration, erp_sim: ErpControl) -> None:
    erp_sim.items(NWO_TENT=TENT)
    imported(erp)
    # Northwind's item team writes descriptions in the WMS; its ERP decides lot tracking.
    ErpFieldOwner.objects.filter(client=erp.client, field="description").update(owner="wms")
    ErpFieldOwner.objects.filter(client=erp.client, field="tracks_lots").update(owner="erp")
    erp_sim.items(NWO_TENT={"description": "ERP wording", "tracks_lots": True})

    [applied] = imported(erp).applied

    tent = Item.objects.get(sku="NWO-TENT")
    assert tent.tracks_lots is True and tent.description == "Trail tent, 2 person"
    assert applied.refused == ["description"]
    assert ErpRefusal.objects.get().policy == "erp field ownership: description → wms"


def test_identifiers_and_dimensions_the_wms_owns_are_refused(
    erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.items(NWO_TENT=TENT)
    imported(erp)
    ErpFieldOwner.objects.filter(client=erp.client, field__in=["identifiers", "dimensions"]).update(
        owner="wms"
    )
    more = dict(TENT)
    more["identifiers"] = [*TENT["identifiers"], {"kind": "gtin", "value": gtin(614141000029)}]
    more["pack_levels"] = [dict(TENT["pack_levels"][1], height_mm=350, weight_g=13500)]
    erp_sim.items(NWO_TENT=more)

    [applied] = imported(erp).applied

    tent = Item.objects.get(sku="NWO-TENT")
    case = PackLevel.objects.get(item=tent, level="case")
    assert (case.height_mm, case.weight_g) == (300, 13500)  # weights are still the ERP's
    assert Identifier.objects.filter(item=tent).count() == 1
    assert sorted(applied.refused) == ["dimensions", "identifiers"]
    assert ErpRefusal.objects.count() == 2


def test_a_colliding_identifier_is_refused_and_the_rest_applied(
    erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.items(NWO_TENT=TENT)
    imported(erp)
    erp_sim.items(NWO_MUG={"description": "Camp mug", "identifiers": TENT["identifiers"]})

    [applied] = imported(erp).applied

    assert applied.outcome == "created" and applied.refused == ["identifiers"]
    refusal = ErpRefusal.objects.get()
    assert refusal.sku == "NWO-MUG" and "already" in refusal.reason and "NWO-TENT" in refusal.reason
    assert Item.objects.filter(sku="NWO-MUG").exists()


def test_an_item_version_is_applied_once(erp: ErpIntegration, erp_sim: ErpControl) -> None:
    erp_sim.items(NWO_TENT=dict(TENT, tracks_lots=True))
    imported(erp)
    erp_sim.items(NWO_TENT=dict(TENT, tracks_lots=False, description="v2"))
    imported(erp)
    ErpIntegration.objects.filter(pk=erp.pk).update(items_synced_through=None)  # read it all again

    again = imported(erp)

    assert [a.outcome for a in again.applied] == ["duplicate"]
    assert ErpRefusal.objects.count() == 1  # v2's refusal, recorded once
    assert Item.objects.get(sku="NWO-TENT").description == "v2"


def test_every_page_is_read_and_the_cursor_moves_on(
    erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.config(page_size=2)
    erp_sim.items(**{f"NWO_{n}": {"description": f"Item {n}"} for n in range(5)})

    first = imported(erp)
    erp_sim.items(NWO_3={"description": "Item 3, renamed"})
    second = imported(erp)

    assert first.pages == 3 and first.count("created") == 5
    assert [(a.sku, a.outcome) for a in second.applied] == [("NWO-3", "updated")]
    assert erp_sim.state()["calls"]["list_items"] == 4


def test_an_unreadable_item_is_recorded_and_the_others_applied(
    erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.items(NWO_BAD={"description": "x", "hazmat": "maybe"}, NWO_MUG={"description": "Mug"})

    result = imported(erp)

    assert sorted((a.sku, a.outcome) for a in result.applied) == [
        ("NWO-BAD", "invalid"),
        ("NWO-MUG", "created"),
    ]
    refusal = ErpRefusal.objects.get(sku="NWO-BAD")
    assert "hazmat must be bool" in refusal.reason


def test_an_erp_that_is_down_moves_no_cursor(erp: ErpIntegration, erp_sim: ErpControl) -> None:
    erp_sim.items(NWO_TENT=TENT)
    erp_sim.fault("500", operation="list_items")

    with pytest.raises(TransportError):
        imported(erp)

    erp.refresh_from_db()
    assert erp.items_synced_through is None and not Item.objects.exists()
    assert imported(erp).count("created") == 1
