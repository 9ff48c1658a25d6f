"""Rule-pack versions, holds, contact preferences and the gateway's stored decisions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PackVersion(models.Model):
    """One version of a rule pack's content. Activation needs a second person (four-eyes)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft — awaiting approval")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected")

    code = models.CharField(_("pack"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    note = models.TextField(_("why this version"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
        help_text=_("Empty when the version was loaded from the shipped pack file."),
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approver"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("rule pack version")
        verbose_name_plural = _("rule pack versions")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="packversion_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="active"), name="packversion_one_active"
            ),
            models.CheckConstraint(
                name="packversion_four_eyes",
                condition=Q(author__isnull=True)
                | Q(approver__isnull=True)
                | ~Q(approver=F("author")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}@{self.version}"

    @property
    def label(self) -> str:
        return f"{self.code}@{self.version}"


class HoldQuerySet(models.QuerySet["Hold"]):
    def active_at(self, moment: Any) -> HoldQuerySet:
        return self.filter(released_at__isnull=True).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=moment)
        )


class Hold(models.Model):
    """Collection paused on an account or on a person; each pack says what a kind blocks."""

    class Kind(models.TextChoices):
        DISPUTE = "dispute", _("Dispute")
        CEASE = "cease", _("Cease communication")
        BANKRUPTCY = "bankruptcy", _("Bankruptcy")
        DECEASED = "deceased", _("Deceased")
        ATTORNEY = "attorney", _("Attorney representation")
        BREATHING_SPACE = "breathing_space", _("Breathing Space")
        LACKS_CAPACITY = "lacks_capacity", _("Lacks mental capacity")
        COMPLAINT = "complaint", _("Open complaint")

    debtor = models.ForeignKey(
        "portfolio.Debtor", on_delete=models.CASCADE, related_name="holds", verbose_name=_("debtor")
    )
    account = models.ForeignKey(
        "portfolio.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holds",
        verbose_name=_("account"),
        help_text=_("Empty: the hold covers the person and every account."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released by"),
    )
    release_reason = models.TextField(_("release reason"), blank=True)

    objects = HoldQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        indexes = [models.Index(fields=["debtor", "released_at"], name="hold_debtor_idx")]
        constraints = [
            models.CheckConstraint(
                name="hold_ends_after_start",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class PreferenceQuerySet(models.QuerySet["ContactPreference"]):
    def current(self) -> PreferenceQuerySet:
        return self.filter(revoked_at__isnull=True)


class ContactPreference(models.Model):
    """A person's contact preference or consent, with evidence: opt-outs, blocked hours,
    a documented agreement to other hours (CN-01), language, third-party do-not-contact
    (CN-08), direct consent to a call (US-06, valid 7 days)."""

    class Kind(models.TextChoices):
        OPT_OUT_CHANNEL = "opt_out_channel", _("Opt-out of a channel")
        OPT_OUT_POINT = "opt_out_point", _("Opt-out of a number or address")
        BLOCKED_TIME = "blocked_time", _("Blocked time range")
        AGREED_TIME = "agreed_time", _("Agreed other hours")
        LANGUAGE = "language", _("Preferred language")
        THIRD_PARTY_DNC = "third_party_dnc", _("Third party: do not contact")
        CONSENT = "consent", _("Direct consent to be called")

    debtor = models.ForeignKey(
        "portfolio.Debtor",
        on_delete=models.CASCADE,
        related_name="contact_preferences",
        verbose_name=_("debtor"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    contact_point = models.ForeignKey(
        "portfolio.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contact point"),
    )
    start_time = models.TimeField(_("from (local time)"), null=True, blank=True)
    end_time = models.TimeField(_("until (local time)"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")
        indexes = [models.Index(fields=["debtor", "revoked_at"], name="preference_debtor_idx")]
        constraints = [
            models.CheckConstraint(
                name="preference_times_together",
                condition=Q(
                    kind__in=["blocked_time", "agreed_time"],
                    start_time__isnull=False,
                    end_time__isnull=False,
                )
                | ~Q(kind__in=["blocked_time", "agreed_time"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class DecisionQuerySet(models.QuerySet["Decision"]):
    def for_user(self, user: Any) -> DecisionQuerySet:
        """Compliance roles see every decision; others the decisions on accounts they see."""
        from heed.core.roles import has_permission
        from heed.portfolio.models import Account

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if has_permission(user, "compliance.view"):
            return self.all()
        return self.filter(account_id__in=Account.objects.for_user(user).values("pk"))


class Decision(models.Model):
    """What the gateway answered: allowed or not, why, when next, which pack versions."""

    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("asked by"),
    )
    # No single-column index: ``decision_account_idx`` (account, created_at) serves every lookup
    # by account, and each index is one more page written (and checkpointed) per preflight.
    account = models.ForeignKey(
        "portfolio.Account",
        on_delete=models.CASCADE,
        related_name="gateway_decisions",
        verbose_name=_("account"),
        db_index=False,
    )
    contact_point = models.ForeignKey(
        "portfolio.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact point"),
    )
    channel = models.CharField(_("channel"), max_length=10)
    party = models.CharField(_("party"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=12, default="collect")
    proposed_at = models.DateTimeField(_("for the time"))
    allowed = models.BooleanField(_("allowed"))
    reasons = models.JSONField(_("reasons"), default=list)
    # ",CN-01,US-04," — the rules that refused or warned, for filtering on every database.
    rules = models.CharField(_("rules"), max_length=300, blank=True)
    next_allowed_at = models.DateTimeField(_("next allowed at"), null=True, blank=True)
    counters = models.JSONField(_("counters"), default=dict)
    pack_versions = models.JSONField(_("pack versions"), default=list)
    timezones = models.JSONField(_("time zones"), default=list)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("gateway decision")
        verbose_name_plural = _("gateway decisions")
        indexes = [models.Index(fields=["account", "created_at"], name="decision_account_idx")]

    def __str__(self) -> str:
        return f"decision #{self.pk}"


class ContactFacts(models.Model):
    """What bulk "contactable now" needs of an account and one of its candidate points, kept
    as one row (derived data: :mod:`heed.compliance.facts` rebuilds it, never edit it).

    One row per account and each of its debtor's valid points of the debtor's own (any kind):
    the ids, the point's kind and the profile key ``heed.compliance.bulk`` decodes — creditor,
    jurisdiction, the debtor's zones and country, the point's zones and provenance, and the
    flags. Reading it replaces joining accounts, debtors and points for every account, which
    was most of the pass's time. Database triggers mark every person whose account, debtor or
    point rows change (:class:`ContactFactsDirty`); the pass refreshes those first.
    """

    account_id = models.BigIntegerField(_("account"))
    debtor_id = models.BigIntegerField(_("debtor"), db_index=True)
    point_id = models.BigIntegerField(_("contact point"))
    kind = models.CharField(_("kind"), max_length=10)
    key = models.TextField(_("profile key"), null=True)

    class Meta:
        verbose_name = _("contact facts")
        verbose_name_plural = _("contact facts")
        constraints = [
            # A person's rows are rebuilt by one refresh at a time; a second copy is an error.
            models.UniqueConstraint(
                fields=["account_id", "point_id"], name="contactfacts_one_row_per_point"
            )
        ]
        indexes = [
            # Covering, grouped by kind and key: the pass reads only this index.
            models.Index(
                fields=["kind", "key", "account_id", "debtor_id", "point_id"],
                name="contactfacts_key_idx",
            )
        ]

    def __str__(self) -> str:
        return f"facts of account {self.account_id} / point {self.point_id}"


class RowIdKey(models.BigIntegerField):
    """A 64-bit integer primary key that SQLite keeps as the table's row id (one B-tree, no
    AUTOINCREMENT bookkeeping): cheap to insert from a trigger on every imported row."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class ContactFactsDirty(models.Model):
    """A person whose contact facts must be rebuilt, once however many changes: written by
    database triggers on the account, debtor and contact point tables (migration ``0005``,
    insert-or-ignore), consumed by :func:`heed.compliance.facts.refresh`."""

    debtor_id = RowIdKey(_("debtor"), primary_key=True)

    class Meta:
        verbose_name = _("contact facts to rebuild")
        verbose_name_plural = _("contact facts to rebuild")

    def __str__(self) -> str:
        return f"rebuild facts of debtor {self.debtor_id}"


class ContactFactsWatermark(models.Model):
    """SQLite: the highest account and contact point ids the contact facts have seen (rows
    above it are new; deleting a row lowers it below the row's id, so a reused id is new too).
    On SQLite this replaces insert triggers, whose per-row statement journal halved the speed
    of a placement import; PostgreSQL marks inserts with triggers and does not use it."""

    name = models.CharField(_("table"), max_length=20, primary_key=True)
    seen = models.BigIntegerField(_("highest id seen"), default=0)

    class Meta:
        verbose_name = _("contact facts watermark")
        verbose_name_plural = _("contact facts watermarks")

    def __str__(self) -> str:
        return f"{self.name}: {self.seen}"
