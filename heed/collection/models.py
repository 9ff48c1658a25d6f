"""Contact attempts: every call, message, letter or visit, with the gateway decision behind it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContactAttemptQuerySet(models.QuerySet["ContactAttempt"]):
    def for_user(self, user: Any) -> ContactAttemptQuerySet:
        """Contacts on accounts the user may see; compliance roles see all."""
        from heed.core.roles import has_permission
        from heed.portfolio.models import Account

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if has_permission(user, "compliance.view"):
            return self.all()
        return self.filter(account_id__in=Account.objects.for_user(user).values("pk"))

    def unchecked(self) -> ContactAttemptQuerySet:
        return self.exclude(check_status__in=["checked", "inbound"])


class ContactAttempt(models.Model):
    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Field visit")
        IM = "im", _("IM")
        AI_VOICE = "ai_voice", _("AI voice")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Initiator(models.TextChoices):
        COLLECTOR = "collector", _("Collector")
        DIALER = "dialer", _("Dialer")
        AI = "ai", _("AI")
        DEBTOR = "debtor", _("Debtor")

    class Outcome(models.TextChoices):
        CONVERSATION = "conversation", _("Conversation")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Voicemail")
        BUSY = "busy", _("Busy")
        FAILED = "failed", _("Failed (not connected)")
        THIRD_PARTY_ANSWERED = "third_party_answered", _("Third party answered")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        REFUSED = "refused", _("Refused")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")

    class Check(models.TextChoices):
        CHECKED = "checked", _("Allowed by the gateway")
        UNCHECKED = "unchecked", _("Unchecked — no gateway decision")
        REFUSED = "refused", _("Made although the gateway refused")
        MISMATCH = "mismatch", _("Decision does not match the contact")
        INBOUND = "inbound", _("Inbound — no check needed")

    account = models.ForeignKey(
        "portfolio.Account",
        on_delete=models.PROTECT,
        related_name="contact_attempts",
        verbose_name=_("account"),
    )
    debtor = models.ForeignKey(
        "portfolio.Debtor",
        on_delete=models.PROTECT,
        related_name="contact_attempts",
        verbose_name=_("debtor"),
    )
    contact_point = models.ForeignKey(
        "portfolio.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_attempts",
        verbose_name=_("contact point"),
    )
    party_role = models.CharField(_("party"), max_length=20, default="debtor")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    initiator = models.CharField(
        _("initiator"), max_length=10, choices=Initiator.choices, default=Initiator.COLLECTOR
    )
    purpose = models.CharField(_("purpose"), max_length=12, default="collect")
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_attempts",
        verbose_name=_("collector"),
    )
    agency = models.ForeignKey(
        "users.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agency"),
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices)
    debts_discussed = models.JSONField(_("debts discussed"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    content = models.TextField(_("message text or transcript (encrypted)"), blank=True)
    with_consent = models.BooleanField(_("with direct prior consent"), default=False)
    decision = models.OneToOneField(
        "compliance.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_attempt",
        verbose_name=_("gateway decision"),
    )
    check_status = models.CharField(
        _("compliance check"), max_length=10, choices=Check.choices, default=Check.UNCHECKED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ContactAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        indexes = [
            models.Index(fields=["debtor", "started_at"], name="attempt_debtor_idx"),
            models.Index(fields=["account", "started_at"], name="attempt_account_idx"),
            models.Index(fields=["started_at"], name="attempt_started_idx"),
            models.Index(
                fields=["created_at"],
                name="attempt_unchecked_idx",
                condition=~Q(check_status="checked") & ~Q(check_status="inbound"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="attempt_ends_after_start",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
            ),
            models.CheckConstraint(
                name="attempt_checked_has_decision",
                condition=~Q(check_status="checked") | Q(decision__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_unchecked(self) -> bool:
        return self.check_status not in (self.Check.CHECKED, self.Check.INBOUND)
