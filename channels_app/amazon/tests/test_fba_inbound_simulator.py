"""The simulator's FBA inbound placement follows Amazon's Fulfillment Inbound 2024-03-20 model
(quoted in simulator/inbound.py and fba_inbound.py). Raw HTTP, no adapter: a shipment's
confirmation ID and destination once placed, the boxes placed in each shipment of a split, and
what Amazon refuses."""

from __future__ import annotations

from typing import Any

import httpx

from channels_app.amazon.tests.conftest import SimControl
from channels_app.amazon.tests.test_simulator_rules import login

INBOUND = "/inbound/fba/2024-03-20"
ADDRESS = {
    "name": "Dock",
    "addressLine1": "100 Dock Rd",
    "city": "Philadelphia",
    "stateOrProvinceCode": "PA",
    "postalCode": "19148",
    "countryCode": "US",
    "phoneNumber": "2155550100",
}


class Amazon:
    def __init__(self, sim: SimControl) -> None:
        # Usage plans are another test's subject (test_simulator_rules.py): lift the ones these
        # calls would run out of (getInboundOperationStatus: burst 6, placement: burst 2).
        for operation in (
            "getInboundOperationStatus",
            "generatePlacementOptions",
            "confirmPlacementOption",
            "listPlacementOptions",
            "getShipment",
            "listShipmentBoxes",
            "confirmTransportationOptions",
            "generateTransportationOptions",
        ):
            sim.rate_limit(operation, 100, 100)
        token = login(sim)["access_token"]
        self.http = httpx.Client(base_url=sim.url, headers={"x-amz-access-token": token})

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return self.http.request(method, path, json=body, params=params or None)

    def status(self, reply: httpx.Response) -> dict[str, Any]:
        assert reply.status_code == 202, reply.text
        op = reply.json()["operationId"]
        return dict(self.call("GET", f"{INBOUND}/operations/{op}").json())

    def ok(self, reply: httpx.Response) -> None:
        assert self.status(reply)["operationStatus"] == "SUCCESS"


def _box(msku: str, units: int, kg: float) -> dict[str, Any]:
    return {
        "contentInformationSource": "BOX_CONTENT_PROVIDED",
        "quantity": 1,
        "weight": {"unit": "KG", "value": kg},
        "dimensions": {"unitOfMeasurement": "CM", "length": 40, "width": 30, "height": 30},
        "items": [{"msku": msku, "quantity": units, "labelOwner": "SELLER", "prepOwner": "SELLER"}],
    }


def _packed_plan(amazon: Amazon, sim: SimControl) -> str:
    sim.listings(**{"NWO-TENT": 0})
    created = amazon.call(
        "POST",
        f"{INBOUND}/inboundPlans",
        {
            "destinationMarketplaces": ["ATVPDKIKX0DER"],
            "sourceAddress": ADDRESS,
            "items": [
                {"msku": "NWO-TENT", "quantity": 6, "labelOwner": "SELLER", "prepOwner": "SELLER"}
            ],
        },
    )
    plan = f"{INBOUND}/inboundPlans/{created.json()['inboundPlanId']}"
    amazon.ok(created)
    amazon.ok(amazon.call("POST", f"{plan}/packingOptions"))
    [option] = amazon.call("GET", f"{plan}/packingOptions").json()["packingOptions"]
    amazon.ok(
        amazon.call("POST", f"{plan}/packingOptions/{option['packingOptionId']}/confirmation")
    )
    return plan


def _pack(amazon: Amazon, plan: str) -> None:
    [option] = amazon.call("GET", f"{plan}/packingOptions").json()["packingOptions"]
    boxes = [_box("NWO-TENT", 4, 9.0), _box("NWO-TENT", 2, 5.0)]
    grouping = {"packingGroupId": option["packingGroups"][0], "boxes": boxes}
    amazon.ok(amazon.call("POST", f"{plan}/packingInformation", {"packageGroupings": [grouping]}))


