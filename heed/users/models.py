from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heed.core.roles import Role, has_permission, permissions_for_role

SCOPE_WIDE_ROLES = {
    Role.COMPLIANCE_OFFICER,
    Role.QA_INSPECTOR,
    Role.HR_OFFICER,
    Role.DATA_MANAGER,
    Role.MANAGER,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
}


class TeamQuerySet(models.QuerySet["Team"]):
    def for_user(self, user: Any) -> TeamQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.role in SCOPE_WIDE_ROLES:
            return self.all()
        if user.team_id is not None:
            return self.filter(pk=user.team_id)
        return self.none()


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.ForeignKey(
        "users.User",
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class AgencyQuerySet(models.QuerySet["Agency"]):
    def for_user(self, user: Any) -> AgencyQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.role in SCOPE_WIDE_ROLES:
            return self.all()
        if user.agency_id is not None:
            return self.filter(pk=user.agency_id)
        return self.none()


class Agency(models.Model):
    """An outside collection company that works accounts placed with it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet["User"]):
    def for_user(self, user: Any) -> UserQuerySet:
        """Staff a user may see: wide roles see all; team leads their team; others themselves."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.role in SCOPE_WIDE_ROLES:
            return self.all()
        if user.role == Role.TEAM_LEAD and user.team_id is not None:
            return self.filter(team_id=user.team_id)
        return self.filter(pk=user.pk)


class HeedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True


class User(AbstractUser):
    """A staff member (ours or an agency's). Exactly one of team / agency."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("en", "English"), ("zh-hans", "简体中文")],
        default="en",
    )
    employee_number = models.CharField(_("employee number"), max_length=40, blank=True)

    objects = HeedUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_one_team_or_agency",
                condition=Q(is_superuser=True)
                | Q(team__isnull=False, agency__isnull=True)
                | Q(team__isnull=True, agency__isnull=False),
            ),
            models.CheckConstraint(
                name="user_agency_role_matches_agency",
                condition=Q(is_superuser=True)
                | Q(role="agency_user", agency__isnull=False)
                | (~Q(role="agency_user") & Q(agency__isnull=True)),
            ),
            models.CheckConstraint(
                name="user_role_known",
                condition=Q(role__in=[r.value for r in Role]) | Q(is_superuser=True, role=""),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for_role(self.role)

    def can(self, permission: str) -> bool:
        return has_permission(self, permission)

    @property
    def is_agency_user(self) -> bool:
        return self.agency_id is not None


API_KEY_PREFIX = "heed_"


def hash_api_key(raw: str) -> str:
    # Keys are 256-bit random values, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


def new_api_key_secret() -> tuple[str, str]:
    """Returns (lookup prefix, full key). The full key is shown once and never stored."""
    prefix = secrets.token_hex(4)
    return prefix, f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)

    def for_user(self, user: Any) -> ApiKeyQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if has_permission(user, "apikeys.manage_all"):
            return self.all()
        return self.filter(user_id=user.pk)


class ApiKey(models.Model):
    """A machine client's credential. Acts with its user's permissions; stored hashed."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("rate limit per minute"), null=True, blank=True
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({API_KEY_PREFIX}{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiKeyUsage(models.Model):
    """Requests per key per minute window, shared by every web process (rate limiting)."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "window_start"], name="apikey_usage_window")
        ]
