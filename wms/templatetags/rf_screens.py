"""Template filters of the RF screens (wms/floor)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# A code as the floor reads it: a plate, SSCC, SKU, location or lot — letters and digits joined by
# '-', '/' or '.', with at least one digit or joiner (so ordinary words are left to wrap).
CODE = re.compile(r"[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)+|[A-Za-z]*\d[A-Za-z0-9]{5,}")


@register.filter(is_safe=True)
def codes(text: object) -> SafeString:
    """Escape `text` and keep each code on one line: a browser breaks lines after a hyphen, and
    "NWO-" / "TENT" is two half-codes to an operator at arm's length."""
    escaped = str(conditional_escape(str(text)))
    # Safe: the text is escaped first, and a code is letters, digits and -/. only (no entity).
    return mark_safe(CODE.sub(lambda m: f'<span class="rf-code">{m.group(0)}</span>', escaped))  # noqa: S308
