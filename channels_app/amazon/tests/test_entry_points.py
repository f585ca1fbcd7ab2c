"""Every Amazon operation a person starts, through its management command and its back-office
action: reconcile now, release a held listing, FBA inventory beside ours, an FBA inbound plan
carried through placement, transport and labels. Oscar packs; Ada runs the back office."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as WebClient

from channels_app.amazon import tasks
from channels_app.amazon.client import client_for
from channels_app.amazon.errors import TransportError
from channels_app.amazon.models import AmazonException, AmazonIntegration, InboundPlan, Listing
from channels_app.amazon.simulator import inventory
from channels_app.amazon.tests.conftest import SimControl
from channels_app.amazon.tests.test_fba import packed_replenishment
from tests.factories import Site, make_item, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item

SELLER = {"seller": "A3SIMSELLER01"}


def run(command: str, **options: Any) -> str:
    out = io.StringIO()
    call_command(command, **SELLER, **options, stdout=out)
    return out.getvalue()


def web_for(user: User) -> WebClient:
    web = WebClient()
    web.force_login(user)
    return web


def test_reconcile_covers_every_listing_then_release_publishes_again(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    nwo: Client,
    oscar: User,
) -> None:
    make_item(nwo, "NWO-LAMP")  # ours, but no offer on Amazon
    stock(site, tent, 4, oscar)
    Listing.objects.all().delete()  # nothing pushed before: reconcile must still see them all
    sim.listings(**{"NWO-TENT": 9, "NWO-MUG": 0})

    text = run("amazon_reconcile", poll_seconds=0)

    assert "Reconciled 2 listing(s): 1 beyond tolerance, 1 held now, 1 not on Amazon." in text
    assert "HELD NWO-TENT: Amazon 9, ours 4 (Δ +5)" in text
    assert "MISSING NWO-LAMP: Amazon has no such listing" in text
    assert Listing.objects.get(msku="NWO-TENT").held
    kinds = sorted(AmazonException.objects.values_list("kind", "msku"))
    assert kinds == [
        ("feed_error", "NWO-LAMP"),
        ("listing_missing", "NWO-LAMP"),
        ("quantity_mismatch", "NWO-TENT"),
    ]
    assert sim.state()["effects"]["availability"] == {"NWO-TENT": 0, "NWO-MUG": 0}

    text = run("amazon_release_listing", msku="NWO-TENT")

    assert "Released NWO-TENT; its mismatch exception is resolved." in text
    assert "Amazon now shows 4 × NWO-TENT." in text
    assert sim.state()["listings"]["NWO-TENT"]["quantity"] == 4
    assert AmazonException.objects.get(kind="quantity_mismatch").resolved_at is not None
    with pytest.raises(CommandError, match="is not held; nothing to release"):
        run("amazon_release_listing", msku="NWO-TENT")


def test_reconcile_and_release_from_the_back_office(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
    ada: User,
) -> None:
    stock(site, tent, 4, oscar)
    sim.listings(**{"NWO-TENT": 6})
    web = web_for(ada)

    shown = web.post(
        "/admin/amazon/amazonintegration/",
        {"action": "reconcile_now", "_selected_action": [integration.pk]},
        follow=True,
    ).content.decode()

    assert "1 listing(s) reconciled, 1 differ, 1 held now (NWO-TENT)" in shown
    listing = Listing.objects.get(msku="NWO-TENT")
    page = web.get("/admin/amazon/listing/").content.decode()
    assert "Ours now" in page and "FBA fulfillable" in page

    shown = web.post(
        "/admin/amazon/listing/",
        {"action": "release_selected", "_selected_action": [listing.pk]},
        follow=True,
    ).content.decode()

    assert "NWO-TENT released; Amazon now shows 4." in shown
    assert not Listing.objects.get(pk=listing.pk).held


def test_fba_inventory_is_read_page_by_page_and_shown_beside_ours(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    ada: User,
) -> None:
    stock(site, tent, 5, oscar)
    held = {f"OTHER-{n:03d}": {"fulfillable": 1} for n in range(118)}
    sim.fba_inventory(
        **held, **{"NWO-TENT": {"fulfillable": 40, "inboundWorking": 6, "reserved": 2}}
    )

    text = run("amazon_fba_inventory")

    assert "Page 3: 119 SKU(s) so far." in text  # 50 a page
    assert "NWO-TENT" in text and "2 listing(s) updated from 3 page(s)." in text
    assert "Amazon holds OTHER-000, which is no listing of ours." in text
    tent_listing = Listing.objects.get(msku="NWO-TENT")
    assert (tent_listing.fba_fulfillable, tent_listing.fba_inbound, tent_listing.fba_reserved) == (
        40,
        6,
        2,
    )
    assert Listing.objects.get(msku="NWO-MUG").fba_fulfillable == 0
    page = web_for(ada).get("/admin/amazon/listing/").content.decode()
    assert ">40<" in page and ">5<" in page  # FBA's 40 beside our 5


def test_an_expired_inventory_page_token_is_refused(
    sim: SimControl, integration: AmazonIntegration, tent: Item, monkeypatch: Any
) -> None:
    # Amazon: "The string token will expire 30 seconds after being created."
    monkeypatch.setattr(inventory, "TOKEN_SECONDS", -1.0)
    sim.fba_inventory(**{f"SKU-{n:03d}": {"fulfillable": 1} for n in range(60)})

    with pytest.raises(CommandError, match="nextToken has expired"):
        run("amazon_fba_inventory")


def test_an_fba_inbound_plan_from_the_command_reaches_labels_with_progress(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    order, _ = packed_replenishment(site, tent, mug, oscar, sam)

    text = run("amazon_fba_inbound", order=order.external_id)

    for step in (
        "createInboundPlan: wf",
        "packing option confirmed",
        "box contents of 2 carton(s) set",
        "placement confirmed: 1 shipment(s)",
        "transportation confirmed",
        "labels ready: 1 box label document(s)",
        ": labelled.",
        "Box labels for FBA",
    ):
        assert step in text, text
    plan = InboundPlan.objects.get(order=order)
    assert plan.step == "labelled" and plan.box_labels

    again = run("amazon_fba_inbound", order=order.external_id)  # nothing left to do
    assert ": labelled." in again and sim.state()["calls"]["createInboundPlan"] == 1


def test_an_fba_inbound_plan_started_in_the_back_office(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
    ada: User,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(
        tasks.fba_inbound_plan, "delay", lambda *a: tasks.fba_inbound_plan.apply(a).get()
    )
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    order, _ = packed_replenishment(site, tent, mug, oscar, sam)
    unpacked = place(tent.client, "FBA-8", [(tent, 1)], channel="manual")
    web = web_for(ada)

    refused = web.post(
        "/admin/amazon/inboundplan/add/",
        {"integration": integration.pk, "order": unpacked.pk},
        follow=True,
    ).content.decode()
    assert "Not started: Order FBA-8 has no packed cartons" in refused
    assert not InboundPlan.objects.filter(order=unpacked).exists()

    with django_capture_on_commit_callbacks(execute=True):
        web.post(
            "/admin/amazon/inboundplan/add/",
            {"integration": integration.pk, "order": order.pk},
            follow=True,
        )

    plan = InboundPlan.objects.get(order=order)
    assert (plan.step, plan.problem) == ("labelled", "")
    listed = web.get("/admin/amazon/inboundplan/").content.decode()
    assert "labelled" in listed and plan.confirmation_ids[0] in listed


def test_transport_needing_a_delivery_window_or_confirmed_twice_is_refused(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    order, _ = packed_replenishment(site, tent, mug, oscar, sam)
    run("amazon_fba_inbound", order=order.external_id)
    plan = InboundPlan.objects.get(order=order)
    [sim_plan] = [p for k, p in sim.state()["plans"].items() if k == plan.inbound_plan_id]
    [own_carrier] = [o for o in sim_plan["transportationOptions"] if o["preconditions"]]
    base = f"/inbound/fba/2024-03-20/inboundPlans/{plan.inbound_plan_id}"

    with client_for(integration) as api:
        op = api.call(
            "POST",
            f"{base}/transportationOptions/confirmation",
            operation="confirmTransportationOptions",
            body={
                "transportationSelections": [
                    {
                        "shipmentId": own_carrier["shipmentId"],
                        "transportationOptionId": own_carrier["transportationOptionId"],
                    }
                ]
            },
        ).body
        status = api.call(
            "GET",
            f"/inbound/fba/2024-03-20/operations/{op['operationId']}",
            operation="getInboundOperationStatus",
        ).body
        with pytest.raises(TransportError, match="NumberOfPackages is 5; the shipment has 2"):
            api.call(
                "GET",
                f"/fba/inbound/v0/shipments/{plan.confirmation_ids[0]}/labels",
                operation="getLabels",
                params={
                    "PageType": "PackageLabel_Thermal",
                    "LabelType": "UNIQUE",
                    "NumberOfPackages": 5,
                },
            )

    assert status["operationStatus"] == "FAILED"
    problems = " ".join(p["message"] for p in status["operationProblems"])
    assert "needs a confirmed delivery window first" in problems
    assert "already confirmed" in problems
