"""The RF screens in a real headless Chromium at 480×800, driven as an operator would: a keyboard-wedge
scanner types into the focused input and presses Enter.

Every screen state is saved as a screenshot under artifacts/rf/ (ignored by git). `make test`
installs Chromium from the operating system's packages when it is missing; without it these tests
fail, they never skip.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from django.test import Client as HttpClient
from playwright.sync_api import Browser, Page, Route, expect
from stdnum import ean

from compliance.labels import gs1
from compliance.models import Printer, PrintJob, RuleSet, SsccSeries
from tests.factories import Site, make_item
from tests.rf import lpn
from wms.accounts.models import Role, User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.floor.models import RfSubmission
from wms.floor.views import BOUNCE_MS
from wms.inbound.services import create_receipt
from wms.inventory.models import Touch, TouchKind
from wms.inventory.reconcile import verify
from wms.layout.models import Container
from wms.orders import fulfilment
from wms.orders.models import Order, OrderState, PickTask, TaskState

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "rf"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    """The run's one Chromium (tests/browser.py), this module's screenshots started afresh."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return chromium


class Operator:
    """One operator's scanner: scans go into whatever has the focus, then Enter."""

    def __init__(self, page: Page, base: str, name: str) -> None:
        self.page, self.base, self.name, self.shots = page, base, name, 0

    def snap(self, what: str) -> None:
        self.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{what}.png"))

    def settled(self) -> int:
        return int(self.page.evaluate("window.rfSettled || 0"))

    def scan(self, value: str, what: str = "") -> None:
        """Type into the focused element (the scanner does not aim) and press Enter. An Enter
        with nothing typed is a person's: pressed after reading the screen, past the bounce
        window in which the server ignores it (wms/floor/views.py, BOUNCE_MS)."""
        before = self.settled()
        focused = self.page.evaluate("document.activeElement && document.activeElement.id")
        assert focused == "rf-input", f"the scan input lost the focus (focus on {focused!r})"
        if not value:
            self.read_screen()
        self.page.keyboard.type(value)
        self.page.keyboard.press("Enter")
        self.page.wait_for_function(f"(window.rfSettled || 0) > {before}")
        self.snap(what or re.sub(r"\W+", "-", value)[:30])

    def read_screen(self) -> None:
        """What a deliberate operator does before an Enter alone: look at the screen for longer
        than the bounce window (a wait for the person, not a timed assertion)."""
        self.page.wait_for_timeout(BOUNCE_MS + 150)

    def idle(self) -> None:
        """Every request sent has been answered (htmx marks the form while one is in flight)."""
        self.page.wait_for_function("!document.querySelector('.htmx-request')")

    def step(self) -> str:
        return str(self.page.locator("#screen").get_attribute("data-step"))

    def split_codes(self) -> list[str]:
        """Codes on screen (as the `codes` filter finds them) the browser broke over two lines."""
        return list(
            self.page.evaluate(
                r"""() => {
              const split = [];
              for (const el of document.querySelectorAll('.rf-prompt, .rf-result, .rf-facts dd')) {
                const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                  const code = /[A-Za-z0-9]+(?:[-\/.][A-Za-z0-9]+)+|[A-Za-z]*\d[A-Za-z0-9]{5,}/g;
                  for (const m of node.textContent.matchAll(code)) {
                    const r = document.createRange();
                    r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
                    const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                    if (tops.size > 1) split.push(m[0]);
                  }
                }
              }
              return split;
            }"""
            )
        )

    def press(self, label: str, what: str = "") -> None:
        before = self.settled()
        self.page.get_by_role("button", name=label).click()
        self.page.wait_for_function(f"(window.rfSettled || 0) > {before}")
        self.snap(what or re.sub(r"\W+", "-", label.lower()))

    def open(self, path: str, what: str) -> None:
        self.page.goto(self.base + path)
        self.snap(what)

    def prompt(self) -> str:
        return self.page.locator(".rf-prompt").inner_text()

    def result(self) -> str:
        return self.page.locator("#result").inner_text()

    def expect_tone(self, tone: str) -> None:
        expect(self.page.locator("#screen")).to_have_attribute("data-tone", tone)


