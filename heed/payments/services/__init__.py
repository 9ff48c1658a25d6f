"""Writes for money: promises, plans, settlements, payments and reversals.

Every service is one transaction, locks the account row first (then the rows that belong to it,
in id order), changes balances relative to their current values (``F()`` or the equivalent SQL),
moves the account's status only through :func:`heed.portfolio.services.account_transition`, and
writes its audit event. Callers import from this package; the modules split it by subject.
"""

from __future__ import annotations

from heed.payments.services._common import policy_for_creditor
from heed.payments.services.daily import DAILY_ACTOR, DailyResult, payments_daily
from heed.payments.services.plans import (
    PlanPreview,
    plan_cancel,
    plan_create,
    plan_decide,
    plan_preview,
)
from heed.payments.services.policy import POLICY_FIELDS, payment_policy_update
from heed.payments.services.postings import (
    IdempotentResult,
    payment_record,
    payment_record_idempotent,
    payment_reverse,
    request_fingerprint,
)
from heed.payments.services.promises import PROMISE_MESSAGES, promise_cancel, promise_create
from heed.payments.services.settlements import (
    settlement_cancel,
    settlement_decide,
    settlement_propose,
)

__all__ = [
    "DAILY_ACTOR",
    "POLICY_FIELDS",
    "PROMISE_MESSAGES",
    "DailyResult",
    "IdempotentResult",
    "PlanPreview",
    "payment_policy_update",
    "payment_record",
    "payment_record_idempotent",
    "payment_reverse",
    "payments_daily",
    "plan_cancel",
    "plan_create",
    "plan_decide",
    "plan_preview",
    "policy_for_creditor",
    "promise_cancel",
    "promise_create",
    "request_fingerprint",
    "settlement_cancel",
    "settlement_decide",
    "settlement_propose",
]
