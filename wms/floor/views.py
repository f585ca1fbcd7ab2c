"""The RF dispatcher: sign-in, warehouse choice, the menu, and one view that runs every flow.

Thin by design (docs/floor.md): it loads the signed state, applies a submit exactly once, and
renders the flow's screen — the whole page on a GET, the screen fragment on an HTMX submit.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_http_methods

from wms.accounts import pins
from wms.accounts import selectors as users
from wms.accounts.models import Role, User
from wms.errors import DomainError, ScanIdReused
from wms.floor import flows  # registers every flow
from wms.floor.errors import SignInRefused
from wms.floor.models import RfSubmission
from wms.floor.screens import FLOWS, Action, Flow, Outcome, RfContext, Screen, State
from wms.layout import selectors as layout_selectors
from wms.layout.models import Warehouse

log = logging.getLogger(__name__)

SALT = "touchline.rf.state"
DEVICE_COOKIE = "rf_device"
WAREHOUSE_KEY = "rf_warehouse"


SHOWN = "_shown"  # when the screen was rendered (ms since the epoch), signed with the state
# An empty Enter this soon after its screen was rendered is a scanner's bounce (docs/floor.md,
# "A bounced Enter records nothing"): ignored, the screen stays as it is.
BOUNCE_MS: int = getattr(settings, "RF_BOUNCE_MS", 500)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _sign(state: State) -> str:
    return signing.dumps({**state, SHOWN: _now_ms()}, salt=SALT, compress=True)


def _unsign_shown(token: str) -> tuple[State, int | None]:
    """The state a page carried, and when that page was rendered (None on an older page)."""
    state: State = signing.loads(token, salt=SALT)
    shown = state.pop(SHOWN, None)
    return state, shown if isinstance(shown, int) else None


def _unsign(token: str) -> State:
    return _unsign_shown(token)[0]


def _bounce(shown: int | None, value: str, action: str) -> bool:
    """An Enter with nothing typed, arriving within the bounce window of its screen."""
    return not value and not action and shown is not None and _now_ms() - shown < BOUNCE_MS


def _ignored() -> HttpResponse:
    """A bounce: 204 (htmx swaps nothing), so the screen and its message stay as they were."""
    response = HttpResponse(status=204)
    response["X-RF-Ignored"] = "bounce"
    return response


def _device(request: HttpRequest) -> str:
    return request.COOKIES.get(DEVICE_COOKIE, "")[:40] or "RF"


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if _htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _page(
    request: HttpRequest,
    *,
    title: str,
    screen: Screen,
    post_url: str,
    message: str = "",
    tone: str = "",
    replayed: bool = False,
    status: int = 200,
    menu: bool = False,
) -> HttpResponse:
    context = {
        "title": title,
        "screen": screen,
        "signed_state": _sign(screen.state),
        "post_url": post_url,
        "message": message,
        "tone": tone,
        "replayed": replayed,
        # Every flow screen has a visible way back to the menu: its own Menu button, or a link.
        "menu_link": menu and not any(a.name == "menu" for a in screen.actions),
        "warehouse_code": request.session.get("rf_warehouse_code", ""),
    }
    template = "rf/_screen.html" if _htmx(request) else "rf/screen.html"
    return render(request, template, context, status=status)


# --- sign-in and warehouse ----------------------------------------------------------------------


def _signin_screen(state: State) -> Screen:
    if state.get("step") == "pin":
        return Screen(
            prompt=f"{state['username']}: type your PIN",
            state=state,
            label="PIN",
            numeric=True,
            secret=True,
            actions=[Action("restart", "Someone else")],
        )
    return Screen(
        prompt="Scan your badge",
        state={"step": "badge"},
        label="Badge or user name",
        hint="No badge? Type your user name, then your PIN.",
    )


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    url = reverse("rf-signin")
    if request.method == "GET":
        return _page(request, title="Sign in", screen=_signin_screen({}), post_url=url)
    try:
        state = _unsign(request.POST.get("state", ""))
    except signing.BadSignature:
        state = {}
    value = (request.POST.get("value") or "").strip()
    if request.POST.get("action") == "restart":
        return _page(request, title="Sign in", screen=_signin_screen({}), post_url=url)
    try:
        user = _authenticate(state, value)
    except DomainError as exc:
        return _page(
            request,
            title="Sign in",
            screen=_signin_screen(state),
            post_url=url,
            message=exc.message,
            tone="error",
        )
    if user is None:  # a user name: ask for the PIN
        return _page(
            request,
            title="Sign in",
            screen=_signin_screen({"step": "pin", "username": value}),
            post_url=url,
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    response = _redirect(request, reverse("rf-warehouse"))
    if DEVICE_COOKIE not in request.COOKIES:
        response.set_cookie(
            DEVICE_COOKIE, f"RF-{secrets.token_hex(3).upper()}", max_age=5 * 365 * 86400
        )
    return response


def _authenticate(state: State, value: str) -> User | None:
    """A badge signs in at once; a user name asks for the PIN (returns None)."""
    if not value:
        raise SignInRefused("Scan your badge, or type your user name.")
    if state.get("step") == "pin":
        user = users.active_user_by_username(username=state.get("username", ""))
        if user is None or user.is_client_user or not pins.check(user, value):
            raise SignInRefused(
                "That PIN does not match. Type it again, or ask a supervisor to reset it."
            )
        return user
    by_badge = users.active_user_by_badge(badge=value)
    if by_badge is not None:
        if by_badge.is_client_user:
            raise SignInRefused(BRAND_REFUSED)
        return by_badge
    named = users.active_user_by_username(username=value)
    if named is not None and named.is_client_user:
        raise SignInRefused(BRAND_REFUSED)
    if users.signs_in_with_pin(username=value):
        return None
    raise SignInRefused(
        f"Badge {value} is not known. Scan your badge again, or type your user name."
    )


BRAND_REFUSED = (
    "Brand users cannot use the floor screens. Sign in with a warehouse badge, or use the brand "
    "portal."
)


def _refused_brand(request: HttpRequest) -> HttpResponse | None:
    """A brand user signed in elsewhere who opens the floor screens is told so, not asked for a
    badge as if unknown."""
    user = request.user
    if not (isinstance(user, User) and user.is_authenticated and user.is_client_user):
        return None
    return _page(
        request,
        title="Sign in",
        screen=_signin_screen({}),
        post_url=reverse("rf-signin"),
        message=BRAND_REFUSED,
        tone="error",
        status=403,
    )


def _staff(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_authenticated and not user.is_client_user:
        return user
    return None


@require_http_methods(["GET", "POST"])
def choose_warehouse(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if user is None:
        return _refused_brand(request) or _redirect(request, reverse("rf-signin"))
    warehouses = layout_selectors.active_warehouses()
    choice = None
    if request.method == "POST":
        picked = (request.POST.get("action") or request.POST.get("value") or "").strip()
        choice = next((w for w in warehouses if picked.upper() in (w.code, str(w.pk))), None)
        if choice is None:
            screen = _warehouse_screen(warehouses)
            return _page(
                request,
                title="Warehouse",
                screen=screen,
                post_url=reverse("rf-warehouse"),
                message=f"{picked or 'Nothing'} is not a warehouse here; choose one below.",
                tone="error",
            )
    elif len(warehouses) == 1 and not request.GET.get("change"):
        choice = warehouses[0]
    if choice is None:
        return _page(
            request,
            title="Warehouse",
            screen=_warehouse_screen(warehouses),
            post_url=reverse("rf-warehouse"),
        )
    request.session[WAREHOUSE_KEY] = choice.pk
    request.session["rf_warehouse_code"] = choice.code
    return _redirect(request, reverse("rf-menu"))


def _warehouse_screen(warehouses: list[Warehouse]) -> Screen:
    return Screen(
        prompt="Which warehouse are you in?",
        state={"step": "warehouse"},
        label="Warehouse code",
        actions=[Action(w.code, f"{w.code} · {w.name}", "primary") for w in warehouses],
    )


@require_http_methods(["POST"])
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return _redirect(request, reverse("rf-signin"))


def menu(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if user is None:
        return _refused_brand(request) or HttpResponseRedirect(reverse("rf-signin"))
    if WAREHOUSE_KEY not in request.session:
        return HttpResponseRedirect(reverse("rf-warehouse"))
    order = {slug: i for i, slug in enumerate(flows.MENU)}
    entries = sorted(
        (f for f in FLOWS.values() if user.has_role(f.role)),
        key=lambda f: order.get(f.slug, len(order)),
    )
    return render(
        request,
        "rf/menu.html",
        {
            "title": "Tasks",
            "flows": entries,
            "warehouse_code": request.session.get("rf_warehouse_code", ""),
        },
    )


@require_http_methods(["POST"])
def ping(request: HttpRequest) -> HttpResponse:
    """A scanner checking its connection and session: the same middleware as a scan, no work.
    204 when signed in; the benchmark's baseline (bench/rf_scans.py)."""
    if _staff(request) is None:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


