"""Connecting a brand's Amazon seller account: the integration row, checked before it is saved.

Going live is a catalogue sync (catalogue.sync_catalogue): whoever activates an integration —
``manage.py amazon_connect`` or the back office — sends every listed SKU's quantity once.
"""

from __future__ import annotations

from django.db import transaction

from channels_app.amazon.client import client_for
from channels_app.amazon.models import AmazonIntegration
from wms.catalog.models import Client
from wms.orders.models import CarrierService


def connect(
    *,
    client: Client,
    seller_id: str,
    marketplace_ids: list[str],
    lwa_client_id: str,
    secrets_name: str,
    default_service: CarrierService,
    ship_from_phone: str = "",
    reconcile_tolerance: int = 0,
) -> tuple[AmazonIntegration, bool]:
    """Create or update the integration and make it active; True when it was not active before
    (the caller then sends the go-live sync). Logs in to Amazon first: wrong credentials are
    refused here (AmazonNotConfigured, TransportError) and nothing is saved."""
    candidate = AmazonIntegration(
        client=client,
        seller_id=seller_id,
        marketplace_ids=marketplace_ids,
        lwa_client_id=lwa_client_id,
        secrets_name=secrets_name,
        default_service=default_service,
        ship_from_phone=ship_from_phone,
        reconcile_tolerance=reconcile_tolerance,
    )
    candidate.full_clean(exclude=["client", "default_service"], validate_unique=False)
    with client_for(candidate) as api:
        api.access_token()  # the refresh-token grant: proves the secrets before anything is kept
    with transaction.atomic():
        integration, created = AmazonIntegration.objects.select_for_update().get_or_create(
            client=client,
            seller_id=seller_id,
            defaults={
                "marketplace_ids": marketplace_ids,
                "lwa_client_id": lwa_client_id,
                "secrets_name": secrets_name,
                "default_service": default_service,
                "ship_from_phone": ship_from_phone,
                "reconcile_tolerance": reconcile_tolerance,
                "active": True,
            },
        )
        if created:
            return integration, True
        was_active = integration.active
        for name, value in {
            "marketplace_ids": marketplace_ids,
            "lwa_client_id": lwa_client_id,
            "secrets_name": secrets_name,
            "default_service": default_service,
            "ship_from_phone": ship_from_phone,
            "reconcile_tolerance": reconcile_tolerance,
            "active": True,
        }.items():
            setattr(integration, name, value)
        integration.save()
    return integration, not was_active
