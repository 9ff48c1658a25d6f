"""Compose packs strictest-wins and answer a :class:`Decision` with ``next_allowed_at``.

Strictest wins by conjunction: every effective rule of every applicable pack is evaluated and a
contact is allowed only when no blocking rule fails — two time windows therefore intersect and
two caps on the same count leave the smaller one binding. A pack can never relax another.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from heed.compliance.rules.evaluators import EVALUATORS, Check
from heed.compliance.rules.model import (
    MODE_BLOCK,
    MODE_RANK,
    Decision,
    Reason,
    Situation,
)
from heed.compliance.rules.packs import Pack, Rule

MAX_ITERATIONS = 200


def effective_rules(packs: Iterable[Pack], moment: datetime) -> list[Rule]:
    day = moment.date()
    return [rule for pack in packs for rule in pack.rules if rule.is_effective(day)]


def _check(rule: Rule, situation: Situation) -> Check:
    return EVALUATORS[rule.kind](rule, situation)


def _reason(rule: Rule, check: Check, want_next: bool = True) -> Reason:
    return Reason(
        rule=rule.id,
        mode=rule.mode,
        message_en=check.message_en,
        message_zh=check.message_zh,
        source=rule.source,
        pack=rule.pack,
        counters=check.counters,
        next_allowed_at=check.next_at if want_next else None,
    )


def _blocking_failures(situation: Situation, packs: Sequence[Pack]) -> list[tuple[Rule, Check]]:
    failures = []
    for rule in effective_rules(packs, situation.proposed.at):
        if rule.mode != MODE_BLOCK:
            continue
        check = _check(rule, situation)
        if not check.passed:
            failures.append((rule, check))
    return failures


def next_allowed_at(situation: Situation, packs: Sequence[Pack]) -> datetime | None:
    """The earliest instant >= the proposed time at which no blocking rule fails.

    Each failing rule names the earliest instant it would pass; the latest of those is a lower
    bound for all of them, so iterate to the fixpoint. ``None``: waiting alone never helps (a
    hold without end, an opt-out, a third party who refused…) or nothing within the horizon.
    """
    current = situation
    for _ in range(MAX_ITERATIONS):
        failures = _blocking_failures(current, packs)
        if not failures:
            return current.proposed.at
        candidates = [check.next_at for _, check in failures]
        if any(c is None for c in candidates):
            return None
        later = max(c for c in candidates if c is not None)
        if later <= current.proposed.at:  # defensive: an evaluator must move forward
            return None
        current = current.at(later)
    return None


def evaluate(situation: Situation, packs: Sequence[Pack], *, want_next: bool = True) -> Decision:
    """Run every effective rule; allowed unless a ``block`` rule fails. Warn/audit are reported.

    ``want_next=False`` skips ``next_allowed_at`` for a refusal (bulk answers do not need it).
    """
    reasons: list[Reason] = []
    counters: dict[str, Any] = {}
    blocked = False
    for rule in effective_rules(packs, situation.proposed.at):
        check = _check(rule, situation)
        if not check.applicable:
            continue
        if check.counters:
            counters[f"{rule.pack}:{rule.key}"] = check.counters
        if check.passed:
            continue
        reasons.append(_reason(rule, check, want_next))
        blocked = blocked or rule.mode == MODE_BLOCK
    reasons.sort(key=lambda r: (-MODE_RANK[r.mode], r.rule))
    if not blocked:
        next_at: datetime | None = situation.proposed.at
    else:
        next_at = next_allowed_at(situation, packs) if want_next else None
    return Decision(
        allowed=not blocked,
        reasons=tuple(reasons),
        next_allowed_at=next_at,
        counters=counters,
        packs=tuple(pack.label for pack in packs),
    )
