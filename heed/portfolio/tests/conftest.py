from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from heed.core.roles import Role
from heed.portfolio import crypto
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.users.tests.factories import AgencyFactory, TeamFactory

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


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    return settings.MEDIA_ROOT


@pytest.fixture
def world(make_user: Callable[..., Any]) -> dict[str, Any]:
    alpha, beta = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    north = AgencyFactory(code="north")
    south = AgencyFactory(code="south")
    users = {
        "collector": make_user(Role.COLLECTOR, username="c1", team=alpha),
        "collector2": make_user(Role.COLLECTOR, username="c2", team=alpha),
        "beta_collector": make_user(Role.COLLECTOR, username="c3", team=beta),
        "lead": make_user(Role.TEAM_LEAD, username="lead", team=alpha),
        "beta_lead": make_user(Role.TEAM_LEAD, username="blead", team=beta),
        "agency": make_user(Role.AGENCY_USER, username="ag", agency=north),
        "south_agency": make_user(Role.AGENCY_USER, username="ag2", agency=south),
        "compliance": make_user(Role.COMPLIANCE_OFFICER, username="co", team=alpha),
        "data_manager": make_user(Role.DATA_MANAGER, username="dm", team=alpha),
        "auditor": make_user(Role.AUDITOR, username="au", team=alpha),
    }
    debtor = DebtorFactory(plain_national_id="11010519491231002X")
    account = AccountFactory(
        debtor=debtor, assigned_collector=users["collector"], assigned_team=alpha
    )
    phone = make_contact_point(debtor, "13812341234")
    agency_account = AccountFactory(creditor=account.creditor, agency=north)
    return {
        "users": users,
        "account": account,
        "phone": phone,
        "debtor": debtor,
        "agency_account": agency_account,
        "alpha": alpha,
        "beta": beta,
        "north": north,
    }