@pytest.fixture
def floor(browser: Browser, live_server: Any) -> Iterator[Any]:
    contexts = []

    def make(name: str, width: int = 480, height: int = 800) -> Operator:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return Operator(context.new_page(), live_server.url, name)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def scene(site: Site, nwo: Client, oscar: User, sam: User) -> dict[str, Any]:
    """A brand that ships to a retailer under a routing guide, a printer at the pack station."""
    oscar.badge = "BADGE-OSCAR"
    oscar.set_pin("4321")
    oscar.save()
    tent = make_item(nwo, "NWO-TENT")
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value="086123400019")
    case = catalog.set_pack_level(
        item=tent,
        level="case",
        quantity=6,
        length_mm=400,
        width_mm=300,
        height_mm=300,
        weight_g=9000,
    )
    catalog.add_identifier(
        item=tent, kind=IdentifierKind.GTIN, value="10861234000122", pack_level=case
    )
    SsccSeries.objects.create(company_prefix="0614141", extension_digit=1)
    guide = RuleSet.objects.create(
        code="BIG-RG",
        name="Big Retail routing guide",
        kind="retailer",
        channel="edi",
        max_carton_weight_g=20_000,
        sscc_required=True,
        carton_labels=["sscc_carton"],
        mixed_sku_cartons=False,
    )
    guide.clients.add(nwo)
    Printer.objects.create(station=site.pack.code, name="desk", kind="pdf")
    create_receipt(client=nwo, warehouse=site.warehouse, reference="ASN-9001", lines=[(tent, 6)])
    for i in range(1, 4):
        site.tote(f"T-000{i}")
    return {"tent": tent, "site": site}


def decoded_sscc(document: bytes) -> str:
    """Read the printed carton label back with an independent decoder, as a scanner would."""
    doc = pypdfium2.PdfDocument(document)
    try:
        found = zxingcpp.read_barcodes(doc[0].render(scale=300 / 72).to_pil())
    finally:
        doc.close()
    for barcode in found:
        fields = gs1.parse(barcode.text) if barcode.symbology_identifier == "]C1" else {}
        if "00" in fields:
            return "00" + fields["00"]  # what a keyboard-wedge scanner types for (00)…
    raise AssertionError(f"no SSCC on the label: {[b.text for b in found]}")


