"""Inbound dedupe: a message handled once is never handled again.

``InboundDedupe`` is the interface the adapter needs; ``DatabaseDedupe`` keeps the ids in
``amazon_seen_message``. The outbox's shared dedupe table can replace it without touching the
adapter: pass it as ``dedupe=`` to ``adapter.handle_notification``.
"""

from __future__ import annotations

from typing import Protocol

from django.db import IntegrityError, transaction

from channels_app.amazon.models import SeenMessage


class InboundDedupe(Protocol):
    def seen(self, source: str, external_id: str) -> bool:
        """Cheap look before any work (a repeat costs no Amazon call)."""
        ...

    def claim(self, source: str, external_id: str, outcome: str) -> bool:
        """Record the id inside the transaction that applies the message; False if already there.

        Rolled back with that transaction, so a message whose handling failed is handled again.
        """
        ...


class DatabaseDedupe:
    def seen(self, source: str, external_id: str) -> bool:
        return SeenMessage.objects.filter(source=source, external_id=external_id).exists()

    def claim(self, source: str, external_id: str, outcome: str) -> bool:
        try:
            with transaction.atomic():
                SeenMessage.objects.create(source=source, external_id=external_id, outcome=outcome)
        except IntegrityError:
            return False
        return True
