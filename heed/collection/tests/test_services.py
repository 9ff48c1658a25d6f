"""Recording contact attempts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from heed.audit.models import AuditEvent
from heed.collection.models import ContactAttempt
from heed.collection.services import contact_attempt_record
from heed.core.errors import ApplicationError, PermissionDenied
from heed.core.roles import Role
from heed.portfolio.tests.factories import AccountFactory, make_contact_point

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(make_user: Any) -> Any:
    return make_user(Role.COLLECTOR, username="alice")


@pytest.fixture
def account(collector: Any) -> Any:
    return AccountFactory(assigned_collector=collector)


def test_inbound_contact_needs_no_decision(collector: Any, account: Any) -> None:
    point = make_contact_point(account.debtor, "+8613812341234")
    attempt = contact_attempt_record(
        actor=collector,
        account=account,
        contact_point=point,
        channel="call",
        outcome="conversation",
        direction="inbound",
        initiator="debtor",
        started_at=datetime(2026, 3, 2, 10, 0, tzinfo=SH),
    )
    assert (attempt.check_status, attempt.is_unchecked) == ("inbound", False)
    assert attempt.debts_discussed == [account.pk]
    assert attempt.agency_id is None


def test_contact_in_the_future_or_on_another_debtors_point_is_refused(
    collector: Any, account: Any
) -> None:
    other = AccountFactory(assigned_collector=collector)
    foreign = make_contact_point(other.debtor, "+8613900001234")
    with pytest.raises(ApplicationError) as error:
        contact_attempt_record(
            actor=collector,
            account=account,
            contact_point=foreign,
            channel="call",
            outcome="no_answer",
            started_at=timezone.now() + timedelta(hours=1),
        )
    assert error.value.fields == {
        "contact_point": ["Not a contact point of this account's debtor."],
        "started_at": ["A contact cannot be recorded in the future."],
    }
    assert ContactAttempt.objects.count() == 0


def test_recording_needs_the_contact_permission(make_user: Any, account: Any) -> None:
    auditor = make_user(Role.AUDITOR, username="carol")
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        contact_attempt_record(
            actor=auditor,
            account=account,
            contact_point=None,
            channel="visit",
            outcome="conversation",
            started_at=datetime(2026, 3, 2, 10, 0, tzinfo=SH),
        )
    assert ContactAttempt.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_unknown_outcome_is_refused(collector: Any, account: Any) -> None:
    with pytest.raises(ApplicationError) as error:
        contact_attempt_record(
            actor=collector,
            account=account,
            contact_point=None,
            channel="visit",
            outcome="shouted",
            started_at=datetime(2026, 3, 2, 10, 0, tzinfo=SH),
        )
    assert error.value.fields == {"outcome": ["Unknown outcome."]}
