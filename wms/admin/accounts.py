"""Back office: users, their role, client and badge."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from wms.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "role", "client", "badge", "is_active", "last_login")
    list_filter = ("role", "client", "is_active")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Touchline", {"fields": ("role", "client", "badge")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Touchline", {"fields": ("role", "client", "badge")}),
    )
