"""Reads for the gateway and the compliance screens."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Q, QuerySet

from heed.compliance import fastread, gateway
from heed.compliance.models import ContactPreference, Decision, Hold, PackVersion
from heed.compliance.rules import engine
from heed.compliance.rules.model import MODE_BLOCK
from heed.compliance.rules.model import Decision as RuleDecision
from heed.compliance.rules.packs import Pack, file_contents, file_packs, parse_pack
from heed.core.scoping import get_scoped_or_404

_PARSED: dict[str, Pack] = {}
_active_versions = fastread.Prepared(
    lambda _d, _t: (
        PackVersion.objects.filter(status=PackVersion.Status.ACTIVE)
        .order_by()
        .values_list("code", "content_hash")
    )
)


def _parsed(content: dict[str, Any], digest: str) -> Pack:
    found = _PARSED.get(digest)
    if found is None:
        found = parse_pack(content)
        _PARSED[digest] = found
    return found


def active_packs() -> dict[str, Pack]:
    """Every pack's active version; a pack never activated falls back to its shipped file,
    labelled version 0 (``code@0``) in decisions so nobody mistakes it for an approved one."""
    found: dict[str, Pack] = {}
    active = _active_versions.rows(0)
    for code, digest in active:
        pack = _PARSED.get(digest)
        if pack is None:  # a version this process has not parsed yet: read its content once
            content = (
                PackVersion.objects.filter(content_hash=digest)
                .values_list("content", flat=True)
                .first()
            )
            pack = _parsed(content or {}, digest)
        found[code] = pack
    for code, pack in file_packs().items():
        if code not in found:
            found[code] = _unactivated(pack)
    return found


def _unactivated(pack: Pack) -> Pack:
    """The shipped file of a pack nobody activated yet, labelled ``code@0`` in decisions."""
    from dataclasses import replace

    label = f"{pack.code}@0"
    return replace(pack, version=0, rules=tuple(replace(r, pack=label) for r in pack.rules))


def pack_overview() -> list[dict[str, Any]]:
    """Each pack code with its active version, newest draft and the shipped file's hash."""
    files = file_contents()
    versions = PackVersion.objects.select_related("author", "approver").order_by("code", "-version")
    by_code: dict[str, list[PackVersion]] = {}
    for row in versions:
        by_code.setdefault(row.code, []).append(row)
    overview = []
    for code in sorted(set(files) | set(by_code)):
        rows = by_code.get(code, [])
        active = next((r for r in rows if r.status == PackVersion.Status.ACTIVE), None)
        drafts = [r for r in rows if r.status == PackVersion.Status.DRAFT]
        content = active.content if active else files.get(code, {})
        overview.append(
            {
                "code": code,
                "title": content.get("title", code),
                "jurisdictions": content.get("jurisdictions", []),
                "active": active,
                "drafts": drafts,
                "versions": rows,
                "rule_count": len(content.get("rules", [])),
            }
        )
    return overview


def pack_version_get(pk: Any) -> PackVersion:
    return get_scoped_or_404(PackVersion.objects.select_related("author", "approver"), pk)


def pack_current_content(code: str) -> dict[str, Any] | None:
    active = PackVersion.objects.filter(code=code, status=PackVersion.Status.ACTIVE).first()
    if active is not None:
        return dict(active.content)
    return file_contents().get(code)


def pack_versions(code: str) -> QuerySet[PackVersion]:
    return PackVersion.objects.filter(code=code).select_related("author", "approver")


def holds_for_account(account: Any, *, include_released: bool = False) -> QuerySet[Hold]:
    qs = Hold.objects.filter(debtor_id=account.debtor_id).filter(
        Q(account__isnull=True) | Q(account_id=account.pk)
    )
    if not include_released:
        qs = qs.filter(released_at__isnull=True)
    return qs.select_related("set_by", "released_by", "account")


def holds_active(user: Any) -> QuerySet[Hold]:
    from heed.portfolio.models import Debtor

    return (
        Hold.objects.filter(released_at__isnull=True, debtor__in=Debtor.objects.for_user(user))
        .select_related("debtor", "account", "set_by")
        .order_by("-starts_at")
    )


def preferences_for_debtor(debtor_id: int) -> QuerySet[ContactPreference]:
    return (
        ContactPreference.objects.current()
        .filter(debtor_id=debtor_id)
        .select_related("contact_point", "created_by")
    )


def hold_get_for_user(user: Any, pk: Any) -> Hold:
    from heed.portfolio.models import Debtor

    return get_scoped_or_404(Hold.objects.filter(debtor__in=Debtor.objects.for_user(user)), pk)