def test_placement_needs_box_contents_and_is_confirmed_once(sim: SimControl) -> None:
    amazon = Amazon(sim)
    plan = _packed_plan(amazon, sim)
    refused = amazon.status(amazon.call("POST", f"{plan}/placementOptions", {}))
    assert refused["operationStatus"] == "FAILED"
    assert "setPackingInformation" in refused["operationProblems"][0]["message"]
    assert amazon.call("GET", f"{plan}/placementOptions").json()["placementOptions"] == []

    _pack(amazon, plan)
    amazon.ok(amazon.call("POST", f"{plan}/placementOptions", {}))
    [placement] = amazon.call("GET", f"{plan}/placementOptions").json()["placementOptions"]
    [shipment_id] = placement["shipmentIds"]

    # Before the placement is confirmed the shipment is UNCONFIRMED and has no confirmation ID.
    early = amazon.call("GET", f"{plan}/shipments/{shipment_id}").json()
    assert early["status"] == "UNCONFIRMED" and "shipmentConfirmationId" not in early

    confirm = f"{plan}/placementOptions/{placement['placementOptionId']}/confirmation"
    amazon.ok(amazon.call("POST", confirm))
    again = amazon.status(amazon.call("POST", confirm))
    assert again["operationStatus"] == "FAILED"
    assert "already confirmed" in again["operationProblems"][0]["message"]

    placed = amazon.call("GET", f"{plan}/shipments/{shipment_id}").json()
    assert placed["status"] == "WORKING"
    assert placed["shipmentConfirmationId"].startswith("FBA")
    assert placed["destination"]["warehouseId"] == "ABE2"
    assert placed["destination"]["address"]["postalCode"] == "18031"
    unknown = f"{plan}/shipments/sh00000000-0000-0000-0000-000000000000"
    assert amazon.call("GET", unknown).status_code == 404
    assert amazon.call("GET", f"{unknown}/boxes").status_code == 404


def test_a_split_places_each_box_in_one_shipment_and_labels_them_per_shipment(
    sim: SimControl,
) -> None:
    amazon = Amazon(sim)
    sim.config(fba_split=2)
    plan = _packed_plan(amazon, sim)
    _pack(amazon, plan)
    amazon.ok(amazon.call("POST", f"{plan}/placementOptions", {}))
    [placement] = amazon.call("GET", f"{plan}/placementOptions").json()["placementOptions"]
    first, second = placement["shipmentIds"]
    amazon.ok(
        amazon.call(
            "POST", f"{plan}/placementOptions/{placement['placementOptionId']}/confirmation"
        )
    )

    one = amazon.call("GET", f"{plan}/shipments/{first}/boxes").json()["boxes"]
    two = amazon.call("GET", f"{plan}/shipments/{second}/boxes").json()["boxes"]
    assert [b["items"][0]["quantity"] for b in one] == [4]
    assert [b["items"][0]["quantity"] for b in two] == [2]
    every = amazon.call("GET", f"{plan}/boxes").json()["boxes"]
    assert {b["packageId"] for b in every} == {one[0]["packageId"], two[0]["packageId"]}
    # Box.boxId: "generated after transportation has been confirmed" — not yet.
    assert "boxId" not in one[0]
    shipments = [amazon.call("GET", f"{plan}/shipments/{s}").json() for s in (first, second)]
    assert shipments[0]["destination"]["warehouseId"] != shipments[1]["destination"]["warehouseId"]
    confirmations = [s["shipmentConfirmationId"] for s in shipments]
    assert len(set(confirmations)) == 2

    # Transportation must name every shipment of the placement.
    configs = [
        {"shipmentId": s, "readyToShipWindow": {"start": "2030-01-01T00:00Z"}}
        for s in (first, second)
    ]
    amazon.ok(
        amazon.call(
            "POST",
            f"{plan}/transportationOptions",
            {
                "placementOptionId": placement["placementOptionId"],
                "shipmentTransportationConfigurations": configs,
            },
        )
    )
    options = amazon.call(
        "GET", f"{plan}/transportationOptions", placementOptionId=placement["placementOptionId"]
    ).json()["transportationOptions"]
    partnered = {
        o["shipmentId"]: o["transportationOptionId"] for o in options if not o["preconditions"]
    }
    only_first = amazon.status(
        amazon.call(
            "POST",
            f"{plan}/transportationOptions/confirmation",
            {
                "transportationSelections": [
                    {"shipmentId": first, "transportationOptionId": partnered[first]}
                ]
            },
        )
    )
    assert only_first["operationStatus"] == "FAILED"
    assert second in only_first["operationProblems"][0]["message"]
    amazon.ok(
        amazon.call(
            "POST",
            f"{plan}/transportationOptions/confirmation",
            {
                "transportationSelections": [
                    {"shipmentId": s, "transportationOptionId": o} for s, o in partnered.items()
                ]
            },
        )
    )
    [box] = amazon.call("GET", f"{plan}/shipments/{second}/boxes").json()["boxes"]
    assert box["boxId"] == f"{confirmations[1]}U000001"

    # Box labels: as many as that shipment holds (1), not the plan's 2.
    labels = f"/fba/inbound/v0/shipments/{confirmations[1]}/labels"
    asked = {"PageType": "PackageLabel_Thermal", "LabelType": "UNIQUE"}
    wrong = amazon.call("GET", labels, **asked, NumberOfPackages=2)
    assert wrong.status_code == 400 and "has 1 boxes" in wrong.text
    assert amazon.call("GET", labels, **asked, NumberOfPackages=1).status_code == 200