# --- the flows ----------------------------------------------------------------------------------


def _context(request: HttpRequest, user: User) -> RfContext:
    chosen = request.session.get(WAREHOUSE_KEY)
    code = request.session.get("rf_warehouse_code")
    rf = RfContext(
        request=request,
        user=user,
        warehouse_id=int(chosen) if chosen is not None else None,
        device=_device(request),
    )
    if chosen is not None and code:
        # The row as chosen at sign-in, without a query per scan: its other fields load on first use.
        rf._warehouse = Warehouse.from_db("default", ["id", "code"], [int(chosen), code])
    return rf


def _fingerprint(flow: Flow, state: State, value: str, action: str) -> str:
    """What the submit asked, to refuse a scan id reused for another scan. Keyed with the secret
    key: a step's value may be a PIN, and a plain hash of a 4-digit PIN is no secret."""
    payload = json.dumps(
        {"flow": flow.slug, "state": state, "value": value, "action": action},
        sort_keys=True,
        default=str,
    )
    return salted_hmac(SALT, payload, algorithm="sha256").hexdigest()


def _apply_once(
    rf: RfContext, flow: Flow, state: State, value: str, action: str
) -> tuple[Outcome, bool]:
    """Run one submit exactly once. Returns the outcome and whether it was a replay."""
    assert rf.scan_id is not None
    fingerprint = _fingerprint(flow, state, value, action)
    try:
        with transaction.atomic():
            # The gate is the first statement: a concurrent duplicate blocks on this primary key
            # until the first attempt commits, then fails and is answered from the stored row.
            RfSubmission.objects.create(
                id=rf.scan_id,
                user=rf.user,
                flow=flow.slug,
                step=str(state.get("step", ""))[:30],
                fingerprint=fingerprint,
                device=rf.device,
            )
            outcome = flow.submit(rf, state, value, action)
            RfSubmission.objects.filter(pk=rf.scan_id).update(
                outcome={"state": outcome.state, "message": outcome.message, "tone": outcome.tone}
            )
    except IntegrityError:
        earlier = RfSubmission.objects.filter(pk=rf.scan_id).first()
        if earlier is None:
            raise
        if earlier.fingerprint != fingerprint or earlier.user_id != rf.user.pk:
            raise ScanIdReused(
                "This scan id was already used for another scan. Reload the screen and scan again."
            ) from None
        return Outcome(**earlier.outcome), True
    return outcome, False