def preference_get_for_user(user: Any, pk: Any) -> ContactPreference:
    from heed.portfolio.models import Debtor

    return get_scoped_or_404(
        ContactPreference.objects.filter(debtor__in=Debtor.objects.for_user(user)), pk
    )


def decision_get_for_user(user: Any, pk: Any) -> Decision:
    return get_scoped_or_404(Decision.objects.for_user(user), pk)


def decision_list(user: Any, *, rule: str = "", allowed: bool | None = None) -> QuerySet[Decision]:
    qs = Decision.objects.for_user(user).select_related("account", "actor", "contact_point")
    if rule:
        qs = qs.filter(rules__contains=f",{rule.strip().upper()},")
    if allowed is not None:
        qs = qs.filter(allowed=allowed)
    return qs


# ---------------------------------------------------------------------------------------------
# the gateway's inputs


@dataclass
class GatewayInputs:
    facts: gateway.AccountFacts
    point: gateway.PointFacts | None
    points: list[gateway.PointFacts]
    history: list[Any]
    hold_rows: list[Any]
    preference_rows: list[Any]


def _prepared() -> dict[str, Any]:
    from heed.portfolio.models import ContactPoint

    return {
        "points": fastread.Prepared(
            lambda debtor, _t: (
                ContactPoint.objects.filter(debtor_id=debtor)
                .order_by()
                .values_list(
                    "id", "kind", "party_role", "provenance", "is_valid", "opted_out", "timezones"
                )
            )
        ),
        "holds": fastread.Prepared(
            lambda debtor, _t: (
                Hold.objects.filter(debtor_id=debtor)
                .order_by()
                .values_list("kind", "starts_at", "ends_at", "released_at", "account_id")
            )
        ),
        "preferences": fastread.Prepared(
            lambda debtor, _t: (
                ContactPreference.objects.filter(debtor_id=debtor, revoked_at__isnull=True)
                .order_by()
                .values_list(
                    "kind",
                    "channel",
                    "contact_point_id",
                    "start_time",
                    "end_time",
                    "language",
                    "created_at",
                )
            )
        ),
    }


_QUERIES: dict[str, Any] = {}


def _query(name: str) -> Any:
    if not _QUERIES:
        _QUERIES.update(_prepared())
    return _QUERIES[name]


def gateway_inputs(account: Any, contact_point: Any | None, at: datetime) -> GatewayInputs:
    """Everything preflight needs about one account: four indexed reads on the hot path
    (compiled once, see :mod:`heed.compliance.fastread`)."""
    from types import SimpleNamespace

    from heed.collection.selectors import history_for_debtor_fast

    facts = gateway.account_facts(account)
    points = [
        gateway.PointFacts(
            id=r[0],
            kind=r[1],
            party_role=r[2],
            provenance=r[3],
            is_valid=bool(r[4]),
            opted_out=bool(r[5]),
            timezones=tuple(fastread.as_json(r[6]) or ()),
        )
        for r in _query("points").rows(facts.debtor_id)
    ]
    point = gateway.point_facts(contact_point) if contact_point is not None else None
    history = history_for_debtor_fast(
        facts.debtor_id, since=at - timedelta(days=gateway.HISTORY_DAYS)
    )
    hold_rows = [
        SimpleNamespace(
            kind=r[0],
            starts_at=fastread.aware(r[1]),
            ends_at=fastread.aware(r[2]),
            released_at=fastread.aware(r[3]),
            account_id=r[4],
        )
        for r in _query("holds").rows(facts.debtor_id)
    ]
    preference_rows = [
        SimpleNamespace(
            kind=r[0],
            channel=r[1],
            contact_point_id=r[2],
            start_time=r[3],
            end_time=r[4],
            language=r[5],
            created_at=fastread.aware(r[6]),
        )
        for r in _query("preferences").rows(facts.debtor_id)
    ]
    return GatewayInputs(facts, point, points, history, hold_rows, preference_rows)


def situation_from_inputs(
    inputs: GatewayInputs, *, channel: str, at: datetime, purpose: str
) -> Any:
    return gateway.build_situation(
        facts=inputs.facts,
        point=inputs.point,
        channel=channel,
        at=at,
        purpose=purpose,
        history=inputs.history,
        holds=gateway.holds_for(inputs.facts, inputs.hold_rows),
        preferences=gateway.preferences_for(inputs.preference_rows, inputs.points),
        debtor_points=inputs.points,
        with_consent=gateway.has_consent(inputs.preference_rows, at, channel),
    )


# ---------------------------------------------------------------------------------------------
# bulk: who may be contacted now


@dataclass(slots=True)
class Contactable:
    account_id: int
    contact_point_id: int


@dataclass
class BulkResult:
    at: datetime
    channel: str
    total: int = 0
    contactable: list[Contactable] = field(default_factory=list)
    blocked_by_rule: Counter[str] = field(default_factory=Counter)
    no_contact_point: int = 0


