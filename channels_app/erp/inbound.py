"""What the ERP tells us (inbound): the item master, applied through the catalog services, field
by field.

Whose change wins is data: one ``ErpFieldOwner`` row per client and field (written with
``DEFAULT_OWNERS`` the first time, editable in the back office). A difference in a field the ERP
owns is applied; in a field the WMS owns it is refused and recorded (``ErpRefusal``) with the
reason, and our value stays. A new item is created from the ERP's record as it is — there is
no value of ours to protect yet. Identifiers the ERP stops listing are not removed: scans and
printed labels in the history still name them.

Each (sku, version) is applied once (the outbox's inbound dedupe, in the applying transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from channels_app.erp import mapping
from channels_app.erp.client import ErpClient, client_for
from channels_app.erp.models import (
    DEFAULT_OWNERS,
    ErpFieldOwner,
    ErpIntegration,
    ErpRefusal,
    ItemField,
    Owner,
)
from wms.catalog import services as catalog
from wms.catalog.models import Client, Identifier, Item, PackLevel
from wms.errors import DomainError
from wms.outbox.inbound import record_inbound


def field_owners(client: Client) -> dict[str, str]:
    """The client's owner of every item field (missing rows written with the defaults)."""
    ErpFieldOwner.objects.bulk_create(
        [ErpFieldOwner(client=client, field=f, owner=o) for f, o in DEFAULT_OWNERS.items()],
        ignore_conflicts=True,
    )
    return dict(ErpFieldOwner.objects.filter(client=client).values_list("field", "owner"))


@dataclass
class Applied:
    sku: str
    outcome: str  # created, updated, unchanged, duplicate, invalid
    changed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class _Item:
    """One item version being applied: what changed, and what was refused and why."""

    def __init__(
        self, integration: ErpIntegration, incoming: mapping.ErpItem, owners: dict[str, str]
    ) -> None:
        self.integration = integration
        self.incoming = incoming
        self.owners = owners
        self.applied = Applied(incoming.sku, "unchanged")

    def erp_owns(self, name: str) -> bool:
        return self.owners.get(name) == Owner.ERP

    def refuse(self, item: Item | None, name: str, ours: Any, theirs: Any, reason: str) -> None:
        ErpRefusal.objects.create(
            integration=self.integration,
            client_id=self.integration.client_id,
            item=item,
            sku=self.incoming.sku,
            field=name,
            ours="" if ours is None else str(ours),
            theirs="" if theirs is None else str(theirs),
            reason=reason,
            policy=f"erp field ownership: {name} → {self.owners.get(name, 'unset')}",
            erp_version=self.incoming.version,
        )
        self.applied.refused.append(name)

    def not_ours(self, item: Item, name: str, ours: Any, theirs: Any) -> None:
        label = ItemField(name).label if name in ItemField.values else name
        self.refuse(
            item,
            name,
            ours,
            theirs,
            f"{label} of {item.sku} is owned by the WMS for {item.client.code} (back office → "
            f"ERP field owners); the ERP's {theirs!r} was not applied and {ours!r} stays. Change "
            "it in the WMS, or give the field to the ERP.",
        )

    def changed(self, name: str) -> None:
        self.applied.changed.append(name)


def _create(work: _Item, client: Client) -> Item:
    incoming = work.incoming
    fields = dict(incoming.fields)
    description = str(fields.pop("description", "") or incoming.sku)
    item = catalog.create_item(client=client, sku=incoming.sku, description=description, **fields)
    for pack in incoming.pack_levels:
        catalog.set_pack_level(
            item=item,
            level=pack.level,
            quantity=pack.quantity,
            length_mm=pack.length_mm,
            width_mm=pack.width_mm,
            height_mm=pack.height_mm,
            weight_g=pack.weight_g,
        )
    for ident in incoming.identifiers:
        _add_identifier(work, item, ident)
    work.applied.outcome = "created"
    return item


def _add_identifier(work: _Item, item: Item, ident: mapping.IdentifierIn) -> None:
    level = (
        PackLevel.objects.filter(item=item, level=ident.pack_level).first()
        if ident.pack_level
        else None
    )
    try:
        with transaction.atomic():
            catalog.add_identifier(
                item=item,
                kind=ident.kind,
                value=ident.value,
                channel=ident.channel,
                pack_level=level,
            )
    except DomainError as exc:
        work.refuse(item, ItemField.IDENTIFIERS, "", ident.value, exc.message)
    else:
        work.changed(f"identifier {ident.kind} {ident.value}")


def _update(work: _Item, item: Item) -> None:
    incoming = work.incoming
    changes: dict[str, Any] = {}
    for name, theirs in incoming.fields.items():
        ours = getattr(item, name)
        if ours == theirs:
            continue
        if work.erp_owns(name):
            changes[name] = theirs
        else:
            work.not_ours(item, name, ours, theirs)
    if changes:
        try:
            with transaction.atomic():
                catalog.update_item(item=item, **changes)
        except DomainError as exc:
            for name in changes:
                work.refuse(item, name, getattr(item, name), changes[name], exc.message)
            item.refresh_from_db()
        else:
            for name in changes:
                work.changed(name)
    for pack in incoming.pack_levels:
        _update_pack(work, item, pack)
    have = set(Identifier.objects.filter(item=item).values_list("kind", "value"))
    for ident in incoming.identifiers:
        if (ident.kind, ident.value) in have:
            continue
        if work.erp_owns(ItemField.IDENTIFIERS):
            _add_identifier(work, item, ident)
        else:
            work.not_ours(item, ItemField.IDENTIFIERS, "", f"{ident.kind} {ident.value}")


