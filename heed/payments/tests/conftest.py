from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from heed.core.roles import Role
from heed.portfolio import crypto
from heed.portfolio.models import Account
from heed.portfolio.tests.factories import AccountFactory, CreditorFactory
from heed.users.models import User

TEST_KEYS = ",".join(
    [
        "bi:" + base64.urlsafe_b64encode(b"i" * 32).decode(),
        "k1:" + base64.urlsafe_b64encode(b"1" * 32).decode(),
    ]
)


@pytest.fixture(autouse=True)
def field_keys(settings: Any) -> Iterator[str]:
    settings.FIELD_KEYS_RAW = TEST_KEYS
    crypto.reset_keyring()
    yield TEST_KEYS
    crypto.reset_keyring()


@pytest.fixture
def creditor(db: None) -> Any:
    return CreditorFactory(code="bank-a", name="Bank A")


@pytest.fixture
def collector(make_user: Callable[..., User], team_alpha: Any) -> User:
    return make_user(Role.COLLECTOR, username="col-alpha", team=team_alpha)


@pytest.fixture
def other_collector(make_user: Callable[..., User], team_beta: Any) -> User:
    return make_user(Role.COLLECTOR, username="col-beta", team=team_beta)


@pytest.fixture
def team_lead(make_user: Callable[..., User], team_alpha: Any) -> User:
    return make_user(Role.TEAM_LEAD, username="lead-alpha", team=team_alpha)


@pytest.fixture
def other_lead(make_user: Callable[..., User], team_beta: Any) -> User:
    return make_user(Role.TEAM_LEAD, username="lead-beta", team=team_beta)


@pytest.fixture
def manager(make_user: Callable[..., User], team_alpha: Any) -> User:
    return make_user(Role.MANAGER, username="manager", team=team_alpha)


@pytest.fixture
def data_manager(make_user: Callable[..., User], team_alpha: Any) -> User:
    return make_user(Role.DATA_MANAGER, username="data-manager", team=team_alpha)


@pytest.fixture
def auditor(make_user: Callable[..., User], team_alpha: Any) -> User:
    return make_user(Role.AUDITOR, username="auditor", team=team_alpha)


@pytest.fixture
def account(creditor: Any, collector: User, team_alpha: Any) -> Account:
    """Owes 10,000.00 principal + 1,500.00 interest + 500.00 fees = 12,000.00 CNY."""
    return AccountFactory(
        creditor=creditor,
        assigned_collector=collector,
        assigned_team=team_alpha,
        principal_balance=1_000_000,
        interest_balance=150_000,
        fees_balance=50_000,
    )


@pytest.fixture
def agency_account(creditor: Any, agency_north: Any) -> Account:
    return AccountFactory(
        creditor=creditor,
        agency=agency_north,
        principal_balance=500_000,
        interest_balance=0,
        fees_balance=0,
    )