ACCOUNT_FIELDS = (
    "id",
    "debtor_id",
    "jurisdiction",
    "creditor__default_jurisdiction",
    "creditor__rule_packs",
    "debtor__timezones",
    "debtor__country",
    "debtor__is_deceased",
    "debtor__is_bankrupt",
    "debtor__lacks_capacity",
)
POINT_FIELDS = (
    "id",
    "debtor_id",
    "kind",
    "party_role",
    "provenance",
    "is_valid",
    "opted_out",
    "timezones",
)


def bulk_candidate_points(
    points: Sequence[gateway.PointFacts], channel: str
) -> list[gateway.PointFacts]:
    """The debtor's own usable points that carry the channel, best first (oldest id first)."""
    kinds = {kind for kind, channels in gateway.CHANNELS_BY_KIND.items() if channel in channels}
    return sorted(
        (p for p in points if p.party_role == "debtor" and p.kind in kinds and p.is_valid),
        key=lambda p: p.id,
    )


def contactable_now(
    accounts: QuerySet[Any],
    *,
    at: datetime,
    channel: str = "call",
    purpose: str = "collect",
    chunk_size: int = 2000,
) -> BulkResult:
    """Set-wise "who may be contacted now": for each account the best contact point whose
    preflight would pass, plus counts of accounts blocked per rule (the rules that refuse the
    first candidate point).

    Mostly one SQL pass (:mod:`heed.compliance.bulk`): the counting rules become per-person
    counts of one grouped query, the history-free rules are evaluated once per distinct set of
    facts. People the pass cannot decide exactly (a contact recorded after ``at``, a rule it
    cannot count) go through the same evaluators as :func:`preflight` with their history, in
    chunks of ``chunk_size`` accounts."""
    from heed.compliance import bulk

    packs_available = active_packs()
    result = BulkResult(at=at, channel=channel)
    memo: dict[tuple[Any, ...], RuleDecision] = {}

    def decide_in_full(account_ids: list[int]) -> None:
        from heed.portfolio.models import Account

        for first in range(0, len(account_ids), chunk_size):
            ids = account_ids[first : first + chunk_size]
            batch = list(
                Account.objects.filter(pk__in=ids).order_by("pk").values_list(*_account_columns())
            )
            people = Account.objects.filter(pk__in=ids).order_by().values("debtor_id")
            _bulk_chunk(
                batch,
                people,
                result,
                packs_available,
                memo,
                at=at,
                channel=channel,
                purpose=purpose,
            )

    bulk.contactable_now_setwise(
        accounts,
        at=at,
        channel=channel,
        purpose=purpose,
        result=result,
        packs_available=packs_available,
        decide_in_full=decide_in_full,
    )
    return result


def _account_columns() -> list[Any]:
    """ACCOUNT_FIELDS with the JSON columns read as text (decoded once per distinct value)."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    json_fields = {"creditor__rule_packs", "debtor__timezones"}
    return [Cast(f, output_field=TextField()) if f in json_fields else f for f in ACCOUNT_FIELDS]


@lru_cache(maxsize=4096)
def _json_tuple(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(json.loads(text))


def _facts_from_row(row: Sequence[Any]) -> gateway.AccountFacts:
    return gateway.AccountFacts(
        id=row[0],
        debtor_id=row[1],
        jurisdiction=row[2] or row[3] or "",
        creditor_packs=_json_tuple(row[4]),
        debtor_timezones=_json_tuple(row[5]),
        debtor_country=row[6] or "",
        is_deceased=row[7],
        is_bankrupt=row[8],
        lacks_capacity=row[9],
    )


def _bulk_chunk(
    batch: list[tuple[Any, ...]],
    people: QuerySet[Any],
    result: BulkResult,
    packs_available: dict[str, Pack],
    memo: dict[tuple[Any, ...], RuleDecision],
    *,
    at: datetime,
    channel: str,
    purpose: str,
) -> None:
    """Accounts decided one by one with their full history, exactly as :func:`preflight` would
    (``result.total`` is counted by the caller)."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from heed.collection.selectors import history_for_debtors
    from heed.portfolio.models import ContactPoint

    debtor_ids = sorted({row[1] for row in batch})
    points: dict[int, list[gateway.PointFacts]] = {}
    point_columns = [
        Cast(f, output_field=TextField()) if f == "timezones" else f for f in POINT_FIELDS
    ]
    for p in (
        ContactPoint.objects.filter(debtor_id__in=people).order_by().values_list(*point_columns)
    ):
        points.setdefault(p[1], []).append(
            gateway.PointFacts(
                id=p[0],
                kind=p[2],
                party_role=p[3],
                provenance=p[4],
                is_valid=p[5],
                opted_out=p[6],
                timezones=_json_tuple(p[7]),
            )
        )
    holds: dict[int, list[Any]] = {}
    for hold in Hold.objects.filter(debtor_id__in=people):
        holds.setdefault(hold.debtor_id, []).append(hold)
    preferences: dict[int, list[Any]] = {}
    for pref in ContactPreference.objects.current().filter(debtor_id__in=people):
        preferences.setdefault(pref.debtor_id, []).append(pref)
    history = history_for_debtors(debtor_ids, since=at - timedelta(days=gateway.HISTORY_DAYS))
    for facts in (_facts_from_row(row) for row in batch):
        debtor_points = points.get(facts.debtor_id, [])
        candidates = bulk_candidate_points(debtor_points, channel)
        if not candidates:
            result.no_contact_point += 1
            result.blocked_by_rule["NO-POINT"] += 1
            continue
        packs = gateway.packs_for(facts, packs_available)
        first_decision: RuleDecision | None = None
        chosen = None
        for point in candidates:
            decision = _bulk_decide(
                facts,
                point,
                debtor_points,
                packs,
                memo,
                history=history.get(facts.debtor_id, []),
                hold_rows=holds.get(facts.debtor_id, []),
                preference_rows=preferences.get(facts.debtor_id, []),
                at=at,
                channel=channel,
                purpose=purpose,
            )
            if first_decision is None:
                first_decision = decision
            if decision.allowed:
                chosen = point
                break
        if chosen is not None:
            result.contactable.append(Contactable(facts.id, chosen.id))
        elif first_decision is not None:
            for rule in sorted({r.rule for r in first_decision.reasons if r.mode == MODE_BLOCK}):
                result.blocked_by_rule[rule] += 1


