from __future__ import annotations

from datetime import date

import pytest

from heed.payments.rules import (
    Approval,
    ApprovalMatrix,
    InstallmentState,
    PromiseOutcome,
    PromisePolicy,
    PromiseProposal,
    apply_to_installments,
    approval_refusal,
    discount_bps,
    evaluate_promise,
    missed_installments,
    plan_is_defaulted,
    promise_violations,
    required_approval,
)

POLICY = PromisePolicy(
    min_amount=10_000, min_share_bps=500, max_days_ahead=30, max_open=1, grace_days=2
)
TODAY = date(2026, 6, 10)


def test_acceptable_promise_has_no_violations() -> None:
    proposal = PromiseProposal(
        amount=20_000, due_date=date(2026, 7, 10), balance_owed=100_000, open_promises=0
    )
    assert promise_violations(proposal, POLICY, today=TODAY) == {}


def test_promise_violations_name_each_policy() -> None:
    proposal = PromiseProposal(
        amount=9_999, due_date=date(2026, 7, 11), balance_owed=100_000, open_promises=1
    )
    assert promise_violations(proposal, POLICY, today=TODAY) == {
        "amount": "below_minimum",
        "due_date": "too_far",
        "account": "too_many_open",
    }


def test_share_of_balance_is_enforced() -> None:
    proposal = PromiseProposal(
        amount=10_000, due_date=TODAY, balance_owed=1_000_000, open_promises=0
    )
    assert promise_violations(proposal, POLICY, today=TODAY) == {"amount": "below_share"}


def test_promising_the_whole_small_balance_is_allowed_below_the_minimum() -> None:
    proposal = PromiseProposal(amount=5_000, due_date=TODAY, balance_owed=5_000, open_promises=0)
    assert promise_violations(proposal, POLICY, today=TODAY) == {}


def test_promise_in_the_past_is_refused() -> None:
    proposal = PromiseProposal(
        amount=20_000, due_date=date(2026, 6, 9), balance_owed=100_000, open_promises=0
    )
    assert promise_violations(proposal, POLICY, today=TODAY) == {"due_date": "in_past"}


@pytest.mark.parametrize(
    ("today", "paid", "outcome"),
    [
        (date(2026, 6, 10), 0, PromiseOutcome.OPEN),  # due today
        (date(2026, 6, 12), 0, PromiseOutcome.OPEN),  # last grace day
        (date(2026, 6, 13), 0, PromiseOutcome.BROKEN),  # the day after
        (date(2026, 6, 13), 4_999, PromiseOutcome.BROKEN),
        (date(2026, 6, 13), 5_000, PromiseOutcome.KEPT),
        (date(2026, 6, 1), 5_000, PromiseOutcome.KEPT),  # kept early
    ],
)
def test_promise_outcome_on_boundary_dates(today: date, paid: int, outcome: PromiseOutcome) -> None:
    assert (
        evaluate_promise(
            amount=5_000, due_date=date(2026, 6, 10), grace_days=2, paid=paid, today=today
        )
        == outcome
    )


def test_missed_installments_counts_only_after_grace() -> None:
    items = [
        InstallmentState(date(2026, 5, 1), 100, 100),
        InstallmentState(date(2026, 6, 1), 100, 99),
        InstallmentState(date(2026, 6, 8), 100, 0),
        InstallmentState(date(2026, 7, 1), 100, 0),
    ]
    assert missed_installments(items, grace_days=2, today=date(2026, 6, 10)) == 1
    assert missed_installments(items, grace_days=2, today=date(2026, 6, 11)) == 2
    assert plan_is_defaulted(2, 2) is True
    assert plan_is_defaulted(1, 2) is False
    assert plan_is_defaulted(5, 0) is False


def test_payment_spreads_over_installments_oldest_first() -> None:
    assert apply_to_installments([(100, 100), (100, 40), (100, 0), (100, 0)], 150) == [0, 60, 90, 0]
    assert apply_to_installments([(100, 0)], 150) == [100]


MATRIX = ApprovalMatrix(self_approve_bps=1_000, team_lead_bps=3_000, manager_bps=5_000)


@pytest.mark.parametrize(
    ("balance", "amount", "bps", "needed"),
    [
        (100_000, 90_000, 1_000, Approval.NONE),
        (100_000, 89_999, 1_001, Approval.TEAM_LEAD),
        (100_000, 70_000, 3_000, Approval.TEAM_LEAD),
        (100_000, 69_999, 3_001, Approval.MANAGER),
        (100_000, 50_000, 5_000, Approval.MANAGER),
        (100_000, 49_999, 5_001, Approval.REFUSED),
        (3, 2, 3_334, Approval.MANAGER),  # rounded up, never understated
    ],
)
def test_approval_matrix_thresholds(balance: int, amount: int, bps: int, needed: Approval) -> None:
    assert discount_bps(balance, amount) == bps
    assert required_approval(bps, MATRIX) == needed


def test_four_eyes_the_proposer_never_approves() -> None:
    assert (
        approval_refusal(
            needed=Approval.TEAM_LEAD, approver_role="team_lead", approver_id=7, proposer_id=7
        )
        == "approver_is_proposer"
    )
    assert (
        approval_refusal(
            needed=Approval.TEAM_LEAD, approver_role="team_lead", approver_id=8, proposer_id=7
        )
        is None
    )
    assert (
        approval_refusal(
            needed=Approval.MANAGER, approver_role="team_lead", approver_id=8, proposer_id=7
        )
        == "role_cannot_approve"
    )
    assert (
        approval_refusal(
            needed=Approval.MANAGER, approver_role="manager", approver_id=8, proposer_id=7
        )
        is None
    )
    assert (
        approval_refusal(
            needed=Approval.NONE, approver_role="manager", approver_id=8, proposer_id=7
        )
        == "no_approval_pending"
    )