def test_an_operator_receives_stows_picks_packs_and_ships(
    floor: Any, scene: dict[str, Any], nwo: Client, oscar: User, sam: User, ada: User
) -> None:
    site: Site = scene["site"]
    tent: Item = scene["tent"]
    op = floor("oscar")

    # Sign in with the badge; one warehouse, so straight to the menu.
    op.open("/rf/signin/", "signin")
    op.scan("BADGE-NOBODY", "signin-wrong-badge")
    op.expect_tone("error")
    assert "Badge BADGE-NOBODY is not known" in op.result()
    with op.page.expect_navigation():
        op.page.keyboard.type("BADGE-OSCAR")
        op.page.keyboard.press("Enter")
    op.page.wait_for_url("**/rf/")
    op.snap("menu")

    # Receive the ASN's six tents at the dock by their case barcode, then stow them.
    op.open("/rf/receive/", "receive")
    receive_asn(op)
    op.open("/rf/stow/", "stow")
    stow_all(op)
    assert verify().ok

    # The channel sends an order for 2; a supervisor releases the wave.
    order = place_edi(nwo, tent, 2, "PO-5001")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)

    # Pick: a wrong location is red, says what was expected, records nothing.
    op.open("/rf/pick/", "pick")
    assert op.prompt() == f"Go to {task.location.code} and scan it"
    touches = Touch.objects.count()
    op.scan("A-02-1", "pick-wrong-location")
    op.expect_tone("error")
    assert op.result() == f"Scan location {task.location.code} — you scanned A-02-1."
    assert op.page.evaluate("window.rfTones") == ["error"]
    assert Touch.objects.count() == touches
    op.scan(task.location.code, "pick-location")
    op.expect_tone("ok")
    op.scan("086123400019", "pick-item")
    op.scan("2", "pick-quantity")
    assert op.prompt() == "Put 2 in an empty tote and scan it"
    # Double Enter on the committing scan: applied once.
    before = op.settled()
    op.page.keyboard.type("T-0001")
    op.page.keyboard.press("Enter")
    op.page.keyboard.press("Enter")
    op.page.wait_for_function(f"window.rfSettled > {before}")
    op.snap("pick-confirmed")
    assert Touch.objects.filter(kind=TouchKind.PICK).count() == 1
    order.refresh_from_db()
    assert order.state == OrderState.PICKED

    # Pack: the tote, a new carton, each unit, weight and size; the labels print at PACK-1.
    op.open("/rf/pack/", "pack")
    op.scan(site.pack.code, "pack-station")
    op.scan("T-0001", "pack-tote")
    carton = lpn(1)
    op.scan(carton, "pack-carton")
    op.scan("086123400019", "pack-unit-1")
    op.scan("NWO-TENT", "pack-unit-2")
    assert op.prompt() == f"Weigh {carton}: type the kg"
    op.scan("3.2", "pack-weight")
    op.press("40x30x20", "pack-closed")
    op.expect_tone("ok")
    assert f"Printed the sscc carton label for {carton}" in op.result()
    order.refresh_from_db()
    assert order.state == OrderState.PACKED

    # The station prints the carton label; read it back and scan it onto the trailer.
    # The label desk (staff) prints it from the print audit — downloading it (a recorded POST)
    # marks it printed.
    label = PrintJob.objects.get(order=order, label="sscc_carton")
    desk = HttpClient()
    desk.force_login(ada)
    pdf = desk.post(f"/labels/jobs/{label.pk}/download/")
    assert pdf.status_code == 200, pdf.status_code
    sscc_scan = decoded_sscc(pdf.content)
    assert sscc_scan == "00" + str(Container.objects.get(barcode=carton).sscc)

    op.open("/rf/load/", "load")
    op.scan(site.lane.code, "load-lane")
    op.scan("TRL-7781", "load-trailer")
    op.scan(sscc_scan, "load-carton")
    op.expect_tone("ok")
    assert op.result() == f"Loaded {carton} onto TRL-7781."
    # Taken off the open load (the wrong trailer, say), then loaded again.
    op.press("Take a carton off", "load-unload")
    op.scan(sscc_scan, "load-unload-where")
    assert op.prompt() == f"Put {carton} down off the lane and scan where"
    op.scan(site.staging.code, "load-unloaded")
    op.expect_tone("ok")
    assert op.result() == f"Took {carton} off TRL-7781; moved to {site.staging.code}."
    assert Container.objects.get(barcode=carton).location == site.staging
    assert not order.parcels.filter(load_parcel__isnull=False).exists()
    op.scan(sscc_scan, "load-carton-again")
    assert op.result() == f"Loaded {carton} onto TRL-7781."
    op.press("Close load", "load-confirm")
    assert op.prompt() == "Close TRL-7781 and ship 1 order?"

    # A Wi-Fi drop loses the answer to the confirmation — given with Enter, as every
    # confirmation accepts it; the operator presses Enter again: the same scan, applied once.
    lost: list[str] = []

    def answer_lost(route: Route) -> None:
        route.fetch()  # the server applies it...
        lost.append(route.request.url)
        route.abort("connectionreset")  # ...but the scanner never hears back

    op.page.route("**/rf/load/", answer_lost)
    op.read_screen()
    op.page.keyboard.press("Enter")
    op.page.wait_for_function("window.rfSettled > 0 && document.querySelector('#result')")
    op.snap("load-no-connection")
    assert lost and "No connection" in op.result()
    op.page.unroute("**/rf/load/")
    op.scan("", "load-shipped-retry")
    assert op.result().startswith("Already recorded — Load TRL-7781 closed: 1 order, 1 carton")
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    assert order.shipments.count() == 1
    assert Touch.objects.filter(kind=TouchKind.SHIP).count() == 1
    assert verify().ok


def receive_asn(op: Operator) -> None:
    op.scan("ASN-9001", "receive-asn")
    op.scan("DOCK-1", "receive-dock")
    op.press("No plate", "receive-no-plate")
    op.scan("10861234000122", "receive-case")  # a case barcode: 6 units
    op.scan("", "receive-quantity")  # Enter alone accepts the case quantity
    op.expect_tone("ok")
    assert "Received 6 × NWO-TENT" in op.result()


