"""A creditor's payment policy: the limits the other services apply."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import record
from heed.core.errors import ApplicationError
from heed.payments.models import (
    CreditorPaymentPolicy,
)
from heed.payments.services._common import (
    _require,
)

# --- Creditor policy ----------------------------------------------------------------------------

POLICY_FIELDS = (
    "promise_min_amount",
    "promise_min_share_bps",
    "promise_max_days_ahead",
    "promise_max_open",
    "promise_grace_days",
    "plan_collector_max_installments",
    "plan_team_lead_max_installments",
    "plan_manager_max_installments",
    "plan_grace_days",
    "plan_default_after_missed",
    "settlement_self_approve_bps",
    "settlement_team_lead_bps",
    "settlement_manager_bps",
    "settlement_max_days",
    "agency_commission_bps",
)


@transaction.atomic
def payment_policy_update(
    *, actor: Any, creditor: Any, changes: dict[str, int]
) -> CreditorPaymentPolicy:
    """Change a creditor's payment policy: promise, plan and settlement limits, agency share."""
    _require(actor, "portfolio.manage_creditors")
    unknown = sorted(set(changes) - set(POLICY_FIELDS))
    if unknown:
        raise ApplicationError(
            _("Unknown policy fields."),
            "invalid",
            fields={name: [_("Unknown field.")] for name in unknown},
        )
    bad = {name: [_("Must be zero or more.")] for name, value in changes.items() if int(value) < 0}
    if bad:
        raise ApplicationError(_("Policy values cannot be negative."), "invalid", fields=bad)
    policy, _created = CreditorPaymentPolicy.objects.select_for_update().get_or_create(
        creditor_id=creditor.pk
    )
    before = {name: getattr(policy, name) for name in changes}
    for name, value in changes.items():
        setattr(policy, name, int(value))
    if not (
        policy.settlement_self_approve_bps
        <= policy.settlement_team_lead_bps
        <= policy.settlement_manager_bps
        <= 10_000
    ):
        raise ApplicationError(
            _("Settlement thresholds must increase: no approval ≤ team lead ≤ manager ≤ 100%."),
            "invalid",
            fields={"settlement_team_lead_bps": [_("Thresholds out of order.")]},
        )
    policy.updated_at = timezone.now()
    policy.save()
    record(
        action="payment_policy.updated",
        actor=actor,
        target=policy,
        changes={name: [before[name], getattr(policy, name)] for name in changes},
    )
    return policy
