from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from heed.core.roles import Role
from heed.payments.demo import load_demo
from heed.payments.models import Payment, PromiseToPay, Settlement
from heed.users.tests.factories import AgencyFactory, TeamFactory


@pytest.mark.django_db
def test_demo_loads_once_on_the_portfolio_demo(make_user: Callable[..., Any]) -> None:
    from heed.portfolio.demo import load_demo as load_portfolio

    alpha = TeamFactory(name="Alpha")
    TeamFactory(name="Beta")
    north = AgencyFactory(code="north")
    make_user(Role.COLLECTOR, username="collector", team=alpha)
    make_user(Role.COLLECTOR, username="collector2", team=alpha)
    make_user(Role.TEAM_LEAD, username="team_lead", team=alpha)
    make_user(Role.DATA_MANAGER, username="data_manager", team=alpha)
    make_user(Role.AGENCY_USER, username="agency", agency=north)
    load_portfolio(stdout=io.StringIO())
    load_demo(stdout=io.StringIO())
    payments = Payment.objects.count()
    assert payments >= 6
    assert Payment.objects.filter(status="reversed").count() == 1
    assert PromiseToPay.objects.filter(status="broken").count() == 1
    assert PromiseToPay.objects.filter(status="kept").count() == 1
    assert Settlement.objects.filter(status="pending_approval").count() == 1
    out = io.StringIO()
    load_demo(stdout=out)
    assert "already loaded" in out.getvalue()
    assert Payment.objects.count() == payments


@pytest.mark.django_db
def test_demo_without_portfolio_data_does_nothing() -> None:
    out = io.StringIO()
    load_demo(stdout=out)
    assert "skipped" in out.getvalue()
    assert not Payment.objects.exists()
