"""A data manager adds a contact point (a new number, an address for letters) on the debtor's
page: lawful source required, stored encrypted and masked, scoped, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.portfolio.models import ContactPoint
from heed.portfolio.selectors import contact_point_plain_value
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory
from heed.users.models import Agency

pytestmark = pytest.mark.django_db

ADDRESS = "上海市黄浦区南京东路100号"


def form(**values: str) -> dict[str, str]:
    return {
        "kind": "postal",
        "value": ADDRESS,
        "party_role": "debtor",
        "party_name": "",
        "relation": "",
        "provenance": "debtor_provided",
    } | values


def test_a_data_manager_adds_a_postal_address_from_the_debtor_page(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    manager = make_user(Role.DATA_MANAGER)
    account = AccountFactory(debtor=DebtorFactory(full_name="王小明"))
    client = client_for(manager)
    page = client.get(f"/portfolio/debtors/{account.debtor_id}/").content.decode()
    url = f"/portfolio/debtors/{account.debtor_id}/contact-points/new/"
    assert f'href="{url}"' in page
    response = client.post(url, form())
    assert response.status_code == 302
    assert response["Location"] == f"/portfolio/debtors/{account.debtor_id}/"
    point = ContactPoint.objects.get(debtor=account.debtor)
    assert (point.kind, point.party_role) == ("postal", "debtor")
    assert point.provenance == "debtor_provided"
    assert contact_point_plain_value(point) == ADDRESS
    assert ADDRESS not in point.value and "南京东路100号" not in point.value_masked
    assert AuditEvent.objects.filter(action="contact_point.added").count() == 1
    # The same address again adds nothing.
    again = client.post(url, form(value=f"  {ADDRESS} "), follow=True)
    assert "already on file" in again.content.decode()
    assert ContactPoint.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"provenance": ""}, "provenance"),
        ({"kind": "phone", "value": "12"}, "value"),
        ({"party_role": "emergency_contact", "party_name": " "}, "party_name"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
    values: dict[str, str],
    field: str,
) -> None:
    account = AccountFactory()
    response = client_for(make_user(Role.DATA_MANAGER)).post(
        f"/portfolio/debtors/{account.debtor_id}/contact-points/new/", form(**values)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ContactPoint.objects.exists()


def test_only_data_managers_and_only_existing_debtors(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    account = AccountFactory()
    url = f"/portfolio/debtors/{account.debtor_id}/contact-points/new/"
    collector = make_user(Role.COLLECTOR)
    page = client_for(collector).get(f"/portfolio/debtors/{account.debtor_id}/")
    assert url not in page.content.decode()
    assert client_for(collector).post(url, form()).status_code == 403
    agency = Agency.objects.create(name="Other agency")
    agent = make_user(Role.AGENCY_USER, team=None, agency=agency)
    assert client_for(agent).post(url, form()).status_code == 403
    manager = client_for(make_user(Role.DATA_MANAGER))
    missing = f"/portfolio/debtors/{account.debtor_id + 1000}/contact-points/new/"
    assert manager.post(missing, form()).status_code == 404
    assert not ContactPoint.objects.exists()
