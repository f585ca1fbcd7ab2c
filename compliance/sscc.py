"""Issue SSCCs: each serial reference under a company prefix is handed out once."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from compliance.labels import gs1
from compliance.models import SsccSeries
from wms.errors import DomainError


class SsccSeriesInvalid(DomainError):
    """The series' prefix or extension cannot make a valid SSCC (set up wrong in the back office)."""

    code = "sscc_series_invalid"


class SerialsExhausted(DomainError):
    code = "sscc_exhausted"
    http_status = 409


def capacity(series: SsccSeries) -> int:
    """How many serial references the prefix leaves room for (company prefix + serial = 16 digits)."""
    return 10 ** (16 - len(series.company_prefix))


def compose(*, extension: int, company_prefix: str, serial: int) -> str:
    try:
        return gs1.sscc(extension, company_prefix, serial)
    except ValueError as exc:  # a series set up wrong in the back office
        raise SsccSeriesInvalid(f"Cannot issue an SSCC: {exc}") from None


@transaction.atomic
def next_sscc(*, series: SsccSeries) -> str:
    """The next SSCC of the series not already on a container (see _issue)."""
    from wms.layout.models import Container

    for _ in range(1000):
        candidate = _issue(series=series)
        if not Container.objects.filter(sscc=candidate).exists():
            return candidate
    raise SerialsExhausted(
        f"1,000 SSCCs in a row of {series.company_prefix} are already in use; check the series."
    )


def _issue(*, series: SsccSeries) -> str:
    """The next SSCC of the series. The counter only moves forward, under the row lock, inside the
    caller's transaction: a label that is never printed burns its serial rather than risk a reuse."""
    updated = SsccSeries.objects.filter(pk=series.pk, next_serial__lt=capacity(series)).update(
        next_serial=F("next_serial") + 1
    )
    if not updated:
        raise SerialsExhausted(
            f"Company prefix {series.company_prefix} has no SSCC serials left; "
            "ask the brand for another prefix or extension digit."
        )
    fresh = SsccSeries.objects.get(pk=series.pk)
    return compose(
        extension=fresh.extension_digit,
        company_prefix=fresh.company_prefix,
        serial=fresh.next_serial - 1,
    )
