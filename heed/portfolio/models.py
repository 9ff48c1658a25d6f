"""The ledger: creditors, placements, debtors, contact points, debt accounts, assignments.

Personal data (national ids, phone numbers, e-mails, addresses) is stored only as AES-GCM
ciphertext tokens (see :mod:`heed.portfolio.crypto`), each with a keyed blind index for exact
lookup and a masked form for display. Nothing here ever holds those values in plain text.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heed.core.roles import Role, has_permission


def days_past_due_on(due_date: datetime.date | None, today: datetime.date) -> int:
    """Days the account is late on ``today`` (0 when not yet due or no due date)."""
    if due_date is None:
        return 0
    return max(0, (today - due_date).days)


def bucket_for(days: int) -> str:
    """Delinquency bucket: M0 current, M1 1–30, M2 31–60, M3 61–90, M3+ over 90 days."""
    if days <= 0:
        return "M0"
    if days <= 30:
        return "M1"
    if days <= 60:
        return "M2"
    if days <= 90:
        return "M3"
    return "M3+"


BUCKETS: list[tuple[str, Any]] = [
    ("M0", _("Current")),
    ("M1", "M1"),
    ("M2", "M2"),
    ("M3", "M3"),
    ("M3+", "M3+"),
]


def default_allocation_order() -> list[str]:
    return ["fees", "interest", "principal"]


class Creditor(models.Model):
    """A lender or debt owner that places accounts with us (委托方)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 alpha-2"))
    currency = models.CharField(_("currency"), max_length=3)
    rule_packs = models.JSONField(_("rule packs"), default=list, blank=True)
    allocation_order = models.JSONField(
        _("payment allocation order"), default=default_allocation_order, blank=True
    )
    default_jurisdiction = models.CharField(_("default jurisdiction"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("creditor")
        verbose_name_plural = _("creditors")

    def __str__(self) -> str:
        return self.name


class ColumnMapping(models.Model):
    """A creditor's own file layout: their header → our standard column, plus formats."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("creditor")
    )
    name = models.CharField(_("name"), max_length=100)
    # {"their header": "standard_column"}
    columns = models.JSONField(_("columns"), default=dict)
    date_format = models.CharField(_("date format"), max_length=40, blank=True)
    default_currency = models.CharField(_("default currency"), max_length=3, blank=True)
    default_country = models.CharField(_("default country"), max_length=2, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["creditor", "name"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "name"], name="mapping_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.creditor.code}/{self.name}"


class PlacementQuerySet(models.QuerySet["Placement"]):
    def for_user(self, user: Any) -> PlacementQuerySet:
        if not getattr(user, "is_authenticated", False) or not has_permission(
            user, "portfolio.view"
        ):
            return self.none()
        if has_permission(user, "portfolio.view_all"):
            return self.all()
        if user.agency_id is not None:
            return self.filter(agency_id=user.agency_id)
        if has_permission(user, "portfolio.import"):
            return self.all()
        return self.none()


class Placement(models.Model):
    """A batch of accounts from one creditor (委案批次), usually one imported file."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("placement status", "Pending")
        VALIDATING = "validating", pgettext_lazy("placement status", "Validating")
        VALIDATED = "validated", pgettext_lazy("placement status", "Validated (dry run)")
        IMPORTING = "importing", pgettext_lazy("placement status", "Importing")
        COMPLETED = "completed", pgettext_lazy("placement status", "Completed")
        REJECTED = "rejected", pgettext_lazy("placement status", "Rejected")
        FAILED = "failed", pgettext_lazy("placement status", "Failed")

    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="placements", verbose_name=_("creditor")
    )
    agency = models.ForeignKey(
        "users.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("agency"),
    )
    mapping = models.ForeignKey(
        ColumnMapping,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("column mapping"),
    )
    source_file_name = models.CharField(_("source file"), max_length=255, blank=True)
    source_file = models.CharField(_("stored file path"), max_length=500, blank=True)
    source_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    is_dry_run = models.BooleanField(_("dry run"), default=False)
    reject_on_error = models.BooleanField(_("reject whole file on any error"), default=False)
    task_run = models.ForeignKey(
        "tasks.TaskRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("task run"),
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    rows_created = models.PositiveIntegerField(_("accounts created"), default=0)
    rows_updated = models.PositiveIntegerField(_("accounts updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("accounts unchanged"), default=0)
    contact_points_added = models.PositiveIntegerField(_("contact points added"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self) -> str:
        return f"{self.creditor.code} #{self.pk} {self.source_file_name}"


class PlacementRowError(models.Model):
    """One refused cell of an import: row, column, value (masked for personal data), reason.

    ``reason_code`` + ``params`` let the reason be shown in the reader's language.
    """

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="row_errors", verbose_name=_("placement")
    )
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100)
    value = models.CharField(_("value"), max_length=200, blank=True)
    reason_code = models.CharField(_("reason code"), max_length=50)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["placement", "row_number", "id"]
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")


class DebtorQuerySet(models.QuerySet["Debtor"]):
    def for_user(self, user: Any) -> DebtorQuerySet:
        """Debtors of at least one account the user may see."""
        if not getattr(user, "is_authenticated", False) or not has_permission(
            user, "portfolio.view"
        ):
            return self.none()
        if has_permission(user, "portfolio.view_all"):
            return self.all()
        return self.filter(pk__in=Account.objects.for_user(user).values("debtor_id"))


class Debtor(models.Model):
    """A person who owes. Personal identifiers are ciphertext tokens (see crypto.py)."""

    class IdType(models.TextChoices):
        CN_RESIDENT = "cn_resident", _("Chinese resident identity card")
        US_SSN = "us_ssn", _("US Social Security number")
        OTHER = "other", _("Other")
        NONE = "", _("None")

    full_name = models.CharField(_("full name"), max_length=200)
    national_id = models.TextField(_("national id (encrypted)"), blank=True)
    national_id_index = models.CharField(
        _("national id blind index"), max_length=64, blank=True, db_index=True
    )
    national_id_masked = models.CharField(_("national id (masked)"), max_length=40, blank=True)
    id_type = models.CharField(_("id type"), max_length=20, choices=IdType.choices, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    address = models.TextField(_("address (encrypted)"), blank=True)
    address_masked = models.CharField(_("address (masked)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    timezones = models.JSONField(_("candidate time zones"), default=list, blank=True)
    is_deceased = models.BooleanField(_("deceased"), default=False)
    is_bankrupt = models.BooleanField(_("bankrupt"), default=False)
    is_vulnerable = models.BooleanField(_("vulnerable"), default=False)
    lacks_capacity = models.BooleanField(_("lacks mental capacity"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = DebtorQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")

    def __str__(self) -> str:
        return self.full_name


class ContactPointQuerySet(models.QuerySet["ContactPoint"]):
    def for_user(self, user: Any) -> ContactPointQuerySet:
        if not getattr(user, "is_authenticated", False) or not has_permission(
            user, "portfolio.view"
        ):
            return self.none()
        if has_permission(user, "portfolio.view_all"):
            return self.all()
        return self.filter(debtor_id__in=Account.objects.for_user(user).values("debtor_id"))

    def usable(self) -> ContactPointQuerySet:
        return self.filter(is_valid=True, opted_out=False)


class ContactPoint(models.Model):
    """A phone, e-mail, postal address or IM handle related to a debtor's accounts.

    It may belong to the debtor or to another party (guarantor, emergency contact…); the
    ``provenance`` says where it came from. RULES.md CN-18: numbers harvested from a phone book
    have no provenance value and cannot be stored.
    """

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        POSTAL = "postal", _("Postal address")
        IM = "im", _("IM handle")

    class PartyRole(models.TextChoices):
        DEBTOR = "debtor", _("Debtor")
        GUARANTOR = "guarantor", _("Guarantor")
        CO_OBLIGOR = "co_obligor", _("Co-obligor")
        EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact")
        THIRD_PARTY = "third_party", _("Other third party")

    class Provenance(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        DEBTOR_PROVIDED = "debtor_provided", _("Provided by the debtor")
        DEBTOR_AUTHORISED = "debtor_authorised", _("Authorised by the debtor")
        PUBLIC_SOURCE = "public_source", _("Public source")
        CREDIT_BUREAU = "credit_bureau", _("Credit bureau")

    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="contact_points", verbose_name=_("debtor")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.TextField(_("value (encrypted)"))
    # Indexed by the (value_index, kind, debtor) unique constraint (exact-match search).
    value_index = models.CharField(_("value blind index"), max_length=64)
    value_masked = models.CharField(_("value (masked)"), max_length=200, blank=True)
    phone_region = models.CharField(_("phone region"), max_length=2, blank=True)
    timezones = models.JSONField(_("time zones"), default=list, blank=True)
    party_role = models.CharField(
        _("party role"), max_length=20, choices=PartyRole.choices, default=PartyRole.DEBTOR
    )
    party_name = models.CharField(_("party name"), max_length=200, blank=True)
    relation = models.CharField(_("relation"), max_length=100, blank=True)
    provenance = models.CharField(
        _("provenance"), max_length=20, choices=Provenance.choices, default=Provenance.CONTRACT
    )
    is_valid = models.BooleanField(_("valid"), default=True)
    opted_out = models.BooleanField(_("opted out"), default=False)
    placement = models.ForeignKey(
        Placement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("placement"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        ordering = ["debtor", "party_role", "kind", "id"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.UniqueConstraint(
                fields=["value_index", "kind", "debtor"], name="contactpoint_unique_value"
            ),
            models.CheckConstraint(
                name="contactpoint_provenance_known",
                condition=Q(
                    provenance__in=[
                        "contract",
                        "debtor_provided",
                        "debtor_authorised",
                        "public_source",
                        "credit_bureau",
                    ]
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value_masked}"


class AccountQuerySet(models.QuerySet["Account"]):
    def for_user(self, user: Any) -> AccountQuerySet:
        """Wide roles see all; agency users their agency's; team leads their team's;
        collectors what is assigned to them."""
        if not getattr(user, "is_authenticated", False) or not has_permission(
            user, "portfolio.view"
        ):
            return self.none()
        if has_permission(user, "portfolio.view_all"):
            return self.all()
        if user.agency_id is not None:
            return self.filter(agency_id=user.agency_id)
        if user.role == Role.TEAM_LEAD and user.team_id is not None:
            return self.filter(
                Q(assigned_team_id=user.team_id) | Q(assigned_collector__team_id=user.team_id)
            )
        return self.filter(assigned_collector_id=user.pk)

    def open(self) -> AccountQuerySet:
        return self.exclude(status__in=Account.CLOSED_STATUSES)

    def in_bucket(self, bucket: str, today: datetime.date | None = None) -> AccountQuerySet:
        today = today or timezone.localdate()
        day = datetime.timedelta(days=1)
        if bucket == "M0":
            return self.filter(Q(due_date__isnull=True) | Q(due_date__gte=today))
        bounds = {"M1": (1, 30), "M2": (31, 60), "M3": (61, 90)}
        if bucket == "M3+":
            return self.filter(due_date__lte=today - 91 * day)
        low, high = bounds[bucket]
        return self.filter(due_date__lte=today - low * day, due_date__gte=today - high * day)


class Account(models.Model):
    """One debt. Balances are integer minor units of ``currency``.

    ``status`` changes only through :func:`heed.portfolio.services.account_transition`, which
    follows :data:`TRANSITIONS` and writes an audit event.
    """

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("account status", "New")
        ACTIVE = "active", pgettext_lazy("account status", "Active")
        IN_PLAN = "in_plan", pgettext_lazy("account status", "In plan")
        DISPUTED = "disputed", pgettext_lazy("account status", "Disputed")
        ON_HOLD = "on_hold", pgettext_lazy("account status", "On hold")
        LEGAL = "legal", pgettext_lazy("account status", "Legal")
        PAID = "paid", pgettext_lazy("account status", "Paid")
        SETTLED = "settled", pgettext_lazy("account status", "Settled")
        CLOSED = "closed", pgettext_lazy("account status", "Closed")
        RECALLED = "recalled", pgettext_lazy("account status", "Recalled")
        WRITTEN_OFF = "written_off", pgettext_lazy("account status", "Written off")

    CLOSED_STATUSES = ("paid", "settled", "closed", "recalled", "written_off")

    # The legal transitions: from → allowed targets.
    TRANSITIONS: dict[str, frozenset[str]] = {
        "new": frozenset({"active", "disputed", "on_hold", "closed", "recalled"}),
        "active": frozenset(
            {
                "in_plan",
                "disputed",
                "on_hold",
                "legal",
                "paid",
                "settled",
                "closed",
                "recalled",
                "written_off",
            }
        ),
        "in_plan": frozenset(
            {
                "active",
                "disputed",
                "on_hold",
                "legal",
                "paid",
                "settled",
                "closed",
                "recalled",
                "written_off",
            }
        ),
        "disputed": frozenset(
            {"active", "on_hold", "legal", "closed", "recalled", "written_off", "settled"}
        ),
        "on_hold": frozenset(
            {"active", "disputed", "legal", "closed", "recalled", "written_off", "settled"}
        ),
        "legal": frozenset(
            {"active", "in_plan", "paid", "settled", "closed", "recalled", "written_off"}
        ),
        # A reversed payment may reopen a paid or settled account.
        "paid": frozenset({"active", "closed"}),
        "settled": frozenset({"active", "closed"}),
        "closed": frozenset(),
        "recalled": frozenset(),
        "written_off": frozenset(),
    }

    # Indexed by the (creditor, external_ref) unique constraint.
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("creditor"),
        db_index=False,
    )
    placement = models.ForeignKey(
        Placement, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("placement")
    )
    debtor = models.ForeignKey(
        Debtor, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("debtor")
    )
    external_ref = models.CharField(_("creditor's reference"), max_length=100)
    product = models.CharField(_("product"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    original_amount = models.BigIntegerField(_("original amount"), default=0)
    principal_balance = models.BigIntegerField(_("principal"), default=0)
    interest_balance = models.BigIntegerField(_("interest"), default=0)
    fees_balance = models.BigIntegerField(_("fees"), default=0)
    credit_balance = models.BigIntegerField(_("credit balance"), default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    charge_off_date = models.DateField(_("charge-off date"), null=True, blank=True)
    last_payment_date = models.DateField(_("last payment date"), null=True, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, blank=True)
    time_barred_on = models.DateField(_("time-barred on"), null=True, blank=True)
    litigation_status = models.CharField(_("litigation status"), max_length=40, blank=True)
    # Indexed by account_collector_idx (collector, status).
    assigned_collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_accounts",
        verbose_name=_("collector"),
        db_index=False,
    )
    assigned_team = models.ForeignKey(
        "users.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        verbose_name=_("team"),
    )
    agency = models.ForeignKey(
        "users.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("agency"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_ref"], name="account_unique_ref_per_creditor"
            ),
            models.CheckConstraint(
                name="account_status_known",
                condition=Q(
                    status__in=[
                        "new",
                        "active",
                        "in_plan",
                        "disputed",
                        "on_hold",
                        "legal",
                        "paid",
                        "settled",
                        "closed",
                        "recalled",
                        "written_off",
                    ]
                ),
            ),
            models.CheckConstraint(
                name="account_balances_not_negative",
                condition=Q(principal_balance__gte=0)
                & Q(interest_balance__gte=0)
                & Q(fees_balance__gte=0)
                & Q(credit_balance__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="account_status_idx"),
            models.Index(fields=["due_date"], name="account_due_idx"),
            models.Index(fields=["assigned_collector", "status"], name="account_collector_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id}:{self.external_ref}"

    @property
    def total_balance(self) -> int:
        return self.principal_balance + self.interest_balance + self.fees_balance

    def days_past_due_on(self, today: datetime.date) -> int:
        return days_past_due_on(self.due_date, today)

    @property
    def days_past_due(self) -> int:
        return days_past_due_on(self.due_date, timezone.localdate())

    @property
    def bucket(self) -> str:
        return bucket_for(self.days_past_due)

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    def can_transition_to(self, to_status: str) -> bool:
        return to_status in self.TRANSITIONS.get(self.status, frozenset())


class AssignmentHistory(models.Model):
    """Who held an account when: each assignment, reassignment or recall, with its reason."""

    class Action(models.TextChoices):
        ASSIGN = "assign", _("Assigned")
        REASSIGN = "reassign", _("Reassigned")
        RECALL = "recall", _("Recalled")
        PLACE = "place", _("Placed")

    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="assignment_history",
        verbose_name=_("account"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("collector"),
    )
    team = models.ForeignKey(
        "users.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    agency = models.ForeignKey(
        "users.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agency"),
    )
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("assignment history")
        verbose_name_plural = _("assignment history")
        indexes = [models.Index(fields=["account", "ended_at"], name="assignment_open_idx")]


class DebtorView(models.Model):
    """A staff member opened a debtor's record (who, when, which debtor) — for auditors."""

    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="views", verbose_name=_("debtor")
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("viewer"),
    )
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)
    via = models.CharField(_("via"), max_length=20, default="web")
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        verbose_name = _("debtor record view")
        verbose_name_plural = _("debtor record views")
        indexes = [models.Index(fields=["debtor", "viewed_at"], name="debtorview_idx")]
