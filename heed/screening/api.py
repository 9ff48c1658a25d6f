"""Screening API: ``POST /api/v1/screening/check``, message templates (four-eyes), sending a
message on an account, and batch letter runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema
from pydantic import ConfigDict, Field, StrictInt

from heed.api.permissions import require
from heed.api.schemas import ErrorOut
from heed.core.errors import ApplicationError, NotFound
from heed.core.roles import has_permission
from heed.screening import selectors, services
from heed.screening.lexicon_entries import LexiconFilter
from heed.screening.lexicon_entries import lexicon_rows as lexicon_entries_select
from heed.screening.models import MessageTemplate, TemplateVersion

router = Router(tags=["screening"])

# The header a client retries with (heed.screening.services.request_key_checked).
IDEMPOTENCY_KEY = "Idempotency-Key"

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class CheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=services.MAX_TEXT_LENGTH)
    language: Literal["zh", "en"] | None = None
    channel: Literal["sms", "email", "letter", "call", "voicemail", "im", "other"] | None = None
    account: StrictInt | None = Field(
        default=None, description="Account id: decides gated categories"
    )
    contact_point: StrictInt | None = Field(
        default=None,
        description="Contact point id (of the account's debtor; needs account and a message "
        "channel: sms, email, letter, voicemail, im): the text is screened as sending it there "
        "would, run on after the last messages sent to it on that channel in the last "
        f"{services.CONVERSATION_WINDOW_MINUTES} minutes",
    )


class FindingOut(Schema):
    category: str
    start: int = Field(description="Offset in the original text (Python string index)")
    end: int
    match: str
    rule: str
    confidence: float
    arises_with: list[datetime] | None = Field(
        default=None,
        description="With contact_point: when the earlier messages this finding arises with "
        "(read on after them) were sent; absent when the text alone has it",
    )


class CheckOut(Schema):
    verdict: Literal["block", "review", "pass"]
    findings: list[FindingOut]
    lexicon_version: str = Field(
        description="The lexicon that screened the text (files' VERSION, plus "
        "+ui.<count>.<last id> when approved UI changes apply)"
    )


@router.post("/screening/check", response={200: CheckOut, **ERRORS}, exclude_none=True)
def screening_check(request: HttpRequest, payload: CheckIn) -> dict[str, Any]:
    """Screen a text before it is sent. ``block``: an always-prohibited category (or a gated
    statement the account's facts make false); ``review``: a gated category without an account,
    or a low-confidence hit; ``pass`` otherwise. Spans index the text as sent. With
    ``contact_point`` the text is screened as sending it there would decide, with the messages
    just sent there (a threat split over two texts); a finding that arises read on after them
    has ``arises_with``."""
    require(request, "screening.check")
    screened = services.check_screen(
        actor=request.user,
        text=payload.text,
        language=payload.language,
        channel=payload.channel,
        account_id=payload.account,
        contact_point_id=payload.contact_point,
    )
    checked = screened.result.as_dict()
    for finding, times in zip(checked["findings"], screened.arises_with, strict=True):
        if times:
            finding["arises_with"] = list(times)
    return checked


# --- The lexicon (read) --------------------------------------------------------------------------


class LexiconChangeRefOut(Schema):
    id: int
    proposed_by: str
    approved_by: str | None
    approved_at: datetime | None
    reason: str


class LexiconEntryOut(Schema):
    kind: Literal["phrase", "pattern", "exception", "context"]
    language: str
    phrase: str = Field(description="The phrase or pattern; a context rule's markers, ' | '-joined")
    category: str = Field(description="Phrases and patterns: the category they signal")
    categories: list[str] = Field(
        description="Exceptions: the categories they protect (empty: all); context rules: theirs"
    )
    gate: str = Field(description="As written ('': the category's default)")
    effective_gate: str
    confidence: float | None
    options: list[str]
    rule_id: str
    state: Literal["live", "retired"]
    origin: Literal["file", "ui"]
    source: str = Field(description="'zh/P3.txt:12', 'exceptions.txt:4', 'context.tsv:9', 'ui:7'")
    file: str
    line: int | None
    change: LexiconChangeRefOut | None = Field(description="A UI addition: its approved change")
    retired_by: LexiconChangeRefOut | None = Field(description="Retired: the approved retirement")


LEXICON_LIMIT = 1000


@router.get("/screening/lexicon", response={200: list[LexiconEntryOut], **ERRORS})
def lexicon_entries(
    request: HttpRequest,
    response: HttpResponse,
    q: str = Query("", max_length=200, description="Substring of the phrase or rule id"),
    language: Literal["", "zh", "en"] = "",
    category: str = Query("", description="P1…P18 (exceptions protecting every category too)"),
    kind: Literal["", "phrase", "pattern", "exception", "context"] = "",
    source: str = Query("", description="'file', 'ui' or one file's name ('zh/P3.txt')"),
    state: Literal["live", "retired", "all"] = "live",
    limit: int = Query(LEXICON_LIMIT, ge=1, le=LEXICON_LIMIT),
    offset: int = Query(0, ge=0),
) -> Any:
    """The lexicon's entries — phrases, patterns, exceptions and context rules from the shipped
    files and from approved UI changes — with their source, as the lexicon browser lists them
    (``state=retired``: the entries retired in the UI). Page with ``limit``/``offset``; the
    ``X-Total-Count`` header says how many match."""
    from heed.screening.lexicon_entries import CATEGORY_CODES, SOURCE_FILES, SOURCE_GROUPS

    require(request, "compliance.view")
    fields: dict[str, list[str]] = {}
    if category and category not in CATEGORY_CODES:
        fields["category"] = [_("Unknown category: %(codes)s") % {"codes": category}]
    if source and source not in (*SOURCE_GROUPS, *SOURCE_FILES):
        fields["source"] = [_("Use file, ui or a lexicon file's name.")]
    if fields:
        raise ApplicationError(_("The filter is not valid."), "invalid", fields=fields, status=422)
    rows = lexicon_entries_select(
        LexiconFilter(
            q=q.strip(), language=language, category=category, kind=kind, source=source, state=state
        )
    )
    response["X-Total-Count"] = str(len(rows))
    return [row.as_dict() for row in rows[offset : offset + limit]]


# --- Templates (four-eyes) and sending ----------------------------------------------------------


class TemplateVersionOut(Schema):
    id: int
    number: int
    subject: str
    body: str
    status: str
    author: str
    approved_by: str | None
    created_at: datetime
    decided_at: datetime | None
    screening_verdict: str
    screening_findings: list[dict[str, Any]]

    @staticmethod
    def resolve_author(obj: TemplateVersion) -> str:
        return str(obj.author.username)

    @staticmethod
    def resolve_approved_by(obj: TemplateVersion) -> str | None:
        return obj.approved_by.username if obj.approved_by is not None else None


class TemplateOut(Schema):
    id: int
    code: str
    name: str
    channel: str
    language: str
    audience: str
    region: str
    versions: list[TemplateVersionOut]

    @staticmethod
    def resolve_versions(obj: MessageTemplate) -> list[TemplateVersion]:
        return list(obj.versions.all())


class TemplateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(max_length=200)
    channel: Literal["sms", "email", "letter", "voicemail", "im"]
    language: Literal["zh", "en"]
    audience: Literal["debtor", "third_party"]
    region: Literal["any", "CN", "US", "UK"] = "any"
    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=services.MAX_TEXT_LENGTH)


class VersionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=services.MAX_TEXT_LENGTH)


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)


class SendIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contact_point: int
    template_version: int | None = None
    text: str = Field(default="", max_length=services.MAX_TEXT_LENGTH)
    channel: Literal["sms", "email", "letter", "voicemail", "im", ""] = ""


class MessageOut(Schema):
    id: int
    account: int = Field(alias="account_id")
    contact_point: int | None = Field(alias="contact_point_id")
    template_version: int | None = Field(alias="template_version_id")
    channel: str
    subject: str
    body: str
    status: str
    reason: str
    screening_verdict: str
    screening_findings: list[dict[str, Any]]
    lexicon_version: str = Field(description="The lexicon that screened it")
    decision: int | None = Field(alias="decision_id")
    contact_attempt: int | None = Field(alias="contact_attempt_id")
    adapter: str
    adapter_reference: str
    created_at: datetime
    reviewed_by: int | None = Field(alias="reviewed_by_id")
    reviewed_at: datetime | None
    review_note: str


def _template_versions(template: MessageTemplate) -> MessageTemplate:
    return (
        MessageTemplate.objects.prefetch_related(
            Prefetch("versions", TemplateVersion.objects.select_related("author", "approved_by"))
        )
        .filter(pk=template.pk)
        .get()
    )


def _require_template_reader(request: HttpRequest) -> None:
    """Compliance sees templates to manage them; senders see them to choose one."""
    if not has_permission(request.user, "messages.send"):
        require(request, "compliance.view")


@router.get("/screening/templates", response={200: list[TemplateOut], **ERRORS})
def template_list(request: HttpRequest) -> Any:
    """Every message template with its versions (only an ``approved`` version can be used)."""
    _require_template_reader(request)
    return MessageTemplate.objects.prefetch_related(
        Prefetch("versions", TemplateVersion.objects.select_related("author", "approved_by"))
    )


@router.get("/screening/templates/{template_id}", response={200: TemplateOut, **ERRORS})
def template_detail(request: HttpRequest, template_id: int) -> Any:
    _require_template_reader(request)
    return _template_versions(selectors.template_get(template_id))


@router.post("/screening/templates", response={201: TemplateOut, **ERRORS})
def template_create(request: HttpRequest, payload: TemplateIn) -> Any:
    """A new template and its first version, screened on save; it waits for a second person."""
    require(request, "compliance.manage")
    version = services.template_create(actor=request.user, **payload.dict())
    return 201, _template_versions(version.template)


@router.post(
    "/screening/templates/{template_id}/versions", response={201: TemplateVersionOut, **ERRORS}
)
def template_version_create(request: HttpRequest, template_id: int, payload: VersionIn) -> Any:
    require(request, "compliance.manage")
    template = selectors.template_get(template_id)
    version = services.template_version_create(
        actor=request.user, template=template, body=payload.body, subject=payload.subject
    )
    return 201, selectors.template_version_get(version.pk)


@router.post(
    "/screening/template-versions/{version_id}/approve",
    response={200: TemplateVersionOut, **ERRORS},
)
def template_version_approve(request: HttpRequest, version_id: int, payload: DecisionIn) -> Any:
    """Four-eyes: the approver is not the author; a version screening blocks is refused."""
    require(request, "compliance.approve")
    version = selectors.template_version_get(version_id)
    services.template_version_approve(actor=request.user, version=version, note=payload.note)
    return selectors.template_version_get(version_id)


@router.post(
    "/screening/template-versions/{version_id}/reject",
    response={200: TemplateVersionOut, **ERRORS},
)
def template_version_reject(request: HttpRequest, version_id: int, payload: DecisionIn) -> Any:
    require(request, "compliance.approve")
    version = selectors.template_version_get(version_id)
    services.template_version_reject(actor=request.user, version=version, note=payload.note)
    return selectors.template_version_get(version_id)


@router.get("/screening/accounts/{account_id}/messages", response={200: list[MessageOut], **ERRORS})
def account_messages(request: HttpRequest, account_id: int) -> Any:
    """Messages tried on an account (sent or stopped, with the reason)."""
    from heed.portfolio.selectors import account_get_for_user

    require(request, "messages.send")
    account = account_get_for_user(request.user, account_id)
    return list(selectors.outgoing_for_account(account)[:200])


@router.post("/screening/accounts/{account_id}/messages", response={201: MessageOut, **ERRORS})
def account_message_send(
    request: HttpRequest,
    account_id: int,
    payload: SendIn,
    idempotency_key: str = Header("", alias=IDEMPOTENCY_KEY),
) -> Any:
    """Send a message on an account: an approved template version, or free text (if the role
    allows). Heed renders, screens, asks the gateway, then hands it to the adapter; a stopped
    message is stored with its ``status`` and ``reason`` and is not sent (still 201: the attempt
    is recorded). With an ``Idempotency-Key`` header (up to 64 characters), a retry with the
    same key returns the message the first request made instead of sending another."""
    from heed.portfolio.selectors import account_get_for_user, debtor_contact_points

    require(request, "messages.send")
    request_key = services.request_key_checked(idempotency_key, header=IDEMPOTENCY_KEY)
    account = account_get_for_user(request.user, account_id)
    point = debtor_contact_points(account.debtor).filter(pk=payload.contact_point).first()
    if point is None:
        raise ApplicationError(
            _("Not a contact point of this account's debtor."),
            "invalid",
            fields={"contact_point": [_("Not a contact point of this account's debtor.")]},
        )
    version = None
    if payload.template_version is not None:
        version = selectors.template_version_get(payload.template_version)
    message = services.message_send(
        actor=request.user,
        account=account,
        contact_point=point,
        template_version=version,
        text=payload.text,
        channel=payload.channel,
        request_key=request_key,
    )
    return 201, message


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=500)


@router.get("/screening/messages", response={200: list[MessageOut], **ERRORS})
def message_list(
    request: HttpRequest,
    status: Literal[
        "", "sent", "blocked_content", "held_review", "blocked_gateway", "failed", "rejected"
    ] = "",
    mine: bool = False,
    account_ref: str = "",
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Any:
    """Messages on accounts you may see, newest first; filter by ``status``, your own
    (``mine``) or one account's reference. Page with ``limit``/``offset``."""
    if not selectors.can_see_message_log(request.user):
        require(request, "messages.send")
    found = selectors.messages_for_user(
        request.user, status=status, mine=mine, account_ref=account_ref[:100]
    )
    return list(found[offset : offset + limit])


HELD_LIMIT = 500


@router.get("/screening/messages/held", response={200: list[MessageOut], **ERRORS})
def held_messages(
    request: HttpRequest,
    response: HttpResponse,
    limit: int = Query(HELD_LIMIT, ge=1, le=HELD_LIMIT),
    offset: int = Query(0, ge=0),
) -> Any:
    """Messages screening held for review, oldest first, on accounts you may see. Page with
    ``limit``/``offset`` (as ``GET /screening/messages``); the ``X-Total-Count`` header says how
    many are waiting in all."""
    require(request, "messages.review")
    queue = selectors.held_messages_for_user(request.user)
    response["X-Total-Count"] = str(queue.count())
    return list(queue[offset : offset + limit])


@router.post("/screening/messages/{message_id}/release", response={200: MessageOut, **ERRORS})
def held_message_release(request: HttpRequest, message_id: int, payload: ReviewIn) -> Any:
    """Release a held message (not your own): the gateway is asked again now, then it is sent.
    If the gateway refuses now: 400 ``gateway_refused`` and the message stays held."""
    require(request, "messages.review")
    message = selectors.held_message_get_for_user(request.user, message_id)
    return services.message_release(actor=request.user, message=message, note=payload.note)


@router.post("/screening/messages/{message_id}/reject", response={200: MessageOut, **ERRORS})
def held_message_reject(request: HttpRequest, message_id: int, payload: ReviewIn) -> Any:
    """Reject a held message (not your own): it is never sent; the note says why."""
    require(request, "messages.review")
    message = selectors.held_message_get_for_user(request.user, message_id)
    return services.message_reject(actor=request.user, message=message, note=payload.note)


class ReplyIn(Schema):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: str = Field(alias="from", max_length=320)
    channel: Literal["sms", "email", "im"]
    body: str = Field(max_length=services.MAX_REPLY_LENGTH)
    in_reply_to: int | None = None


class ReplyOut(Schema):
    matched: int
    debtors: int
    opt_out: bool
    preferences_created: list[int]
    preferences_existing: list[int]


@router.post("/screening/replies", response={200: ReplyOut, **ERRORS})
def reply_receive(request: HttpRequest, payload: ReplyIn) -> Any:
    """For the message provider (role *message provider*): a debtor's reply. One that asks to
    stop ("STOP", "退订", "TD"…) opts the person out of that channel — the compliance gateway
    refuses it from then on. ``in_reply_to``: the ``message_id`` Heed sent with the message.
    Safe to retry."""
    require(request, "messages.inbound")
    return services.inbound_reply_receive(
        actor=request.user,
        sender=payload.sender,
        channel=payload.channel,
        body=payload.body,
        in_reply_to=payload.in_reply_to,
    )


class LetterBatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    template_version: int
    accounts: list[int] = Field(min_length=1, max_length=services.LETTER_BATCH_MAX)


class LetterBatchOut(Schema):
    run: UUID = Field(alias="pk")
    status: str
    progress_percent: int


@router.post("/screening/letter-batches", response={202: LetterBatchOut, **ERRORS})
def letter_batch_start(
    request: HttpRequest,
    payload: LetterBatchIn,
    idempotency_key: str = Header("", alias=IDEMPOTENCY_KEY),
) -> Any:
    """Start a print run. Poll ``GET /api/v1/screening/letter-batches/{run}`` for its status,
    progress and outcome; when it has succeeded, download the combined PDF from
    ``GET /api/v1/screening/letter-batches/{run}/pdf``. Every account must be in the caller's
    scope. With an ``Idempotency-Key`` header (up to 64 characters), a retry with the same key
    returns the run the first request started instead of starting another (409 if the key was
    used for a different template or list of accounts)."""
    from heed.portfolio.selectors import account_get_for_user

    require(request, "messages.send")
    request_key = services.request_key_checked(idempotency_key, header=IDEMPOTENCY_KEY)
    version = selectors.template_version_get(payload.template_version)
    accounts: list[Any] = []
    missing: list[str] = []
    for pk in dict.fromkeys(payload.accounts):
        try:
            accounts.append(account_get_for_user(request.user, pk))
        except NotFound:
            missing.append(str(pk))
    if missing:
        # The same answer for "does not exist" and "not yours": only the ids the caller sent.
        raise ApplicationError(
            _("Some accounts are not found in your scope."),
            "not_found",
            fields={
                "accounts": [
                    _("Not found in your scope: %(tokens)s") % {"tokens": ", ".join(missing)}
                ]
            },
            status=404,
        )
    return 202, services.letter_batch_start(
        actor=request.user,
        template_version=version,
        accounts=accounts,
        request_key=request_key,
    )


class LetterBatchCountsOut(Schema):
    """What a finished run made: letters in the PDF, and why the other accounts got none."""

    letters: int = Field(description="Letters in the PDF")
    pages: int
    blocked_content: int = Field(description="Stopped by content screening")
    held_review: int = Field(description="Held by screening for a reviewer")
    blocked_gateway: int = Field(description="Refused by the compliance gateway")
    no_address: int = Field(description="The debtor has no usable postal address")
    invalid: int = Field(description="The template does not fit the account")
    not_found: int = Field(description="No longer in the starter's scope when the run ran")


class LetterBatchSkippedOut(Schema):
    account: str = Field(description="The account's creditor reference")
    reason: str


class LetterBatchRunOut(Schema):
    run: UUID = Field(alias="pk")
    status: Literal["queued", "running", "succeeded", "failed"]
    progress_percent: int
    message: str
    error: str
    created_at: datetime
    finished_at: datetime | None
    template_version: int | None
    account_count: int = Field(description="How many accounts the run was started for")
    counts: LetterBatchCountsOut | None = Field(
        description="Once the run has succeeded: what it made"
    )
    skipped_accounts: list[LetterBatchSkippedOut] = Field(
        description=(
            "Accounts the template does not fit, with the reason no letter was made "
            f"(the first {services.LETTER_BATCH_UNFIT_LISTED}; ``counts.invalid`` counts all)"
        )
    )
    pdf: str | None = Field(description="Where to download the PDF, once there is one")

    @staticmethod
    def resolve_template_version(obj: Any) -> int | None:
        return (obj.params or {}).get("template_version")

    @staticmethod
    def resolve_account_count(obj: Any) -> int:
        return len((obj.params or {}).get("accounts") or [])

    @staticmethod
    def resolve_counts(obj: Any) -> dict[str, int] | None:
        if obj.status != "succeeded":
            return None
        result = obj.result or {}
        return {name: int(result.get(name) or 0) for name in LetterBatchCountsOut.model_fields}

    @staticmethod
    def resolve_skipped_accounts(obj: Any) -> list[dict[str, str]]:
        if obj.status != "succeeded":
            return []
        return list((obj.result or {}).get("invalid_accounts") or [])

    @staticmethod
    def resolve_pdf(obj: Any) -> str | None:
        if obj.status != "succeeded" or not (obj.result or {}).get("file"):
            return None
        return reverse("api-v1:letter_batch_pdf", kwargs={"run_id": obj.pk})


@router.get("/screening/letter-batches/{run_id}", response={200: LetterBatchRunOut, **ERRORS})
def letter_batch_detail(request: HttpRequest, run_id: UUID) -> Any:
    """A print run you started: its status and progress, and once it has succeeded how many
    letters the PDF holds, why the other accounts got none (counts, and the accounts the
    template does not fit with the reason) and where to download the PDF. 404 for a run that
    does not exist or that someone else started."""
    require(request, "messages.send")
    return selectors.letter_run_get_for_user(request.user, run_id)


@router.get(
    "/screening/letter-batches/{run_id}/pdf",
    response={200: None, **ERRORS},
    url_name="letter_batch_pdf",
    summary="Download a print run's PDF",
)
def letter_batch_pdf(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """The combined PDF (``application/pdf``) of a print run you started, as the web page
    serves it: only the letters of accounts still in your scope, and every download is audited.
    409 ``run_not_finished`` while it is queued or running (poll
    ``GET /api/v1/screening/letter-batches/{run}``), 409 ``run_failed`` if it failed; 404 for a
    run that does not exist or that someone else started, or when it has no letter to give you
    (it made none, or none of its accounts is in your scope any more)."""
    require(request, "messages.send")
    run = selectors.letter_run_get_for_user(request.user, run_id)
    pdf, name = services.letter_run_download(actor=request.user, run=run)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
