"""The screening demo: approved templates written by one officer and approved by the other, and
one draft waiting — made through the services (four-eyes, screening on save); idempotent."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.screening.demo import APPROVED, DRAFT, load_demo
from heed.screening.models import MessageTemplate, TemplateVersion

pytestmark = pytest.mark.django_db


def test_demo_templates_go_through_four_eyes_and_load_once(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER, username="compliance2")
    approver = make_user(Role.COMPLIANCE_OFFICER, username="compliance")
    out = io.StringIO()
    load_demo(stdout=out)
    approved = TemplateVersion.objects.filter(status="approved")
    assert sorted(approved.values_list("template__code", flat=True)) == sorted(
        code for code, *_rest in APPROVED
    )
    assert set(approved.values_list("author", "approved_by")) == {(author.pk, approver.pk)}
    assert set(approved.values_list("screening_verdict", flat=True)) == {"pass"}
    draft = TemplateVersion.objects.get(template__code=DRAFT[0])
    assert (draft.status, draft.screening_verdict) == ("draft", "review")
    assert "7 approved message templates, 1 draft" in out.getvalue()
    load_demo(stdout=out)
    assert MessageTemplate.objects.count() == len(APPROVED) + 1
    assert "already loaded" in out.getvalue()


def test_demo_needs_both_officers(make_user: Callable[..., Any]) -> None:
    make_user(Role.COMPLIANCE_OFFICER, username="compliance")
    out = io.StringIO()
    load_demo(stdout=out)
    assert MessageTemplate.objects.count() == 0
    assert "skipped" in out.getvalue()


def test_demo_messages_one_sent_one_blocked_one_held(
    make_user: Callable[..., Any], packs_active: None, outbox: Any
) -> None:
    from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
    from heed.screening.models import OutgoingMessage

    make_user(Role.COMPLIANCE_OFFICER, username="compliance2")
    make_user(Role.COMPLIANCE_OFFICER, username="compliance")
    make_user(Role.TEAM_LEAD, username="team_lead")
    collector = make_user(Role.COLLECTOR, username="collector")
    account = AccountFactory(debtor=DebtorFactory(full_name="王小明"), assigned_collector=collector)
    make_contact_point(account.debtor, "+8613812341234")
    out = io.StringIO()
    load_demo(stdout=out)
    statuses = sorted(OutgoingMessage.objects.values_list("status", flat=True))
    assert statuses == ["blocked_content", "held_review", "sent"], out.getvalue()
    assert outbox.exists()
