"""What the RF screens refuse, by name. Each is a DomainError: the dispatcher shows its message
in red and records nothing. Rules about stock and orders raise the services' own errors."""

from __future__ import annotations

from wms.errors import DomainError, NotPermitted


class UnknownStep(DomainError):
    """The signed state names a step the flow does not have (an old page after a deploy)."""


class GoneMeanwhile(DomainError):
    """What the screen's state names was removed or decided by someone else meanwhile."""


class ChoiceRequired(DomainError):
    """The step offers buttons; the operator typed or scanned instead of choosing one."""


class ScanRequired(DomainError):
    """The step needs a scan (or typed value) and got nothing usable."""


class AmbiguousNumber(DomainError):
    """An RMA or order number used by several brands: the operator must scan something unique."""


class UnknownReturn(DomainError):
    """The scanned value is neither an RMA here nor an order number."""


class InvalidDate(DomainError):
    pass


class UnknownLot(DomainError):
    pass


class SignInRefused(NotPermitted):
    """A badge, user name or PIN that does not sign this person in at a scanner."""


class NoScanId(DomainError):
    """A step that records nothing asked for a scan context (a programming error in a flow)."""


class NoWarehouseChosen(DomainError):
    pass