def stow_all(op: Operator) -> None:
    op.scan("DOCK-1", "stow-from")
    op.scan("", "stow-quantity")  # all of it
    suggested = op.prompt()
    code = suggested.split("Put away to ")[1].split(" ")[0]
    op.scan(code, "stow-confirm")
    op.expect_tone("ok")
    assert "Stowed 6 × NWO-TENT" in op.result()


def place_edi(client: Client, item: Item, n: int, po: str) -> Order:
    from tests.factories import place

    return place(client, po, [(item, n)], channel="edi")


def test_a_short_pick_on_a_large_screen(
    floor: Any, scene: dict[str, Any], nwo: Client, oscar: User, sam: User
) -> None:
    from tests.factories import place, stock

    site: Site = scene["site"]
    tent: Item = scene["tent"]
    stock(site, tent, 3, oscar)
    order = place(nwo, "SH-77", [(tent, 3)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    op = floor("oscar-720", 720, 1280)
    op.page.context.add_cookies([])
    op.open("/rf/signin/", "signin")
    op.scan("oscar", "signin-user")
    assert op.prompt() == "oscar: type your PIN"
    with op.page.expect_navigation():
        op.page.keyboard.type("4321")
        op.page.keyboard.press("Enter")
    op.page.wait_for_url("**/rf/")
    op.open("/rf/pick/", "pick")
    op.scan("P-01", "pick-location")
    op.scan("NWO-TENT", "pick-item-1")
    op.scan("NWO-TENT", "pick-item-2")
    assert op.prompt() == "Counted 2 of 3"
    op.scan("abc", "pick-quantity-typo")  # a typo is not read as a barcode
    op.expect_tone("error")
    assert (
        op.result()
        == "Type the quantity as a number, or scan a unit of NWO-TENT; 'abc' is neither."
    )
    op.scan("", "pick-enter-alone")  # Enter alone does not jump to a short pick
    op.expect_tone("error")
    assert op.result().startswith("Counted 2 of 3: scan the next unit")
    assert op.step() == "quantity"
    op.press("Short pick", "pick-short")
    op.press("Back to the count", "pick-short-back")  # a way back from the short pick
    assert op.step() == "quantity"
    op.press("Short pick", "pick-short-again")
    op.press("Damaged", "pick-short-reason")
    op.scan("T-0002", "pick-short-confirmed")
    op.expect_tone("warn")
    assert "Short 1" in op.result()
    task = PickTask.objects.get(order=order, location=site.face1)
    assert (task.picked, task.state) == (2, TaskState.SHORT)
    assert RfSubmission.objects.filter(user=oscar).exists()
    assert User.objects.get(pk=oscar.pk).role == Role.OPERATOR


def test_the_other_floor_tasks_in_the_browser(
    floor: Any, scene: dict[str, Any], nwo: Client, oscar: User, sam: User
) -> None:
    """Move, a blind count with a recount and a supervisor's approval on the operator's scanner,
    quarantine and release (supervisor badge and PIN), relabel to FNSKU, a graded return."""
    from tests.factories import stock
    from wms.inbound.services import open_return
    from wms.inventory.models import Balance, StockStatus

    site: Site = scene["site"]
    tent: Item = scene["tent"]
    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    stock(site, tent, 10, oscar)
    site.warehouse.count_approval_units = 1
    site.warehouse.save()
    sam.badge = "BADGE-SAM"
    sam.set_pin("9876")
    sam.save()
    open_return(client=nwo, warehouse=site.warehouse, rma="RMA-31")
    op = floor("oscar-tasks")
    op.open("/rf/signin/", "signin")
    with op.page.expect_navigation():
        op.page.keyboard.type("BADGE-OSCAR")
        op.page.keyboard.press("Enter")
    op.page.wait_for_url("**/rf/")

    op.open("/rf/move/", "move")
    for value in ("P-01", "NWO-TENT", "2", "P-02"):
        op.scan(value, f"move-{value}")
    op.expect_tone("ok")
    assert "Moved 2 × NWO-TENT" in op.result()

    op.open("/rf/count/", "count")
    op.scan("P-02", "count-location")
    op.scan("NWO-TENT", "count-item")
    op.scan("5", "count-first")
    op.expect_tone("warn")
    assert "2" not in op.page.locator("#screen").inner_text().replace("P-02", "")  # blind
    op.scan("5", "count-recount")
    assert "supervisor" in op.result().lower()
    op.press("Supervisor approves here", "count-approve-here")
    op.scan("BADGE-SAM", "count-supervisor-badge")
    op.scan("0000", "count-supervisor-wrong-pin")
    op.expect_tone("error")
    op.scan("9876", "count-approved")
    op.expect_tone("ok")
    assert Balance.objects.get(item=tent, location=site.face2, status="available").quantity == 5
    assert Touch.objects.filter(kind=TouchKind.COUNT).get().scan.actor == sam

    op.open("/rf/quarantine/", "quarantine")
    for value in ("P-01", "NWO-TENT", "3"):
        op.scan(value, f"quarantine-{value}")
    # A choice typed at the keyboard as well as pressed: the reason's number, then Enter.
    assert "1 Damaged" in op.page.locator(".rf-hint").inner_text()
    op.scan("1", "quarantine-damaged-typed")
    op.expect_tone("warn")  # done, and the stock is out of circulation: amber
    assert Touch.objects.filter(kind=TouchKind.QUARANTINE).get().reason_code == "damaged"
    op.open("/rf/release/", "release")
    for value in ("P-01", "NWO-TENT", "3"):
        op.scan(value, f"release-{value}")
    op.press("Inspected: OK", "release-reason")
    assert op.prompt() == "Supervisor: scan your badge"
    op.scan("BADGE-SAM", "release-badge")
    op.scan("9876", "release-pin")
    op.expect_tone("ok")
    released = Touch.objects.filter(kind=TouchKind.RELEASE).get()
    assert released.scan.actor == sam and released.to_status == StockStatus.AVAILABLE

    op.open("/rf/relabel/", "relabel")
    for value in ("P-01", "086123400019", "4", "X00TENT001"):
        op.scan(value, f"relabel-{value}")
    op.expect_tone("ok")
    assert Touch.objects.filter(kind=TouchKind.RELABEL).get().detail == {
        "old_label": "086123400019",
        "new_label": "X00TENT001",
    }

    op.open("/rf/returns/", "returns")
    op.scan("RMA-31", "returns-rma")
    op.scan("RET-1", "returns-location")
    op.scan("NWO-TENT", "returns-item")
    op.press("Damaged", "returns-grade")
    op.scan("", "returns-quantity")
    op.expect_tone("warn")
    assert Balance.objects.get(item=tent, location=site.returns).status == StockStatus.DAMAGED
    assert verify().ok


# --- issue 13: a scanner's bounce never records stock; the screens are complete -----------------

UNIT_GTIN = "086123400019"


def signed_in(floor: Any, name: str) -> Operator:
    op = floor(name)
    op.open("/rf/signin/", "signin")
    with op.page.expect_navigation():
        op.page.keyboard.type("BADGE-OSCAR", delay=8)  # a wedge scanner types fast, not at once
        op.page.keyboard.press("Enter")
    op.page.wait_for_url("**/rf/")
    return op


def at_receive_item_step(op: Operator) -> None:
    op.open("/rf/receive/", "receive")
    op.scan("ASN-9001", "receive-asn")
    op.scan("DOCK-1", "receive-dock")
    op.press("No plate", "receive-no-plate")
    assert op.step() == "item"


def received() -> list[int]:
    return list(
        Touch.objects.filter(kind=TouchKind.RECEIVE)
        .order_by("pk")
        .values_list("quantity", flat=True)
    )


def test_a_bounced_enter_never_receives_a_unit(
    floor: Any, scene: dict[str, Any], oscar: User
) -> None:
    op = signed_in(floor, "bounce")
    at_receive_item_step(op)

    # The scanner types the barcode and its Enter bounces: a second Enter 30 ms later.
    op.page.keyboard.type(UNIT_GTIN, delay=8)
    op.page.keyboard.press("Enter")
    op.page.wait_for_timeout(30)
    op.page.keyboard.press("Enter")
    op.page.wait_for_function("document.querySelector('#screen').dataset.step === 'quantity'")
    op.idle()
    op.page.wait_for_function("window.rfSettled > 0 && !document.querySelector('.htmx-settling')")
    op.snap("bounce-30ms")
    assert op.step() == "quantity"
    assert received() == []

    # The bounce lands just after the quantity screen appeared (the worst case: it reaches the
    # server, which ignores it — the screen and its message stay).
    op.press("Other item", "bounce-other-item")
    before = op.settled()
    op.page.keyboard.type(UNIT_GTIN, delay=8)
    op.page.keyboard.press("Enter")
    op.page.wait_for_function(f"window.rfSettled > {before}")
    ignored = op.page.evaluate("window.rfIgnored")
    op.page.keyboard.press("Enter")
    op.page.wait_for_function(f"window.rfIgnored > {ignored}")
    op.snap("bounce-after-swap-ignored")
    assert op.step() == "quantity"
    op.expect_tone("ok")
    assert op.result() == "NWO-TENT."
    assert received() == []

    # A deliberate, fast operator: a typed quantity right away, and Enter alone after reading.
    op.scan("2", "fast-typed-quantity")
    op.expect_tone("ok")
    assert received() == [2]
    op.scan(UNIT_GTIN, "item-again")
    assert op.prompt() == "How many units of NWO-TENT?"
    assert op.split_codes() == []  # "NWO-TENT" stays whole on the line
    op.scan("", "deliberate-enter-alone")  # reads the screen first, then Enter: one unit
    op.expect_tone("ok")
    assert received() == [2, 1]
    assert verify().ok


def test_a_double_enter_on_a_receipt_shows_its_success(
    floor: Any, scene: dict[str, Any], oscar: User
) -> None:
    op = signed_in(floor, "double-enter")
    at_receive_item_step(op)
    op.scan(UNIT_GTIN, "item")
    op.page.keyboard.type("3", delay=8)
    op.page.keyboard.press("Enter")
    op.page.wait_for_timeout(40)
    op.page.keyboard.press("Enter")
    op.page.wait_for_function("document.querySelector('#screen').dataset.step === 'item'")
    op.idle()
    op.snap("double-enter-success")
    op.expect_tone("ok")  # green, not a red "Scan the item's barcode."
    assert op.result().startswith("Received 3 × NWO-TENT into DOCK-1.")
    assert received() == [3]
    assert "error" not in op.page.evaluate("window.rfTones")


def test_an_unknown_plate_is_refused_and_a_new_plate_is_asked_for(
    floor: Any, scene: dict[str, Any], oscar: User
) -> None:
    op = signed_in(floor, "plates")
    op.open("/rf/receive/", "receive")
    op.scan("ASN-9001", "receive-asn")
    op.scan("DOCK-1", "receive-dock")
    plates = Container.objects.count()
    op.scan("PLT-TYPO", "plate-mis-keyed")
    op.expect_tone("error")
    assert op.result().startswith("License plate PLT-TYPO is not known and is not a plate label")
    serial = "10614141000000001"
    wrong = (int(ean.calc_check_digit(serial)) + 1) % 10
    op.scan(f"00{serial}{wrong}", "plate-sscc-wrong-check-digit")  # a mis-read SSCC
    op.expect_tone("error")
    assert op.split_codes() == []  # the 20-digit code is not broken over two lines
    assert Container.objects.count() == plates
    op.press("New plate", "plate-new")
    op.expect_tone("ok")
    made = Container.objects.exclude(pk__in=[]).order_by("-pk").first()
    assert made is not None and made.barcode.startswith("LP")
    assert op.result().startswith(f"New pallet {made.barcode}")
    assert op.split_codes() == []
    # The ASN's lines are on the item screen: expected and received so far.
    assert "NWO-TENT" in op.page.locator(".rf-facts").inner_text()
    assert "0 of 6 · 6 short" in op.page.locator(".rf-facts").inner_text()
    op.press("Other plate", "plate-other")
    op.scan(lpn(42), "plate-from-our-series")
    op.expect_tone("ok")
    assert Container.objects.filter(barcode=lpn(42)).exists()


def test_finish_receipt_summarises_and_enter_confirms(
    floor: Any, scene: dict[str, Any], oscar: User
) -> None:
    op = signed_in(floor, "finish")
    at_receive_item_step(op)
    op.scan("10861234000122", "receive-case")
    assert op.prompt() == "How many cases of NWO-TENT?"  # a case barcode counts cases
    op.scan("1", "receive-one-case")
    assert received() == [6]
    op.press("Finish receipt", "finish-summary")
    assert op.prompt() == "Finish ASN ASN-9001 · NWO?"
    assert "Every line received as expected." in op.page.locator(".rf-hint").inner_text()
    op.scan("", "finish-enter")  # Enter confirms
    op.expect_tone("ok")
    assert op.result() == "ASN ASN-9001 is complete."


def test_every_flow_has_a_menu_button(floor: Any, scene: dict[str, Any], oscar: User) -> None:
    op = signed_in(floor, "menu")
    for slug in ("receive", "stow", "move", "pick", "pack", "load", "count"):
        op.open(f"/rf/{slug}/", f"{slug}-menu")
        with op.page.expect_navigation():
            op.page.get_by_role("button", name="Menu").or_(
                op.page.get_by_role("link", name="Menu")
            ).first.click()
        op.page.wait_for_url("**/rf/")
    # An empty load is not offered to be closed ("ship 0 orders?"): it says why.
    op.open("/rf/load/", "load")
    op.scan("LANE-1", "load-lane")
    op.scan("TRL-EMPTY", "load-trailer")
    op.press("Close load", "load-close-empty")
    op.expect_tone("error")
    assert op.result() == "Load TRL-EMPTY is empty; load cartons before closing it."


def test_a_brand_user_is_told_the_floor_is_not_for_brands(
    floor: Any, scene: dict[str, Any], alice: User
) -> None:
    op = floor("brand")
    op.open("/rf/signin/", "signin")
    op.scan("alice", "brand-user-name")
    op.expect_tone("error")
    assert op.result().startswith("Brand users cannot use the floor screens.")


def test_count_and_quarantine_in_a_plate_and_a_pick_of_another_lot(
    floor: Any, scene: dict[str, Any], bbb: Client, serum: Item, oscar: User, sam: User
) -> None:
    import datetime as dt

    from tests.factories import ctx, place, stock
    from wms.catalog.models import Lot
    from wms.inventory import touches
    from wms.inventory.models import Balance, StockStatus
    from wms.layout import services as layout

    site: Site = scene["site"]
    tent: Item = scene["tent"]
    plate = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode=lpn(7), location=site.staging
    )
    touches.receive(ctx(oscar), item=tent, quantity=6, location=site.staging, container=plate)
    op = signed_in(floor, "plate-tasks")

    op.open("/rf/count/", "count")
    op.scan(lpn(7), "count-plate")
    assert op.result() == f"Plate {lpn(7)} at {site.staging.code}."
    op.scan("NWO-TENT", "count-plate-item")
    op.scan("6", "count-plate-agrees")
    op.expect_tone("ok")

    op.open("/rf/quarantine/", "quarantine")
    for value in (lpn(7), "NWO-TENT", "2"):
        op.scan(value, f"quarantine-{value}")
    op.press("Damaged", "quarantine-plate-damaged")
    op.expect_tone("warn")
    held = Balance.objects.get(item=tent, container=plate, status=StockStatus.QUARANTINE)
    assert held.quantity == 2

    # Serum: lot L1 expires first; the picker takes L2 and says so.
    stock(site, serum, 3, oscar)
    touches.receive(
        ctx(oscar),
        item=serum,
        quantity=3,
        location=site.dock,
        lot_code="L2",
        expiry_date=dt.date(2031, 1, 1),
    )
    later = Lot.objects.get(item=serum, code="L2")
    touches.stow(
        ctx(oscar),
        item=serum,
        lot=later,
        quantity=3,
        from_location=site.dock,
        to_location=site.face1,
    )
    place(bbb, "SH-LOT", [(serum, 1)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    op.open("/rf/pick/", "pick")
    op.scan("P-01", "pick-location")
    op.scan("BBB-SERUM", "pick-item")
    assert op.prompt() == "Scan the lot of BBB-SERUM"
    op.scan("L2", "pick-other-lot")
    op.expect_tone("warn")
    assert op.result() == "Lot L2 instead of L1 (first to expire): recorded with the pick."
    op.scan("", "pick-confirm-count")
    op.scan("T-0003", "pick-tote")
    op.expect_tone("ok")
    assert Touch.objects.get(kind=TouchKind.PICK, item=serum).lot == later
    assert verify().ok
