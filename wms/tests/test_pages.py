"""Sign-in, the landing page and the back office (Django admin) as their users meet them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client as WebClient

from tests.factories import Site, ctx, gtin
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.inventory import touches
from wms.inventory.models import Touch
from wms.inventory.reconcile import verify
from wms.layout.models import Location


def signed_in(user: User) -> WebClient:
    web = WebClient()
    web.force_login(user)
    return web


def test_sign_in_page_and_a_wrong_password(db: None, oscar: User) -> None:
    web = WebClient()
    assert web.get("/").status_code == 302
    page = web.get("/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    assert b"htmx" not in page.content or b"cdn" not in page.content.lower()

    bad = web.post("/login/", {"username": "oscar", "password": "nope"})
    assert bad.status_code == 200
    assert b"That user name and password do not match" in bad.content

    good = web.post("/login/", {"username": "oscar", "password": "pw-for-tests-only"})
    assert good.status_code == 302
    assert good["Location"] == "/"


def test_landing_page_shows_a_brand_only_its_own(
    site: Site, tent: Item, serum: Item, oscar: User, alice: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=7, location=site.dock)
    staff_view = signed_in(oscar).get("/").content.decode()
    brand_view = signed_in(alice).get("/").content.decode()

    assert "NWO-TENT" in staff_view
    assert "Bluebird Beauty" in staff_view
    assert "NWO-TENT" in brand_view
    assert "Bluebird Beauty" not in brand_view


def test_admin_refuses_a_colliding_barcode_with_the_rule_message(
    ada: User, nwo: Client, tent: Item
) -> None:
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=gtin(77))
    web = signed_in(ada)
    form = {
        "client": nwo.pk,
        "sku": "NWO-COPY",
        "description": "Copy",
        "base_unit": "each",
        "pack_levels-TOTAL_FORMS": "0",
        "pack_levels-INITIAL_FORMS": "0",
        "identifiers-TOTAL_FORMS": "1",
        "identifiers-INITIAL_FORMS": "0",
        "identifiers-0-kind": "gtin",
        "identifiers-0-value": gtin(77).zfill(13),
        "identifiers-0-channel": "",
    }
    response = web.post("/admin/wms/item/add/", form)

    assert response.status_code == 200
    assert "is already UPC / EAN / GTIN of NWO-TENT" in response.content.decode()
    assert not Item.objects.filter(sku="NWO-COPY").exists()

    form["identifiers-0-value"] = gtin(78)
    created = web.post("/admin/wms/item/add/", form)
    assert created.status_code == 302
    copy = Item.objects.get(sku="NWO-COPY")
    assert copy.identifiers.get().normalized == gtin(78).zfill(14)
    assert copy.pack_levels.get().level == "each"


def test_back_office_lists_render_and_the_ledger_is_read_only(
    site: Site, tent: Item, oscar: User, ada: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    web = signed_in(ada)
    for url in (
        "/admin/",
        "/admin/wms/item/",
        f"/admin/wms/item/{tent.pk}/change/",
        "/admin/wms/location/",
        "/admin/wms/touch/",
        "/admin/wms/balance/",
        "/admin/wms/identifier/",
        "/admin/wms/container/",
        "/admin/wms/user/",
        "/admin/wms/load/",
        "/admin/wms/countapproval/",
    ):
        assert web.get(url).status_code == 200, url
    touch = Touch.objects.get()
    assert web.get("/admin/wms/touch/add/").status_code == 403
    assert web.post(f"/admin/wms/touch/{touch.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Touch.objects.filter(pk=touch.pk).exists()


def test_admin_cannot_create_a_virtual_location(ada: User, site: Site) -> None:
    response = signed_in(ada).post(
        "/admin/wms/location/add/",
        {
            "warehouse": site.warehouse.pk,
            "code": "X",
            "barcode": "X",
            "type": "scrap",
            "sequence": 0,
        },
    )
    assert response.status_code == 200
    assert "Virtual locations come with the warehouse" in response.content.decode()
    assert not Location.objects.filter(code="X").exists()


@pytest.mark.slow
def test_seed_demo_loads_through_the_ledger_and_verifies(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("seed_demo")
    call_command("seed_demo")  # a second run leaves the demo alone

    out = capsys.readouterr().out
    assert "Demo loaded: 2 clients, 194 locations, 50 items." in out
    assert "Demo data already loaded" in out
    assert Item.objects.count() == 50
    assert (
        User.objects.filter(
            username__in=["operator", "supervisor", "admin", "northwind", "bluebird"]
        ).count()
        == 5
    )
    assert Touch.objects.filter(kind="receive").count() == 50
    report = verify()
    assert report.ok, report.problems


def test_a_supervisor_reads_the_back_office_but_changes_nothing(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    from tests.factories import place, stock

    sam.is_staff = True
    sam.save()
    stock(site, tent, 3, oscar)
    order = place(tent.client, "SUP-1", [(tent, 1)])
    web = signed_in(sam)
    page = web.get(f"/admin/wms/order/{order.pk}/change/").content.decode()
    assert "Ship complete from TST1" in page  # the allocation decision, inline
    assert "Imported from shopify." in page  # the history, inline
    assert "NWO-TENT" in page  # the lines
    assert web.get("/admin/wms/touch/").status_code == 200
    assert web.get(f"/admin/wms/item/{tent.pk}/change/").status_code == 200
    response = web.post(f"/admin/wms/item/{tent.pk}/change/", {"description": "renamed"})
    assert response.status_code == 403
    assert web.get("/admin/wms/authoritypolicy/add/").status_code == 403
    operator = signed_in(oscar)
    assert operator.get("/admin/").status_code == 302  # not staff: the sign-in page


def test_the_landing_page_shows_a_supervisor_what_needs_acting_on(
    site: Site, tent: Item, oscar: User, sam: User, alice: User
) -> None:
    import datetime as dt

    from django.utils import timezone

    from tests.factories import place, stock
    from wms.inventory import touches

    stock(site, tent, 2, oscar)
    place(tent.client, "RUSH-1", [(tent, 2)], ship_by=timezone.now() + dt.timedelta(minutes=30))
    touches.quarantine(ctx(oscar), item=tent, quantity=1, location=site.face1, reason_code="WET")

    page = signed_in(sam).get("/").content.decode()
    assert "At risk of missing their cutoff" in page and "RUSH-1" in page
    assert "Promised stock that is not there" in page and "NWO-TENT" in page
    assert (
        "At risk of missing" not in signed_in(alice).get("/").content.decode()
    )  # a brand sees its own only