@require_http_methods(["GET", "POST"])
def flow_view(request: HttpRequest, slug: str) -> HttpResponse:
    flow = FLOWS.get(slug)
    if flow is None:
        raise Http404(f"No floor task '{slug}'.")
    user = _staff(request)
    if user is None:
        return _refused_brand(request) or _redirect(request, reverse("rf-signin"))
    if WAREHOUSE_KEY not in request.session:
        return _redirect(request, reverse("rf-warehouse"))
    url = reverse("rf-flow", args=[slug])
    if not user.has_role(flow.role):
        role = Role(flow.role).label.lower()
        raise Http404(f"{flow.title} is for a {role}.")
    rf = _context(request, user)

    def show(state: State, **kwargs: Any) -> HttpResponse:
        try:
            screen = flow.render(rf, state)
        except DomainError as exc:  # what the state names is gone (a task done by someone else)
            screen = flow.render(rf, flow.start(rf))
            kwargs |= {"message": exc.message, "tone": "error"}
        return _page(request, title=flow.title, screen=screen, post_url=url, menu=True, **kwargs)

    if request.method == "GET":
        return show(flow.start(rf))

    try:
        state, shown = _unsign_shown(request.POST.get("state", ""))
    except signing.BadSignature:
        return show(
            flow.start(rf),
            message="This screen was out of date, so it started again. Scan again.",
            tone="error",
        )
    value = (request.POST.get("value") or "").strip()
    action = (request.POST.get("action") or "").strip()
    if _bounce(shown, value, action):
        return _ignored()
    if action == "menu":
        return _redirect(request, reverse("rf-menu"))
    try:
        rf.scan_id = uuid.UUID(request.POST.get("scan_id", ""))
    except ValueError:
        return show(
            state,
            message="This scanner page is out of date (no scan id). Reload it, then scan again.",
            tone="error",
        )
    try:
        outcome, replayed = _apply_once(rf, flow, state, value, action)
    except DomainError as exc:
        return show(state, message=exc.message, tone="error")
    if "redirect" in outcome.state:
        return _redirect(request, str(outcome.state["redirect"]))
    message = outcome.message
    if replayed:
        message = f"Already recorded — {message}" if message else "Already recorded."
    return show(outcome.state, message=message, tone=outcome.tone, replayed=replayed)
