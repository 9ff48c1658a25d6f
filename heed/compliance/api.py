"""Compliance API: the gateway (preflight, bulk), simulation, packs and versions, holds,
preferences, decisions. Paths are full paths below /api/v1/."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from heed.api.pagination import Page
from heed.api.permissions import require
from heed.api.schemas import ErrorOut
from heed.compliance import selectors, services
from heed.compliance.models import ContactPreference, Decision, Hold, PackVersion
from heed.compliance.rules.packs import PackError, diff_contents
from heed.compliance.rules.simulate import packs_from_data, simulate
from heed.core.errors import ApplicationError

router = Router(tags=["compliance"])

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def require_any(request: HttpRequest, *permissions: str) -> None:
    from heed.core.errors import PermissionDenied
    from heed.core.roles import has_permission

    if not any(has_permission(request.user, p) for p in permissions):
        raise PermissionDenied()


def language_of(request: HttpRequest) -> str:
    return getattr(request.user, "language", "") or get_language() or "en"


# ---------------------------------------------------------------------------------------------
# schemas


class ReasonOut(Schema):
    rule: str
    mode: str
    message: str
    source: str
    pack: str = ""
    counters: dict[str, Any] = {}
    next_allowed_at: str | None = None


class DecisionOut(Schema):
    decision_id: int
    allowed: bool
    reasons: list[ReasonOut]
    next_allowed_at: datetime.datetime | None
    account: int
    contact_point: int | None
    channel: str
    party: str
    purpose: str
    proposed_at: datetime.datetime
    timezones: list[str]
    pack_versions: list[dict[str, Any]]
    counters: dict[str, Any]


def decision_out(decision: Decision, language: str) -> dict[str, Any]:
    zh = language.lower().startswith("zh")
    return {
        "decision_id": decision.pk,
        "allowed": decision.allowed,
        "reasons": [
            {
                "rule": r["rule"],
                "mode": r["mode"],
                "message": r["message_zh"] if zh else r["message_en"],
                "source": r["source"],
                "pack": r.get("pack", ""),
                "counters": r.get("counters", {}),
                "next_allowed_at": r.get("next_allowed_at"),
            }
            for r in decision.reasons
        ],
        "next_allowed_at": decision.next_allowed_at,
        "account": decision.account_id,
        "contact_point": decision.contact_point_id,
        "channel": decision.channel,
        "party": decision.party,
        "purpose": decision.purpose,
        "proposed_at": decision.proposed_at,
        "timezones": decision.timezones,
        "pack_versions": decision.pack_versions,
        "counters": decision.counters,
    }


class PreflightIn(Schema):
    account: int
    contact_point: int | None = None
    channel: str
    at: datetime.datetime | None = None
    purpose: str = "collect"


class SimProposed(Schema):
    channel: str
    at: datetime.datetime
    party: str = "debtor"
    to: str = ""
    purpose: str = "collect"
    to_kind: str = ""
    provenance: str = ""


class SimHistory(Schema):
    channel: str
    at: datetime.datetime
    party: str = "debtor"
    to: str = ""
    outcome: str = "no_answer"
    with_consent: bool = False
    to_kind: str = ""
    initiator: str = "collector"
    direction: str = "outbound"


class SimHold(Schema):
    kind: str
    since: datetime.datetime
    until: datetime.datetime | None = None


class SimPreferences(Schema):
    opted_out_channels: list[str] = []
    opted_out_to: list[str] = []
    do_not_contact: list[str] = []
    blocked_times: list[str] = Field([], description='local "HH:MM-HH:MM" ranges')
    agreed_times: list[str] = Field([], description='documented agreement, "HH:MM-HH:MM"')


class SimulateIn(Schema):
    jurisdiction: str = ""
    packs: list[str] | None = None
    timezones: list[str] = []
    proposed: SimProposed
    history: list[SimHistory] = []
    holds: list[SimHold] = []
    preferences: SimPreferences | None = None
    debtor_has_valid_number: bool = True


class SimReasonOut(Schema):
    rule: str
    mode: str
    message: str
    source: str
    pack: str
    counters: dict[str, Any]


class SimulateOut(Schema):
    allowed: bool
    reasons: list[SimReasonOut]
    next_allowed_at: datetime.datetime | None
    packs: list[str]


class ContactableIn(Schema):
    team: int | None = None
    collector: int | None = None
    channel: str = "call"
    at: datetime.datetime | None = None
    limit: int = Field(500, ge=1, le=10000)


class ContactableItem(Schema):
    account: int
    contact_point: int


class ContactableOut(Schema):
    at: datetime.datetime
    channel: str
    total: int
    contactable_count: int
    contactable: list[ContactableItem]
    blocked_by_rule: dict[str, int]


class PackVersionOut(Schema):
    id: int
    code: str
    version: int
    title: str
    status: str
    content_hash: str
    note: str
    author: str | None
    approver: str | None
    created_at: datetime.datetime
    activated_at: datetime.datetime | None

    @staticmethod
    def resolve_author(obj: PackVersion) -> str | None:
        return obj.author.username if obj.author else None

    @staticmethod
    def resolve_approver(obj: PackVersion) -> str | None:
        return obj.approver.username if obj.approver else None


class PackVersionDetailOut(PackVersionOut):
    content: dict[str, Any]
    diff_from_active: list[dict[str, Any]]


class PackOut(Schema):
    code: str
    title: str
    jurisdictions: list[str]
    rule_count: int
    active_version: int | None
    active_hash: str | None
    drafts: list[int]


class PackVersionIn(Schema):
    content: dict[str, Any]
    note: str


class ReasonIn(Schema):
    reason: str


class HoldIn(Schema):
    kind: str
    whole_person: bool = False
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    evidence: str = ""


class HoldOut(Schema):
    id: int
    kind: str
    debtor: int
    account: int | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    evidence: str
    set_by: str | None
    released_at: datetime.datetime | None

    @staticmethod
    def resolve_debtor(obj: Hold) -> int:
        return obj.debtor_id

    @staticmethod
    def resolve_account(obj: Hold) -> int | None:
        return obj.account_id

    @staticmethod
    def resolve_set_by(obj: Hold) -> str | None:
        return obj.set_by.username if obj.set_by else None


class PreferenceIn(Schema):
    kind: str
    channel: str = ""
    contact_point: int | None = None
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    language: str = ""
    evidence: str = ""


class PreferenceOut(Schema):
    id: int
    kind: str
    channel: str
    contact_point: int | None
    start_time: datetime.time | None
    end_time: datetime.time | None
    language: str
    evidence: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_contact_point(obj: ContactPreference) -> int | None:
        return obj.contact_point_id


class DecisionListOut(Schema):
    id: int
    created_at: datetime.datetime
    account: int
    channel: str
    party: str
    allowed: bool
    rules: list[str]
    next_allowed_at: datetime.datetime | None

    @staticmethod
    def resolve_account(obj: Decision) -> int:
        return obj.account_id

    @staticmethod
    def resolve_rules(obj: Decision) -> list[str]:
        return [r for r in obj.rules.split(",") if r]


# ---------------------------------------------------------------------------------------------
# the gateway


def _account(request: HttpRequest, pk: int) -> Any:
    from heed.portfolio.selectors import account_get_for_user

    return account_get_for_user(request.user, pk)


def _contact_point(request: HttpRequest, pk: int | None) -> Any:
    if pk is None:
        return None
    from heed.portfolio.selectors import contact_point_get_for_user

    return contact_point_get_for_user(request.user, pk)


@router.post("/contacts/preflight", response={200: DecisionOut, **ERRORS})
def contacts_preflight(request: HttpRequest, payload: PreflightIn) -> Any:
    """Ask the gateway before any contact (call, SMS, e-mail, letter, visit, IM, AI voice).

    Answers allowed or not, every reason (rule, mode, message, source, counters), the earliest
    moment every blocking rule passes (`next_allowed_at`) and the stored `decision_id` to quote
    when recording the contact."""
    require(request, "collection.contact")
    account = _account(request, payload.account)
    point = _contact_point(request, payload.contact_point)
    decision = services.preflight(
        actor=request.user,
        account=account,
        contact_point=point,
        channel=payload.channel,
        at=payload.at,
        purpose=payload.purpose,
    )
    return decision_out(decision, language_of(request))


@router.post("/contacts/contactable", response={200: ContactableOut, **ERRORS})
def contacts_contactable(request: HttpRequest, payload: ContactableIn) -> Any:
    """Bulk: who may be contacted now in a queue (collector), a team or everything in scope —
    the accounts and best contact point whose preflight would pass, and counts blocked per rule.
    Nothing is stored."""
    require(request, "collection.contact")
    at = payload.at or timezone.now()
    accounts = selectors.accounts_for_bulk(
        request.user, team=payload.team, collector=payload.collector
    )
    result = selectors.contactable_now(accounts, at=at, channel=payload.channel)
    return {
        "at": at,
        "channel": payload.channel,
        "total": result.total,
        "contactable_count": len(result.contactable),
        "contactable": [
            {"account": c.account_id, "contact_point": c.contact_point_id}
            for c in result.contactable[: payload.limit]
        ],
        "blocked_by_rule": dict(sorted(result.blocked_by_rule.items())),
    }


@router.post("/compliance/simulate", response={200: SimulateOut, **ERRORS})
def compliance_simulate(request: HttpRequest, payload: SimulateIn) -> Any:
    """What-if: the same evaluators on a hypothetical situation. Nothing is stored."""
    require(request, "compliance.view")
    data = payload.dict()
    available = selectors.active_packs()
    try:
        packs_from_data(data, available)
        decision = simulate(data, available=available)
    except (PackError, KeyError, ValueError) as exc:
        raise ApplicationError(str(exc), "invalid_simulation")
    language = language_of(request)
    return {
        "allowed": decision.allowed,
        "reasons": [
            {
                "rule": r.rule,
                "mode": r.mode,
                "message": r.message(language),
                "source": r.source,
                "pack": r.pack,
                "counters": r.counters,
            }
            for r in decision.reasons
        ],
        "next_allowed_at": decision.next_allowed_at,
        "packs": list(decision.packs),
    }


# ---------------------------------------------------------------------------------------------
# packs and versions


@router.get("/compliance/packs", response={200: list[PackOut], **ERRORS})
def packs_list(request: HttpRequest) -> Any:
    require(request, "compliance.view")
    return [
        {
            "code": item["code"],
            "title": item["title"],
            "jurisdictions": item["jurisdictions"],
            "rule_count": item["rule_count"],
            "active_version": item["active"].version if item["active"] else None,
            "active_hash": item["active"].content_hash if item["active"] else None,
            "drafts": [d.pk for d in item["drafts"]],
        }
        for item in selectors.pack_overview()
    ]


@router.get("/compliance/packs/{code}/versions", response={200: list[PackVersionOut], **ERRORS})
def pack_versions(request: HttpRequest, code: str) -> Any:
    require(request, "compliance.view")
    return list(selectors.pack_versions(code))


@router.post("/compliance/packs/{code}/versions", response={201: PackVersionOut, **ERRORS})
def pack_version_create(request: HttpRequest, code: str, payload: PackVersionIn) -> Any:
    require(request, "compliance.manage")
    content = {**payload.content, "code": code}
    return 201, services.pack_version_create(actor=request.user, content=content, note=payload.note)


@router.get(
    "/compliance/pack-versions/{version_id}", response={200: PackVersionDetailOut, **ERRORS}
)
def pack_version_detail(request: HttpRequest, version_id: int) -> Any:
    require(request, "compliance.view")
    version = selectors.pack_version_get(version_id)
    current = selectors.pack_current_content(version.code) or {}
    version.diff_from_active = diff_contents(current, version.content)  # type: ignore[attr-defined]
    return version


@router.post(
    "/compliance/pack-versions/{version_id}/approve", response={200: PackVersionOut, **ERRORS}
)
def pack_version_approve(request: HttpRequest, version_id: int) -> Any:
    require(request, "compliance.approve")
    return services.pack_version_approve(
        actor=request.user, version=selectors.pack_version_get(version_id)
    )


@router.post(
    "/compliance/pack-versions/{version_id}/reject", response={200: PackVersionOut, **ERRORS}
)
def pack_version_reject(request: HttpRequest, version_id: int, payload: ReasonIn) -> Any:
    require(request, "compliance.approve")
    return services.pack_version_reject(
        actor=request.user, version=selectors.pack_version_get(version_id), reason=payload.reason
    )


# ---------------------------------------------------------------------------------------------
# decisions, holds, preferences


@router.get("/compliance/decisions", response={200: list[DecisionListOut], **ERRORS})
@paginate(Page)
def decisions_list(request: HttpRequest, rule: str = "", allowed: bool | None = None) -> Any:
    require(request, "compliance.view")
    return selectors.decision_list(request.user, rule=rule, allowed=allowed)


@router.get("/compliance/decisions/{decision_id}", response={200: DecisionOut, **ERRORS})
def decision_detail(request: HttpRequest, decision_id: int) -> Any:
    if not _can_view(request):
        require(request, "collection.contact")
    decision = selectors.decision_get_for_user(request.user, decision_id)
    return decision_out(decision, language_of(request))


def _can_view(request: HttpRequest) -> bool:
    from heed.core.roles import has_permission

    return has_permission(request.user, "compliance.view")


@router.get("/accounts/{account_id}/holds", response={200: list[HoldOut], **ERRORS})
def account_holds(request: HttpRequest, account_id: int) -> Any:
    require(request, "portfolio.view")
    account = _account(request, account_id)
    return list(selectors.holds_for_account(account, include_released=True))


@router.post("/accounts/{account_id}/holds", response={201: HoldOut, **ERRORS})
def account_hold_place(request: HttpRequest, account_id: int, payload: HoldIn) -> Any:
    require_any(request, "collection.contact", "compliance.manage")
    account = _account(request, account_id)
    hold = services.hold_place(
        actor=request.user,
        account=account,
        kind=payload.kind,
        whole_person=payload.whole_person,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        evidence=payload.evidence,
    )
    return 201, hold


@router.post("/compliance/holds/{hold_id}/release", response={200: HoldOut, **ERRORS})
def hold_release(request: HttpRequest, hold_id: int, payload: ReasonIn) -> Any:
    require(request, "compliance.manage")
    hold = selectors.hold_get_for_user(request.user, hold_id)
    return services.hold_release(actor=request.user, hold=hold, reason=payload.reason)


@router.get("/accounts/{account_id}/preferences", response={200: list[PreferenceOut], **ERRORS})
def account_preferences(request: HttpRequest, account_id: int) -> Any:
    require(request, "portfolio.view")
    account = _account(request, account_id)
    return list(selectors.preferences_for_debtor(account.debtor_id))


@router.post("/accounts/{account_id}/preferences", response={201: PreferenceOut, **ERRORS})
def account_preference_add(request: HttpRequest, account_id: int, payload: PreferenceIn) -> Any:
    require_any(request, "collection.contact", "compliance.manage")
    account = _account(request, account_id)
    point = _contact_point(request, payload.contact_point)
    preference = services.preference_add(
        actor=request.user,
        account=account,
        kind=payload.kind,
        channel=payload.channel,
        contact_point=point,
        start_time=payload.start_time,
        end_time=payload.end_time,
        language=payload.language,
        evidence=payload.evidence,
    )
    return 201, preference


@router.post(
    "/compliance/preferences/{preference_id}/revoke", response={200: PreferenceOut, **ERRORS}
)
def preference_revoke(request: HttpRequest, preference_id: int, payload: ReasonIn) -> Any:
    require(request, "compliance.manage")
    preference = selectors.preference_get_for_user(request.user, preference_id)
    return services.preference_revoke(
        actor=request.user, preference=preference, reason=payload.reason
    )
