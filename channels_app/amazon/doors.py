"""What the person-facing doors (management commands, back-office actions) share: finding the
integration they name, and a client that waits for Amazon's usage plan instead of failing.

A Celery task meeting an empty bucket gives its worker back and retries later; a person running
``manage.py amazon_fba_inbound`` is watching, so the call waits for its token (bounded) instead.
"""

from __future__ import annotations

import time
from typing import Any

from channels_app.amazon.client import Credentials, Reply, SpApiClient
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.throttle import SellerThrottle
from channels_app.errors import RateLimited
from wms.errors import DomainError

MAX_WAIT = 30.0  # seconds one call may wait for its token before the door gives up


class UnknownIntegration(DomainError):
    code = "unknown_amazon_integration"


class PatientThrottle(SellerThrottle):
    """Our share of Amazon's usage plan, waited for (at most MAX_WAIT per call)."""

    def take(self, operation: str) -> None:
        waited = 0.0
        while True:
            try:
                super().take(operation)
                return
            except RateLimited as exc:
                wait = min(exc.retry_after or 1.0, MAX_WAIT - waited)
                if wait <= 0:
                    raise
                time.sleep(wait)
                waited += wait


class PatientClient(SpApiClient):
    """Sends a call again after Amazon's 429: a throttled request was refused before Amazon
    processed it ("The frequency of requests was greater than allowed"), so resending it applies
    nothing twice. Our bucket and Amazon's refill on different clocks, so a 429 can still come."""

    def call(self, *args: Any, **kwargs: Any) -> Reply:
        waited = 0.0
        while True:
            try:
                return super().call(*args, **kwargs)
            except RateLimited as exc:
                wait = min(exc.retry_after or 1.0, MAX_WAIT - waited)
                if wait <= 0:
                    raise
                time.sleep(wait)
                waited += wait


def patient_client(integration: AmazonIntegration) -> SpApiClient:
    return PatientClient(
        Credentials.of(integration), throttle=PatientThrottle(integration.seller_id)
    )


def integration_named(seller_id: str, client_code: str | None = None) -> AmazonIntegration:
    """The integration of a seller id (and client code, when one seller serves several)."""
    found = AmazonIntegration.objects.filter(seller_id=seller_id).select_related("client")
    if client_code:
        found = found.filter(client__code=client_code)
    rows = list(found[:2])
    if not rows:
        known = ", ".join(
            AmazonIntegration.objects.order_by("seller_id").values_list("seller_id", flat=True)
        )
        raise UnknownIntegration(
            f"No Amazon integration for seller {seller_id}"
            + (f" and client {client_code}" if client_code else "")
            + f". Known sellers: {known or 'none'} (python manage.py amazon_connect adds one)."
        )
    if len(rows) > 1:
        raise UnknownIntegration(
            f"Seller {seller_id} serves several clients: add --client with the client's code."
        )
    return rows[0]
