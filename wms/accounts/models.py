from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "Floor operator"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"
    CLIENT_USER = "client_user", "Client (brand) user"


# Warehouse roles are ranked: a supervisor may do what an operator does, an admin what a supervisor
# does. A client user is outside the ranking: read-only, and only its own client's data.
_RANK = {Role.CLIENT_USER: 0, Role.OPERATOR: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OPERATOR)
    client = models.ForeignKey(
        "wms.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="Required for client users: the only client whose data they can see.",
    )
    badge = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="Badge barcode for RF sign-in."
    )
    pin_hash = models.CharField(max_length=128, blank=True)

    class Meta:
        db_table = "wms_user"
        constraints = [
            models.CheckConstraint(
                name="client_user_has_client",
                condition=~models.Q(role="client_user") | models.Q(client__isnull=False),
            ),
            # The back office shows every client: a brand's user must never reach it.
            models.CheckConstraint(
                name="client_user_not_staff",
                condition=~models.Q(role="client_user")
                | models.Q(is_staff=False, is_superuser=False),
            ),
        ]

    @property
    def is_client_user(self) -> bool:
        return self.role == Role.CLIENT_USER

    def has_role(self, role: Role) -> bool:
        """True when this user may act as `role` (ranked; client users never act as staff)."""
        if self.is_client_user:
            return role == Role.CLIENT_USER
        return _RANK[Role(self.role)] >= _RANK[role]

    def set_pin(self, pin: str) -> None:
        self.pin_hash = make_password(pin)

    def check_pin(self, pin: str) -> bool:
        return bool(self.pin_hash) and check_password(pin, self.pin_hash)
