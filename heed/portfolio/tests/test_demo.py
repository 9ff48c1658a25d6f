from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from heed.core.roles import Role
from heed.portfolio.demo import load_demo
from heed.portfolio.models import Account, ContactPoint, Creditor, Debtor, Placement
from heed.users.tests.factories import AgencyFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_demo_is_realistic_and_idempotent(make_user: Callable[..., Any]) -> None:
    alpha = TeamFactory(name="Alpha")
    TeamFactory(name="Beta")
    AgencyFactory(code="north")
    make_user(Role.COLLECTOR, username="collector", team=alpha)
    make_user(Role.COLLECTOR, username="collector2", team=alpha)
    make_user(Role.DATA_MANAGER, username="data_manager", team=alpha)
    load_demo(stdout=io.StringIO())
    counts = (
        Creditor.objects.count(),
        Placement.objects.count(),
        Account.objects.count(),
        Debtor.objects.count(),
        ContactPoint.objects.count(),
    )
    assert counts[0] == 4 and counts[2] == 202
    assert Account.objects.filter(agency__code="north").count() == 30
    assert Account.objects.filter(assigned_collector__username="collector").exists()
    assert (
        Account.objects.filter(jurisdiction="US-NY").exists()
        or Account.objects.filter(jurisdiction__startswith="US-").exists()
    )
    assert Account.objects.filter(status="active").count() > 100
    load_demo(stdout=io.StringIO())
    assert (
        Creditor.objects.count(),
        Placement.objects.count(),
        Account.objects.count(),
        Debtor.objects.count(),
        ContactPoint.objects.count(),
    ) == counts
