"""Business rules for promises, plans and settlements. Pure: dataclasses in, answers out.

The numbers (minimum promise, grace days, installment limits, discount thresholds) are per
creditor policy (``CreditorPaymentPolicy``); these functions only apply them, so every rule is
testable on boundary dates without a database or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# --- Promises to pay ---------------------------------------------------------------------------


class PromiseOutcome(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True)
class PromisePolicy:
    min_amount: int  # minor units; 0 = no absolute minimum
    min_share_bps: int  # share of the balance owed, in basis points (1% = 100); 0 = none
    max_days_ahead: int  # latest allowed date = today + this
    max_open: int  # most open promises on one account
    grace_days: int  # a promise still counts as kept if paid within this many days after due


@dataclass(frozen=True)
class PromiseProposal:
    amount: int
    due_date: date
    balance_owed: int
    open_promises: int


def promise_violations(
    proposal: PromiseProposal, policy: PromisePolicy, *, today: date
) -> dict[str, str]:
    """Field → reason code for every policy the proposed promise breaks (empty = acceptable).

    Reason codes: ``amount_not_positive``, ``below_minimum``, ``below_share``, ``in_past``,
    ``too_far``, ``too_many_open``.
    """
    found: dict[str, str] = {}
    if proposal.amount <= 0:
        found["amount"] = "amount_not_positive"
    elif proposal.amount < policy.min_amount and proposal.amount < proposal.balance_owed:
        found["amount"] = "below_minimum"
    elif policy.min_share_bps and proposal.amount < min(
        proposal.balance_owed, -(-proposal.balance_owed * policy.min_share_bps // 10_000)
    ):
        found["amount"] = "below_share"
    if proposal.due_date < today:
        found["due_date"] = "in_past"
    elif proposal.due_date > today + timedelta(days=policy.max_days_ahead):
        found["due_date"] = "too_far"
    if proposal.open_promises >= policy.max_open:
        found["account"] = "too_many_open"
    return found


def promise_deadline(due_date: date, grace_days: int) -> date:
    """The last day a payment still keeps the promise."""
    return due_date + timedelta(days=grace_days)


def evaluate_promise(
    *, amount: int, due_date: date, grace_days: int, paid: int, today: date
) -> PromiseOutcome:
    """Kept once ``paid`` (net payments counted for it) reaches ``amount``; broken only after the
    last grace day has passed without that; open otherwise. Due today or on the last grace day
    is still open."""
    if paid >= amount:
        return PromiseOutcome.KEPT
    if today > promise_deadline(due_date, grace_days):
        return PromiseOutcome.BROKEN
    return PromiseOutcome.OPEN


# --- Payment plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallmentState:
    due_date: date
    amount: int
    paid: int


def missed_installments(
    installments: list[InstallmentState], *, grace_days: int, today: date
) -> int:
    """Installments not fully paid by their due date plus grace, as of ``today``."""
    return sum(
        1
        for item in installments
        if item.paid < item.amount and today > item.due_date + timedelta(days=grace_days)
    )


def plan_is_defaulted(missed: int, default_after_missed: int) -> bool:
    return default_after_missed > 0 and missed >= default_after_missed


def apply_to_installments(installments: list[tuple[int, int]], amount: int) -> list[int]:
    """Spread ``amount`` over ``[(amount_due, paid), …]`` in order, oldest first.

    Returns how much goes to each installment (sums to at most ``amount``; the rest — more than
    the plan still needs — goes to no installment)."""
    shares: list[int] = []
    remaining = amount
    for due, paid in installments:
        take = max(0, min(remaining, due - paid))
        shares.append(take)
        remaining -= take
    return shares


# --- Settlements: the approval matrix ---------------------------------------------------------


class Approval(StrEnum):
    NONE = "none"  # within the proposer's own authority
    TEAM_LEAD = "team_lead"  # a team lead or manager, not the proposer
    MANAGER = "manager"  # a manager, not the proposer
    REFUSED = "refused"  # above every limit


@dataclass(frozen=True)
class ApprovalMatrix:
    """Discount limits in basis points of the balance owed (1 000 = 10%)."""

    self_approve_bps: int  # at or below: no approval needed
    team_lead_bps: int  # at or below: a team lead (not the proposer) may approve
    manager_bps: int  # at or below: a manager (not the proposer) may approve; above: refused


def discount_bps(balance_owed: int, settlement_amount: int) -> int:
    """Discount as basis points of the balance, rounded up (never understates a discount)."""
    if balance_owed <= 0:
        return 0
    discount = max(0, balance_owed - settlement_amount)
    return -(-discount * 10_000 // balance_owed)


def required_approval(bps: int, matrix: ApprovalMatrix) -> Approval:
    if bps <= matrix.self_approve_bps:
        return Approval.NONE
    if bps <= matrix.team_lead_bps:
        return Approval.TEAM_LEAD
    if bps <= matrix.manager_bps:
        return Approval.MANAGER
    return Approval.REFUSED


_APPROVER_ROLES: dict[Approval, frozenset[str]] = {
    Approval.TEAM_LEAD: frozenset({"team_lead", "manager"}),
    Approval.MANAGER: frozenset({"manager"}),
}


def approval_refusal(
    *, needed: Approval, approver_role: str, approver_id: int, proposer_id: int | None
) -> str | None:
    """Why this approver may not approve (a reason code), or None when they may.

    Four-eyes: whoever proposed a settlement never approves it."""
    if needed in (Approval.NONE, Approval.REFUSED):
        return "no_approval_pending"
    if proposer_id is not None and approver_id == proposer_id:
        return "approver_is_proposer"
    if approver_role not in _APPROVER_ROLES[needed]:
        return "role_cannot_approve"
    return None


def installment_limit_for_role(
    role: str, *, collector_limit: int, team_lead_limit: int, manager_limit: int
) -> int:
    """Most installments a role may agree without someone else's approval."""
    if role == "manager":
        return manager_limit
    if role == "team_lead":
        return team_lead_limit
    return collector_limit
