"""The few plain pages of the back office: sign-in and the landing page."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from wms.accounts.models import User
from wms.api.permissions import scope
from wms.catalog.models import Client, Item
from wms.inventory.models import Balance, Touch
from wms.layout.models import Warehouse
from wms.orders import services as order_services


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    clients = Client.objects.all()
    balances = Balance.objects.filter(is_virtual=False)
    touches = Touch.objects.all()
    items = Item.objects.all()
    if user.is_client_user:
        clients = scope(clients, user, "pk")
        balances = scope(balances, user)
        touches = scope(touches, user)
        items = scope(items, user)
    context = {
        "clients": clients.annotate(n_items=Count("items")),
        "warehouses": Warehouse.objects.all(),
        "on_hand": balances.aggregate(total=Sum("quantity"))["total"] or 0,
        "n_items": items.count(),
        "recent": touches.select_related("item", "actor", "from_location", "to_location").order_by(
            "-pk"
        )[:15],
    }
    if not user.is_client_user:
        # What needs a supervisor now: orders about to miss their cutoff, promises without stock.
        context["at_risk"] = order_services.at_risk(within=dt.timedelta(hours=2))[:20]
        context["oversold"] = order_services.oversold()[:20]
    return render(request, "home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
