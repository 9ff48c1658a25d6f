"""Lexicon changes proposed in the UI: a phrase, pattern or exception to add — or an entry to
retire — that applies only once a second person approves it (four-eyes; the proposer can never
approve their own change, and may withdraw it while it waits)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heed.screening.engine.lexicon import CATEGORY_CODES, GATES, LANGUAGES

CATEGORY_CHOICES = [(code, code) for code in CATEGORY_CODES]
LANGUAGE_CHOICES = [("zh", _("Chinese")), ("en", _("English"))]
GATE_CHOICES = [("", _("Category default")), *((gate, gate) for gate in GATES)]

assert {code for code, _label in LANGUAGE_CHOICES} == set(LANGUAGES)
# A retirement names a shipped pattern as written, and some are over 500 characters.
PHRASE_MAX_LENGTH = 1000


class LexiconChangeQuerySet(models.QuerySet["LexiconChange"]):
    def approved(self) -> LexiconChangeQuerySet:
        return self.filter(status=LexiconChange.Status.APPROVED)

    def pending(self) -> LexiconChangeQuerySet:
        return self.filter(status=LexiconChange.Status.PROPOSED)

    def in_effect_order(self) -> LexiconChangeQuerySet:
        """Approved changes in the order they took effect (a retirement removes what was
        approved before it; a phrase approved after it is live again)."""
        return self.approved().order_by("decided_at", "id")


class LexiconChange(models.Model):
    class Kind(models.TextChoices):
        PHRASE = "phrase", _("Phrase")
        PATTERN = "pattern", _("Pattern")
        EXCEPTION = "exception", _("Exception")

    class Action(models.TextChoices):
        ADD = "add", _("Add")
        RETIRE = "retire", _("Retire")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # "retire": the entry named by kind, language, category and phrase stops taking effect (the
    # file lines and earlier UI additions with those values); the files are not changed.
    action = models.CharField(_("action"), max_length=6, choices=Action.choices, default=Action.ADD)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    phrase = models.CharField(_("phrase"), max_length=PHRASE_MAX_LENGTH)
    # The phrase as the screener matches it (the normalised key of a phrase or an exception, the
    # text of a pattern): one pending change per kind, language and key (a double click, or two
    # officers at once, cannot queue the same change twice). Empty on changes proposed before it
    # existed; the service compares those by their phrase.
    match_key = models.CharField(_("match key"), max_length=1000, blank=True, editable=False)
    # Phrases and patterns: the category they signal. Exceptions: the categories they protect
    # (comma-separated; empty = every category).
    category = models.CharField(_("category"), max_length=3, choices=CATEGORY_CHOICES, blank=True)
    exception_categories = models.CharField(_("protected categories"), max_length=200, blank=True)
    gate = models.CharField(_("gate"), max_length=12, choices=GATE_CHOICES, blank=True)
    confidence = models.FloatField(_("confidence"), default=0.95)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    # A retirement: where the retired lines were when it was proposed ("zh/P3.txt:12", "ui:7").
    retired_source = models.CharField(_("retired lines"), max_length=500, blank=True)
    # A withdrawal by the proposer (not a decision: no second person).
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = LexiconChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("lexicon change")
        verbose_name_plural = _("lexicon changes")
        constraints = [
            models.CheckConstraint(
                name="lexicon_change_four_eyes",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
            ),
            models.CheckConstraint(
                name="lexicon_change_status_known",
                condition=Q(status__in=["proposed", "approved", "rejected", "withdrawn"]),
            ),
            models.CheckConstraint(
                name="lexicon_change_action_known",
                condition=Q(action__in=["add", "retire"]),
            ),
            models.CheckConstraint(
                name="lexicon_change_decision_complete",
                condition=Q(status="proposed", decided_by__isnull=True, withdrawn_at__isnull=True)
                | Q(status="withdrawn", decided_by__isnull=True, withdrawn_at__isnull=False)
                | Q(
                    status__in=["approved", "rejected"],
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                ),
            ),
            # One retirement of an entry waits at a time.
            models.UniqueConstraint(
                fields=["kind", "language", "category", "phrase"],
                condition=Q(action="retire", status="proposed"),
                name="lexicon_change_one_pending_retirement",
            ),
            models.CheckConstraint(
                name="lexicon_change_phrase_has_category",
                condition=Q(kind="exception") | ~Q(category=""),
            ),
            models.UniqueConstraint(
                fields=["kind", "language", "match_key"],
                condition=Q(status="proposed") & ~Q(match_key=""),
                name="lexicon_change_one_pending_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.language}:{self.phrase}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PROPOSED

    @property
    def is_retirement(self) -> bool:
        return self.action == self.Action.RETIRE


class LexiconImpactPreview(models.Model):
    """A computed impact preview of a change (what it would do to the labelled example
    messages), kept per lexicon state — the lexicon's version, content hash and the example
    messages' fingerprint — so a second view is instant and a new approval or file edit
    computes it again. Derived data, not a decision: not audited."""

    change = models.ForeignKey(
        LexiconChange, on_delete=models.CASCADE, related_name="impact_previews"
    )
    lexicon_state = models.CharField(_("lexicon state"), max_length=200)
    impact = models.JSONField(_("impact"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("lexicon impact preview")
        verbose_name_plural = _("lexicon impact previews")
        constraints = [
            models.UniqueConstraint(
                fields=["change", "lexicon_state"], name="lexicon_impact_one_per_state"
            )
        ]

    def __str__(self) -> str:
        return f"impact of change {self.change_id} on {self.lexicon_state}"


TEMPLATE_CHANNEL_CHOICES = [
    ("sms", _("SMS")),
    ("email", _("E-mail")),
    ("letter", _("Letter")),
    ("voicemail", _("Voicemail")),
    ("im", _("IM")),
]
# The task-run kind of a print run (heed.tasks.TaskRun.kind).
LETTER_BATCH_KIND = "screening.letter_batch"

AUDIENCE_CHOICES = [("debtor", _("Debtor")), ("third_party", _("Third party"))]
REGION_CHOICES = [("any", _("Any")), ("CN", "CN"), ("US", "US"), ("UK", "UK")]


class MessageTemplate(models.Model):
    """A message per channel and language; its text lives in versions, and only an approved
    version (approver ≠ author) can be used."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=TEMPLATE_CHANNEL_CHOICES)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    audience = models.CharField(_("audience"), max_length=12, choices=AUDIENCE_CHOICES)
    region = models.CharField(_("region"), max_length=3, choices=REGION_CHOICES, default="any")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return f"{self.code} ({self.channel}, {self.language})"


class TemplateVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETIRED = "retired", _("Replaced")

    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    screening_verdict = models.CharField(_("screening verdict"), max_length=6)
    screening_findings = models.JSONField(_("screening findings"), default=list)
    lexicon_version = models.CharField(_("lexicon version"), max_length=60, blank=True)

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="template_version_unique_number"
            ),
            models.CheckConstraint(
                name="template_version_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("author")),
            ),
            models.CheckConstraint(
                name="template_version_status_known",
                condition=Q(status__in=["draft", "approved", "rejected", "retired"]),
            ),
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(status="approved"),
                name="template_one_approved_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.APPROVED


class OutgoingMessage(models.Model):
    """One attempt to send: what was rendered, what screening and the gateway said, what
    happened. Only ``sent`` messages reached an adapter."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        BLOCKED_CONTENT = "blocked_content", _("Blocked by screening")
        HELD_REVIEW = "held_review", _("Held for review")
        BLOCKED_GATEWAY = "blocked_gateway", _("Refused by the compliance gateway")
        FAILED = "failed", _("Adapter failed")
        REJECTED = "rejected", _("Rejected on review")

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="+")
    contact_point = models.ForeignKey(
        "portfolio.ContactPoint", null=True, on_delete=models.PROTECT, related_name="+"
    )
    template_version = models.ForeignKey(
        TemplateVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=TEMPLATE_CHANNEL_CHOICES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    screening_verdict = models.CharField(_("screening verdict"), max_length=6)
    screening_findings = models.JSONField(_("screening findings"), default=list)
    # The lexicon that screened it (files' VERSION, plus +ui.<count>.<last id> for approved UI
    # changes): a finding's rule can be traced to the entry as it was then.
    lexicon_version = models.CharField(_("lexicon version"), max_length=60, blank=True)
    decision = models.ForeignKey(
        "compliance.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_attempt = models.ForeignKey(
        "collection.ContactAttempt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    adapter = models.CharField(_("adapter"), max_length=40, blank=True)
    adapter_reference = models.CharField(_("adapter reference"), max_length=100, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # A message held for review is released (then sent) or rejected by a second person.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    # The sender's key for one send request (a form's token, an API Idempotency-Key): the same
    # request sent again returns this message instead of sending a second one.
    request_key = models.CharField(_("request key"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.CheckConstraint(
                name="outgoing_sent_has_decision",
                condition=~Q(status="sent") | Q(decision__isnull=False),
            ),
            models.CheckConstraint(
                name="outgoing_rejected_has_reviewer",
                condition=~Q(status="rejected") | Q(reviewed_by__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["sent_by", "request_key"],
                condition=~Q(request_key=""),
                name="outgoing_one_message_per_request_key",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoing_status_idx")]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} {self.status}"