def _bulk_decide(
    facts: gateway.AccountFacts,
    point: gateway.PointFacts,
    debtor_points: list[gateway.PointFacts],
    packs: list[Pack],
    memo: dict[tuple[Any, ...], RuleDecision],
    *,
    history: list[Any],
    hold_rows: list[Any],
    preference_rows: list[Any],
    at: datetime,
    channel: str,
    purpose: str,
) -> RuleDecision:
    if not packs:
        return no_pack_decision(at)
    holds = gateway.holds_for(facts, hold_rows)
    # People with no history that matters, no holds or preferences differ only in these facts:
    # decide once.
    key: tuple[Any, ...] | None = None
    if not history and not holds and not preference_rows and not point.opted_out:
        key = (
            tuple(p.label for p in packs),
            gateway.candidate_zones(facts, point),
            point.provenance,
            any(
                p.is_valid and p.kind == "phone" for p in debtor_points if p.party_role == "debtor"
            ),
        )
        found = memo.get(key)
        if found is not None:
            return found
    situation = gateway.build_situation(
        facts=facts,
        point=point,
        channel=channel,
        at=at,
        purpose=purpose,
        history=history,
        holds=holds,
        preferences=gateway.preferences_for(preference_rows, debtor_points),
        debtor_points=debtor_points,
        with_consent=gateway.has_consent(preference_rows, at, channel),
    )
    decision = engine.evaluate(situation, packs, want_next=False)
    if key is not None:
        memo[key] = decision
    return decision


def no_pack_decision(at: datetime) -> RuleDecision:
    """No pack applies to the account: the gateway refuses rather than guess."""
    from heed.compliance.rules.model import Reason

    reason = Reason(
        rule="NO-PACK",
        mode=MODE_BLOCK,
        message_en="No rule pack applies to this account's jurisdiction; contact is refused.",
        message_zh="该账户所属司法辖区没有适用的合规规则包，拒绝联系。",
        source="Heed gateway",
    )
    return RuleDecision(
        allowed=False, reasons=(reason,), next_allowed_at=None, counters={}, packs=()
    )


def evaluate_inputs(
    inputs: GatewayInputs, packs: list[Pack], *, channel: str, at: datetime, purpose: str
) -> RuleDecision:
    if not packs:
        return no_pack_decision(at)
    situation = situation_from_inputs(inputs, channel=channel, at=at, purpose=purpose)
    return engine.evaluate(situation, packs)


def accounts_for_bulk(
    user: Any, *, team: int | None = None, collector: int | None = None
) -> QuerySet[Any]:
    from heed.portfolio.models import Account

    qs = Account.objects.for_user(user).open()
    if team:
        qs = qs.filter(assigned_team_id=team)
    if collector:
        qs = qs.filter(assigned_collector_id=collector)
    return qs


def pack_labels_with_hash(packs: Iterable[Pack]) -> list[dict[str, Any]]:
    return [{"pack": p.label, "hash": p.content_hash} for p in packs]
