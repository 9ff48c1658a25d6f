"""Money: promises to pay, payment plans and installments, settlements, payments and reversals.

Amounts are integer minor units of the account's currency. Rows change only through
:mod:`heed.payments.services`, which locks the account row first and writes an audit event.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heed.core.roles import has_permission


def _scoped_by_account(queryset: Any, user: Any) -> Any:
    """Rows whose account the user may see (the account's own scoping rules)."""
    from heed.portfolio.models import Account

    if not getattr(user, "is_authenticated", False) or not has_permission(user, "portfolio.view"):
        return queryset.none()
    if has_permission(user, "portfolio.view_all"):
        return queryset.all()
    return queryset.filter(account_id__in=Account.objects.for_user(user).values("pk"))


class CreditorPaymentPolicy(models.Model):
    """Per-creditor limits for promises, plans and settlements (one row per creditor; a creditor
    without one uses these field defaults)."""

    creditor = models.OneToOneField(
        "portfolio.Creditor",
        on_delete=models.CASCADE,
        related_name="payment_policy",
        verbose_name=_("creditor"),
    )
    promise_min_amount = models.BigIntegerField(_("minimum promise (minor units)"), default=0)
    promise_min_share_bps = models.PositiveIntegerField(
        _("minimum promise as share of balance (basis points)"), default=0
    )
    promise_max_days_ahead = models.PositiveIntegerField(
        _("latest promise date (days ahead)"), default=30
    )
    promise_max_open = models.PositiveIntegerField(_("most open promises per account"), default=1)
    promise_grace_days = models.PositiveIntegerField(_("promise grace days"), default=2)
    plan_collector_max_installments = models.PositiveIntegerField(
        _("installments a collector may offer"), default=6
    )
    plan_team_lead_max_installments = models.PositiveIntegerField(
        _("installments a team lead may offer"), default=12
    )
    plan_manager_max_installments = models.PositiveIntegerField(
        _("installments a manager may offer"), default=36
    )
    plan_grace_days = models.PositiveIntegerField(_("installment grace days"), default=3)
    plan_default_after_missed = models.PositiveIntegerField(
        _("plan defaults after this many missed installments"), default=2
    )
    settlement_self_approve_bps = models.PositiveIntegerField(
        _("settlement discount needing no approval (basis points)"), default=1_000
    )
    settlement_team_lead_bps = models.PositiveIntegerField(
        _("settlement discount a team lead may approve (basis points)"), default=3_000
    )
    settlement_manager_bps = models.PositiveIntegerField(
        _("settlement discount a manager may approve (basis points)"), default=5_000
    )
    settlement_max_days = models.PositiveIntegerField(
        _("longest settlement offer (days)"), default=30
    )
    agency_commission_bps = models.PositiveIntegerField(
        _("agency share of net collections (basis points)"), default=2_000
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("creditor payment policy")
        verbose_name_plural = _("creditor payment policies")
        constraints = [
            models.CheckConstraint(
                name="policy_settlement_thresholds_ordered",
                condition=Q(settlement_self_approve_bps__lte=F("settlement_team_lead_bps"))
                & Q(settlement_team_lead_bps__lte=F("settlement_manager_bps"))
                & Q(settlement_manager_bps__lte=10_000),
            ),
            models.CheckConstraint(
                name="policy_promise_min_not_negative", condition=Q(promise_min_amount__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"policy {self.creditor_id}"


class ScopedQuerySet(models.QuerySet[Any]):
    def for_user(self, user: Any) -> Any:
        return _scoped_by_account(self, user)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Field visit")
    LETTER = "letter", _("Letter")
    PORTAL = "portal", _("Debtor portal")
    OTHER = "other", _("Other")


class PromiseToPay(models.Model):
    """A debtor's promise to pay an amount by a date (承诺还款)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    # The legal status changes (a reversal may reopen a kept promise).
    TRANSITIONS: dict[str, frozenset[str]] = {
        "open": frozenset({"kept", "broken", "cancelled"}),
        "kept": frozenset({"open", "broken"}),
        "broken": frozenset(),
        "cancelled": frozenset(),
    }

    account = models.ForeignKey(
        "portfolio.Account",
        on_delete=models.CASCADE,
        related_name="promises",
        verbose_name=_("account"),
    )
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    due_date = models.DateField(_("promised date"))
    grace_days = models.PositiveIntegerField(_("grace days"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    paid_amount = models.BigIntegerField(_("paid towards it"), default=0)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("taken by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(name="promise_amount_positive", condition=Q(amount__gt=0)),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="promise_status_due_idx")]

    def __str__(self) -> str:
        return f"PTP {self.pk} {self.amount} {self.currency} by {self.due_date}"


class PaymentPlan(models.Model):
    """A schedule of installments agreed with the debtor (分期还款计划)."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        DEFAULTED = "defaulted", _("Defaulted")
        RESTRUCTURED = "restructured", _("Restructured")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = ("pending_approval", "active")
    # The legal status changes (a reversal may reopen a completed plan).
    TRANSITIONS: dict[str, frozenset[str]] = {
        "pending_approval": frozenset({"active", "rejected", "restructured", "cancelled"}),
        "active": frozenset({"completed", "defaulted", "restructured", "cancelled"}),
        "completed": frozenset({"active"}),
        "defaulted": frozenset(),
        "restructured": frozenset(),
        "rejected": frozenset(),
        "cancelled": frozenset(),
    }

    account = models.ForeignKey(
        "portfolio.Account",
        on_delete=models.CASCADE,
        related_name="payment_plans",
        verbose_name=_("account"),
    )
    total_amount = models.BigIntegerField(_("total"))
    currency = models.CharField(_("currency"), max_length=3)
    frequency = models.CharField(
        _("frequency"),
        max_length=12,
        choices=[
            ("weekly", _("Weekly")),
            ("fortnightly", _("Fortnightly")),
            ("monthly", _("Monthly")),
        ],
    )
    first_date = models.DateField(_("first installment"))
    installment_count = models.PositiveIntegerField(_("installments"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    grace_days = models.PositiveIntegerField(_("grace days"))
    default_after_missed = models.PositiveIntegerField(_("defaults after missed"))
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("decision reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        constraints = [
            models.CheckConstraint(name="plan_total_positive", condition=Q(total_amount__gt=0)),
            # One open plan per account at a time.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=["pending_approval", "active"]),
                name="plan_one_open_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.status})"


class Installment(models.Model):
    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.CASCADE, related_name="installments", verbose_name=_("plan")
    )
    number = models.PositiveIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount = models.BigIntegerField(_("amount"))
    paid_amount = models.BigIntegerField(_("paid"), default=0)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="installment_unique_number"),
            models.CheckConstraint(
                name="installment_paid_within_amount",
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.number}"

    @property
    def is_paid(self) -> bool:
        return self.paid_amount >= self.amount


class Settlement(models.Model):
    """An offer to close the account for less than the balance (减免结清)."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved — awaiting payment")
        COMPLETED = "completed", _("Paid — account settled")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = ("pending_approval", "approved")
    # The legal status changes (a reversal may reopen a completed settlement).
    TRANSITIONS: dict[str, frozenset[str]] = {
        "pending_approval": frozenset({"approved", "rejected", "expired", "cancelled"}),
        "approved": frozenset({"completed", "expired", "cancelled"}),
        "completed": frozenset({"approved", "expired"}),
        "rejected": frozenset(),
        "expired": frozenset(),
        "cancelled": frozenset(),
    }

    account = models.ForeignKey(
        "portfolio.Account",
        on_delete=models.CASCADE,
        related_name="settlements",
        verbose_name=_("account"),
    )
    amount = models.BigIntegerField(_("settlement amount"))
    currency = models.CharField(_("currency"), max_length=3)
    balance_at_offer = models.BigIntegerField(_("balance at offer"))
    discount_bps = models.PositiveIntegerField(_("discount (basis points)"))
    required_approval = models.CharField(_("approval needed"), max_length=12)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    expires_on = models.DateField(_("expires on"))
    paid_amount = models.BigIntegerField(_("paid towards it"), default=0)
    written_off_fees = models.BigIntegerField(_("fees written off"), default=0)
    written_off_interest = models.BigIntegerField(_("interest written off"), default=0)
    written_off_principal = models.BigIntegerField(_("principal written off"), default=0)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("decision reason"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.CheckConstraint(name="settlement_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="settlement_four_eyes",
                condition=Q(approved_by__isnull=True)
                | Q(proposed_by__isnull=True)
                | ~Q(approved_by=F("proposed_by"))
                | Q(required_approval="none"),
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=["pending_approval", "approved"]),
                name="settlement_one_open_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"settlement {self.pk} ({self.status})"

    @property
    def written_off_total(self) -> int:
        return self.written_off_fees + self.written_off_interest + self.written_off_principal


class Payment(models.Model):
    """Money received for an account, with how it was allocated and who held the account."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card")
        DIRECT_DEBIT = "direct_debit", _("Direct debit")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        STAFF = "staff", _("Recorded by staff")
        API = "api", _("Payment processor (API)")
        PORTAL = "portal", _("Debtor portal")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    TRANSITIONS: dict[str, frozenset[str]] = {
        "posted": frozenset({"reversed"}),
        "reversed": frozenset(),
    }

    class ReversalReason(models.TextChoices):
        BOUNCED = "bounced", _("Bounced / returned")
        CHARGEBACK = "chargeback", _("Charged back")
        ERROR = "error", _("Posting error")
        OTHER = "other", _("Other")

    account = models.ForeignKey(
        "portfolio.Account",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("account"),
    )
    creditor = models.ForeignKey(
        "portfolio.Creditor",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("creditor"),
    )
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    received_at = models.DateTimeField(_("received at"))
    external_ref = models.CharField(_("processor reference"), max_length=100, blank=True)
    allocated_fees = models.BigIntegerField(_("to fees"))
    allocated_interest = models.BigIntegerField(_("to interest"))
    allocated_principal = models.BigIntegerField(_("to principal"))
    allocated_credit = models.BigIntegerField(_("held as credit"))
    # Who held the account when it was paid (incentives and agency remittance need this).
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collected_payments",
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
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agency"),
    )
    settlement = models.ForeignKey(
        Settlement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
        verbose_name=_("counts towards settlement"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.POSTED
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reversed by"),
    )
    reversal_reason_code = models.CharField(
        _("reversal reason"), max_length=12, choices=ReversalReason.choices, blank=True
    )
    reversal_note = models.CharField(_("reversal note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="payment_allocations_sum_to_amount",
                condition=Q(
                    amount=F("allocated_fees")
                    + F("allocated_interest")
                    + F("allocated_principal")
                    + F("allocated_credit")
                ),
            ),
            models.CheckConstraint(
                name="payment_allocations_not_negative",
                condition=Q(allocated_fees__gte=0)
                & Q(allocated_interest__gte=0)
                & Q(allocated_principal__gte=0)
                & Q(allocated_credit__gte=0),
            ),
            models.CheckConstraint(
                name="payment_reversal_consistent",
                condition=Q(status="posted", reversed_at__isnull=True)
                | Q(status="reversed", reversed_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["creditor", "received_at"], name="payment_creditor_recv_idx"),
            models.Index(fields=["account", "received_at"], name="payment_account_recv_idx"),
            models.Index(fields=["creditor", "reversed_at"], name="payment_creditor_rev_idx"),
            models.Index(fields=["collector", "received_at"], name="payment_collector_recv_idx"),
        ]

    def __str__(self) -> str:
        return f"payment {self.pk} {self.amount} {self.currency}"

    @property
    def applied_amount(self) -> int:
        return self.allocated_fees + self.allocated_interest + self.allocated_principal

    @property
    def is_reversed(self) -> bool:
        return self.status == self.Status.REVERSED


class InstallmentPayment(models.Model):
    """How much of a payment went to which installment, so a reversal can undo it exactly."""

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="installment_shares"
    )
    installment = models.ForeignKey(
        Installment, on_delete=models.CASCADE, related_name="payment_shares"
    )
    amount = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(name="installment_payment_positive", condition=Q(amount__gt=0)),
            models.UniqueConstraint(
                fields=["payment", "installment"], name="installment_payment_unique"
            ),
        ]


class IdempotencyKey(models.Model):
    """One API request that created a payment, keyed by the caller's ``Idempotency-Key``.

    The unique constraint — not a check-then-insert — decides which of two concurrent requests
    with the same key creates the payment; the other waits for it and replays its response.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.SET_NULL, related_name="+")
    response_status = models.PositiveSmallIntegerField(default=201)
    # Text, not JSON: PostgreSQL's jsonb reorders keys, and a replay must be byte-for-byte equal.
    response_body = models.TextField(default="{}")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_unique_owner_key")
        ]