def _update_pack(work: _Item, item: Item, pack: mapping.PackIn) -> None:
    ours = PackLevel.objects.filter(item=item, level=pack.level).first()
    current: dict[str, int | None] = (
        {
            "quantity": ours.quantity,
            "length_mm": ours.length_mm,
            "width_mm": ours.width_mm,
            "height_mm": ours.height_mm,
            "weight_g": ours.weight_g,
        }
        if ours is not None
        else {
            "quantity": None,
            "length_mm": None,
            "width_mm": None,
            "height_mm": None,
            "weight_g": None,
        }
    )
    groups = {
        ItemField.PACK_QUANTITIES: ("quantity",),
        ItemField.DIMENSIONS: mapping.DIMENSIONS,
        ItemField.WEIGHTS: ("weight_g",),
    }
    merged = dict(current)
    for owner_field, names in groups.items():
        theirs = {n: getattr(pack, n) for n in names}
        mine = {n: current[n] for n in names}
        if theirs == mine:
            continue
        if work.erp_owns(owner_field):
            merged.update(theirs)
        else:
            what = f"{pack.level} " + ", ".join(names)
            work.not_ours(item, owner_field, f"{what} {mine}", f"{what} {theirs}")
    if merged == current or merged["quantity"] is None:
        return
    try:
        with transaction.atomic():
            catalog.set_pack_level(
                item=item,
                level=pack.level,
                quantity=int(merged["quantity"]),
                length_mm=merged["length_mm"],
                width_mm=merged["width_mm"],
                height_mm=merged["height_mm"],
                weight_g=merged["weight_g"],
            )
    except DomainError as exc:
        work.refuse(item, ItemField.PACK_QUANTITIES, current, merged, exc.message)
    else:
        work.changed(f"pack level {pack.level}")


def source(integration: ErpIntegration) -> str:
    return f"erp:{integration.pk}:item"


@transaction.atomic
def apply_item(integration: ErpIntegration, incoming: mapping.ErpItem) -> Applied:
    """Apply one version of one ERP item (once), per the client's field ownership."""
    if not record_inbound(
        source=source(integration), external_id=f"{incoming.sku}@{incoming.version}"
    ):
        return Applied(incoming.sku, "duplicate")
    client = Client.objects.get(pk=integration.client_id)
    work = _Item(integration, incoming, field_owners(client))
    item = Item.objects.select_for_update().filter(client=client, sku=incoming.sku).first()
    if item is None:
        try:
            with transaction.atomic():
                _create(work, client)
        except DomainError as exc:
            work.refuse(None, "item", "", incoming.sku, f"Not created: {exc.message}")
            work.applied.outcome = "invalid"
        return work.applied
    _update(work, item)
    if work.applied.changed:
        work.applied.outcome = "updated"
    return work.applied


@dataclass
class ImportResult:
    applied: list[Applied] = field(default_factory=list)
    pages: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.applied if a.outcome == outcome)

    @property
    def refused(self) -> int:
        return sum(len(a.refused) for a in self.applied)


def import_items(integration: ErpIntegration, *, api: ErpClient | None = None) -> ImportResult:
    """Page through the items changed since the cursor and apply each; moves the cursor on.

    The cursor is the ERP's own updated_at (never our clock). An item applied twice (a page
    re-read after a failure) is a duplicate by its version and changes nothing."""
    since = integration.items_synced_through
    result = ImportResult()
    newest = since
    with api or client_for(integration) as erp:
        token: str | None = None
        while True:
            params = {"page_token": token} if token else {}
            if since is not None and not token:
                params["updated_since"] = mapping.iso(since)
            reply = erp.call("GET", "/api/v1/items", operation="list_items", params=params)
            result.pages += 1
            for raw in reply.body.get("items", []):
                try:
                    incoming = mapping.item_in(raw)
                except mapping.BadPayload as exc:
                    sku = str(raw.get("sku", "?")) if isinstance(raw, dict) else "?"
                    ErpRefusal.objects.create(
                        integration=integration,
                        client_id=integration.client_id,
                        sku=sku[:64],
                        field="item",
                        theirs=str(raw)[:2000],
                        reason=f"The ERP's item could not be read: {exc}",
                    )
                    result.applied.append(Applied(sku, "invalid"))
                    continue
                result.applied.append(apply_item(integration, incoming))
                newest = max(newest or incoming.updated_at, incoming.updated_at)
            token = reply.body.get("next_page_token")
            if not token:
                break
    if newest is not None:
        # Only forward: a slow import finishing after a newer one must not move the cursor back.
        ErpIntegration.objects.filter(pk=integration.pk).exclude(
            items_synced_through__gte=newest
        ).update(items_synced_through=newest)
    integration.refresh_from_db(fields=["items_synced_through"])
    return result
