"""What the Amazon management commands share: naming the integration, progress lines, and
turning a refusal into one clear error line (exit status 1) instead of a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.amazon.doors import integration_named
from channels_app.amazon.errors import AmazonNotConfigured
from channels_app.amazon.models import AmazonIntegration
from channels_app.errors import TransportError
from wms.errors import DomainError

T = TypeVar("T")


class AmazonCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seller", required=True, help="Amazon seller id (merchant token).")
        parser.add_argument("--client", help="Client code, when the seller serves several.")

    def integration(self, options: dict[str, Any]) -> AmazonIntegration:
        return self.attempt(lambda: integration_named(options["seller"], options.get("client")))

    def say(self, line: str) -> None:
        self.stdout.write(line)

    def attempt(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (DomainError, AmazonNotConfigured) as exc:
            raise CommandError(exc.message) from exc
        except TransportError as exc:
            again = "" if exc.permanent else " Amazon may answer later: run the command again."
            raise CommandError(f"Amazon refused or did not answer: {exc}.{again}") from exc
