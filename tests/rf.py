"""A scanner for the RF screens in tests: signs in, opens a flow and scans, as the browser would
(HTMX headers, the signed state handed back, a new scan id per submit)."""

from __future__ import annotations

import dataclasses
import html
import re
import uuid
from dataclasses import dataclass

from django.test import Client as HttpClient

from wms.accounts.models import User
from wms.layout.models import Warehouse


@dataclass
class Shown:
    status: int
    prompt: str
    message: str
    tone: str
    step: str
    state: str
    actions: list[str]
    body: str


def parse(status: int, body: str) -> Shown:
    # Codes are wrapped to keep them on one line (the `codes` filter); the tests read the text.
    body = re.sub(r'<span class="rf-code">(.*?)</span>', r"\1", body)

    def first(pattern: str) -> str:
        m = re.search(pattern, body, re.S)
        return html.unescape(m.group(1).strip()) if m else ""

    return Shown(
        status=status,
        prompt=first(r'class="rf-prompt">(.*?)</h1>'),
        message=first(r'id="result"[^>]*>(.*?)</p>'),
        tone=first(r'data-tone="([^"]*)"'),
        step=first(r'data-step="([^"]*)"'),
        state=first(r'name="state" value="([^"]*)"'),
        actions=re.findall(r'name="action" value="([^"]+)"', body),
        body=body,
    )


class Scanner:
    def __init__(self, user: User, warehouse: Warehouse) -> None:
        self.http = HttpClient()
        self.http.force_login(user)
        session = self.http.session
        session["rf_warehouse"] = warehouse.pk
        session["rf_warehouse_code"] = warehouse.code
        session.save()
        self.slug = ""
        self.shown: Shown | None = None
        self.last_scan_id: uuid.UUID | None = None

    def open(self, slug: str) -> Shown:
        self.slug = slug
        response = self.http.get(f"/rf/{slug}/")
        self.shown = parse(response.status_code, response.content.decode())
        return self.shown

    def scan(
        self,
        value: str = "",
        *,
        action: str = "",
        scan_id: uuid.UUID | None = None,
        bounce: bool = False,
    ) -> Shown:
        """Scan `value` (or press `action`). An Enter with nothing typed is sent as an operator
        presses it: after reading the screen, i.e. outside the bounce window; `bounce=True` sends
        it the moment the screen arrived, as a scanner's bounced Enter does."""
        assert self.shown is not None, "open a flow first"
        self.last_scan_id = scan_id or uuid.uuid4()
        token = self.shown.state
        if not value and not action and not bounce:
            token = shown_earlier(token)
        response = self.http.post(
            f"/rf/{self.slug}/",
            {
                "state": token,
                "value": value,
                "action": action,
                "scan_id": str(self.last_scan_id),
            },
            headers={"HX-Request": "true"},
        )
        if response.headers.get("X-RF-Ignored"):  # a bounce: the screen stays as it was
            return dataclasses.replace(self.shown, status=response.status_code)
        shown = parse(response.status_code, response.content.decode())
        if response.status_code == 204:  # HX-Redirect: the flow is done
            shown.prompt = response.headers.get("HX-Redirect", "")
        self.shown = shown
        return shown

    def resend(self, previous_state: str, value: str = "", *, action: str = "") -> Shown:
        """The same submit again (same state, value and scan id): a Wi-Fi retry."""
        assert self.last_scan_id is not None
        response = self.http.post(
            f"/rf/{self.slug}/",
            {
                "state": previous_state,
                "value": value,
                "action": action,
                "scan_id": str(self.last_scan_id),
            },
            headers={"HX-Request": "true"},
        )
        self.shown = parse(response.status_code, response.content.decode())
        return self.shown

    def through(self, *values: str) -> Shown:
        """Scan each value in turn, asserting each is accepted (not red); the last screen shown."""
        for value in values:
            shown = self.scan(value)
            assert shown.tone != "error", f"{value!r} refused at {shown.step}: {shown.message}"
        assert self.shown is not None
        return self.shown


def visible_text(shown: Shown) -> str:
    """What the operator can read on the screen: the page's text, without tags or the values of
    hidden inputs (the signed state, the CSRF token), which only a browser's devtools show."""
    body = re.sub(r"<input[^>]*>", " ", shown.body)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def shown_earlier(token: str) -> str:
    """The same signed state, as if its screen had been on display for the whole bounce window
    (the test signs with the server's key, as the server would have a moment earlier)."""
    from django.core import signing

    from wms.floor.views import BOUNCE_MS, SALT, SHOWN, _now_ms, _unsign_shown

    try:
        state, _ = _unsign_shown(token)
    except signing.BadSignature:  # a test sending a tampered or empty state: as it is
        return token
    return signing.dumps({**state, SHOWN: _now_ms() - BOUNCE_MS - 1}, salt=SALT, compress=True)


def state_of(shown: Shown) -> dict[str, object]:
    """The signed state a screen carries, decoded (anyone holding the page can decode it too)."""
    from wms.floor.views import _unsign

    return _unsign(shown.state)


def supervisor(user: User, *, badge: str, pin: str) -> User:
    """Give a supervisor the badge and PIN they confirm an action with on an operator's scanner."""
    user.badge = badge
    user.set_pin(pin)
    user.save(update_fields=["badge", "pin_hash"])
    return user


def lpn(serial: int) -> str:
    """A plate label of our own LP series (prefix, ten digits, check digit): what a new carton or
    pallet label scans as (wms/layout/services.py, `is_lpn`)."""
    from stdnum import ean

    from wms.layout.services import LPN_PREFIX

    digits = f"{serial:010d}"
    return f"{LPN_PREFIX}{digits}{ean.calc_check_digit(digits)}"
