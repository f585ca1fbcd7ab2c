"""Amazon MFN returns pulled from Amazon's returns report (Reports API) over real HTTP, matched to
our RMAs; unmatched ones are exceptions for the returns desk, closed when the RMA turns up."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as WebClient

from channels_app.amazon import returns
from channels_app.amazon.models import (
    AmazonException,
    AmazonIntegration,
    AmazonReturn,
    ReturnsReport,
)
from channels_app.amazon.tests.conftest import SimControl
from channels_app.amazon.tests.test_shipments import ship_amazon_order
from tests.factories import Site
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inbound import services as inbound


def amazon_return(sim: SimControl, **row: str) -> dict[str, str]:
    return dict(sim._post("/returns", row))


def pull(integration: AmazonIntegration) -> returns.ReturnsPulled:
    """Ask for the report, then look until Amazon is done (the simulator moves on per look)."""
    pulled = returns.advance(integration)
    for _ in range(5):
        assert pulled is not None
        if pulled.status not in returns.OPEN:
            return pulled
        pulled = returns.advance(integration, request=False)
    raise AssertionError("the report never finished")


def test_a_return_is_matched_to_the_rma_opened_against_its_order(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    nwo: Client,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    amazon_id, shipment = ship_amazon_order(sim, integration, site, tent, oscar, sam)
    rma = inbound.open_return(
        client=nwo, warehouse=site.warehouse, rma="RMA-7001", order=shipment.order
    )
    line = amazon_return(sim, **{"Order ID": amazon_id, "Merchant SKU": "NWO-TENT"})

    pulled = pull(integration)

    assert (pulled.status, pulled.rows, pulled.matched, pulled.unmatched) == ("DONE", 1, 1, 0)
    row = AmazonReturn.objects.get()
    assert (row.amazon_rma_id, row.ret_id, row.quantity) == (line["Amazon RMA ID"], rma.pk, 1)
    assert not AmazonException.objects.exists()
    calls = sim.state()["calls"]
    assert (calls["createReport"], calls["getReportDocument"]) == (1, 1)


def test_a_return_is_matched_by_amazons_rma_id(
    sim: SimControl, integration: AmazonIntegration, site: Site, nwo: Client
) -> None:
    rma = inbound.open_return(client=nwo, warehouse=site.warehouse, rma="DABC1234RRMA")
    amazon_return(
        sim,
        **{"Order ID": "113-0000001-0000001", "Amazon RMA ID": "DABC1234RRMA", "Merchant SKU": "X"},
    )

    pull(integration)

    assert AmazonReturn.objects.get().ret_id == rma.pk


def test_an_unmatched_return_is_an_exception_that_closes_when_the_rma_is_opened(
    sim: SimControl, integration: AmazonIntegration, site: Site, nwo: Client
) -> None:
    amazon_return(
        sim,
        **{"Order ID": "113-0000001-0000002", "Amazon RMA ID": "DZZZ9999RRMA", "Merchant SKU": "X"},
    )

    first = pull(integration)

    assert (first.matched, first.unmatched) == (0, 1)
    [exception] = AmazonException.objects.filter(kind="return_unmatched")
    assert exception.owner == "returns desk" and exception.resolved_at is None
    assert "DZZZ9999RRMA" in exception.detail and "Open RMA" in exception.detail

    pull(integration)  # nothing new, still unmatched: no second exception
    assert AmazonException.objects.filter(kind="return_unmatched").count() == 1

    inbound.open_return(client=nwo, warehouse=site.warehouse, rma="DZZZ9999RRMA")
    again = pull(integration)

    assert again.matched == 1
    exception.refresh_from_db()
    assert exception.resolved_at is not None


def test_the_next_report_starts_where_the_last_one_ended(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    first = pull(integration)  # no returns: Amazon cancels it ("no data to return")
    second = pull(integration)

    assert first.status == "CANCELLED"
    reports = list(ReturnsReport.objects.order_by("pk"))
    assert reports[1].data_start == reports[0].data_end
    assert second.report_id == reports[1].report_id


def test_the_command_pulls_and_waits_for_the_report(
    sim: SimControl, integration: AmazonIntegration, site: Site, nwo: Client
) -> None:
    amazon_return(sim, **{"Order ID": "113-0000001-0000003", "Merchant SKU": "X"})
    out = StringIO()

    call_command("amazon_returns", "--interval", "0", stdout=out)

    assert "OK A3SIMSELLER01: Returns report" in out.getvalue()
    assert "1 line(s), 0 matched to an RMA, 1 unmatched" in out.getvalue()


def test_the_command_names_a_seller_it_does_not_know(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with pytest.raises(CommandError, match="No active Amazon integration for seller NOPE"):
        call_command("amazon_returns", "--seller", "NOPE")


def test_the_beat_task_asks_then_reads_the_report(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    from channels_app.amazon import tasks
    from wms.celery import app

    amazon_return(sim, **{"Order ID": "113-0000001-0000005", "Merchant SKU": "X"})
    try:
        said = [tasks.pull_returns.apply((integration.pk,)).get() for _ in range(3)]
    finally:
        # An eager run caches a disabled result backend on this thread (see test_outbox_wiring).
        app._local.__dict__.pop("backend", None)  # type: ignore[attr-defined]

    assert said[0].endswith("IN_QUEUE at Amazon; pull again later.")
    assert "1 line(s), 0 matched to an RMA, 1 unmatched" in said[-1]
    assert AmazonReturn.objects.count() == 1


def test_beat_reads_an_open_report_and_asks_for_one_when_due(
    sim: SimControl, integration: AmazonIntegration, settings: object
) -> None:
    assert returns.due(integration)
    pull(integration)
    assert not returns.due(integration)  # just pulled: not due for AMAZON_RETURNS_SECONDS


def test_the_back_office_action_pulls_returns_now(
    sim: SimControl, integration: AmazonIntegration, ada: User
) -> None:
    amazon_return(sim, **{"Order ID": "113-0000001-0000004", "Merchant SKU": "X"})
    web = WebClient()
    web.force_login(ada)

    response = web.post(
        "/admin/amazon/amazonintegration/",
        {"action": "pull_returns_now", "_selected_action": [integration.pk]},
        follow=True,
    )

    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        "A3SIMSELLER01: Returns report 70000: 1 line(s), 0 matched to an RMA, 1 unmatched "
        "(exceptions for the returns desk)."
    ]
    assert AmazonReturn.objects.count() == 1
