"""A data manager adds a contact point (a new number, an address for letters) on the debtor's
page: lawful source required, stored encrypted and masked, scoped, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError
from heed.core.roles import Role
from heed.portfolio import services
from heed.portfolio.models import ContactPoint
from heed.portfolio.selectors import contact_point_plain_value
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
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
    assert "That contact point is already on file, as “Debtor”." in again.content.decode()
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


# --- After the user audit: say what is wrong, require a real address, and name the role -------


def add_url(debtor: Any) -> str:
    return f"/portfolio/debtors/{debtor.pk}/contact-points/new/"


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        (
            "CN",
            "Not a valid phone number for CN: write it with the country code, "
            "e.g. +86 131 2345 6789.",
        ),
        (
            "US",
            "Not a valid phone number for US: write it with the country code, "
            "e.g. +1 201-555-0123.",
        ),
    ],
)
def test_a_bad_phone_number_says_what_is_wrong_and_how_to_write_it(
    country: str,
    expected: str,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    debtor = AccountFactory(debtor=DebtorFactory(country=country)).debtor
    response = client_for(make_user(Role.DATA_MANAGER)).post(
        add_url(debtor), form(kind="phone", value="12345")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["value"] == [expected]
    assert "Invalid." not in response.content.decode()
    assert not ContactPoint.objects.exists()


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("CN", "x"),
        ("CN", "北京市朝阳区"),  # a city and a district, no street
        ("US", "123 Main St"),  # a street, no town
        ("US", "x, y"),
        ("US", " \n , "),
    ],
)
def test_an_implausibly_short_postal_address_is_refused_with_the_rule(
    country: str,
    value: str,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    debtor = AccountFactory(debtor=DebtorFactory(country=country)).debtor
    response = client_for(make_user(Role.DATA_MANAGER)).post(add_url(debtor), form(value=value))
    assert response.status_code == 200
    [error] = response.context["form"].errors["value"]
    assert error.startswith("Not a full postal address: write at least the street")
    assert "a Chinese address needs at least 8 characters" in error
    assert not ContactPoint.objects.exists()
    assert not AuditEvent.objects.filter(action="contact_point.added").exists()


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("CN", "朝阳区建国路88号"),
        ("US", "123 Main St\nSpringfield, IL 62704"),
        ("GB", "10 Downing Street, London SW1A 2AA"),
    ],
)
def test_a_real_postal_address_is_accepted(
    country: str, value: str, make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    debtor = AccountFactory(debtor=DebtorFactory(country=country)).debtor
    response = client_for(make_user(Role.DATA_MANAGER)).post(add_url(debtor), form(value=value))
    assert response.status_code == 302
    assert contact_point_plain_value(ContactPoint.objects.get()) == value


def test_the_service_applies_the_same_rules(make_user: Callable[..., Any]) -> None:
    actor = make_user(Role.DATA_MANAGER)
    debtor = DebtorFactory(country="GB")
    with pytest.raises(ApplicationError) as caught:
        services.contact_point_add(
            actor=actor, debtor=debtor, kind="phone", value="0", provenance="contract"
        )
    assert caught.value.fields == {
        "value": [
            "Not a valid phone number for GB: write it with the country code, e.g. +44 7400 123456."
        ]
    }
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as caught:
        services.contact_point_add(
            actor=actor, debtor=debtor, kind="phone", value="0", provenance="contract"
        )
    assert caught.value.message == (
        "不是有效的 GB 电话号码：请连同国家代码填写，例如 +44 7400 123456。"
    )
    with pytest.raises(ApplicationError) as caught:
        services.contact_point_add(
            actor=actor, debtor=debtor, kind="postal", value="1", provenance="contract"
        )
    assert caught.value.code == "invalid_value"
    assert caught.value.message.startswith("Not a full postal address")
    assert not ContactPoint.objects.exists()


def test_a_number_on_file_under_another_role_is_refused_naming_that_role_until_confirmed(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    debtor = AccountFactory(debtor=DebtorFactory(full_name="王小明", timezones=[])).debtor
    point = make_contact_point(
        debtor,
        "+8613912345678",
        party_role="emergency_contact",
        party_name="李娜",
        relation="配偶",
    )
    manager = make_user(Role.DATA_MANAGER)
    client = client_for(manager)
    as_debtors = form(kind="phone", value="139 1234 5678", provenance="debtor_provided")
    refused = client.post(add_url(debtor), as_debtors)
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert errors["party_role"] == ["Already on file as “Emergency contact (李娜)”."]
    assert errors["__all__"] == [
        "This number is already on file for this debtor as “Emergency contact (李娜)”, not "
        "“Debtor”. Nothing was changed: confirm to change its role to “Debtor”, or keep "
        "“Emergency contact”."
    ]
    page = refused.content.decode()
    assert 'id="change-role"' in page and 'name="change_role"' in page
    point.refresh_from_db()
    assert (point.party_role, point.party_name, point.provenance) == (
        "emergency_contact",
        "李娜",
        "contract",
    )
    assert not AuditEvent.objects.filter(target_id=str(point.pk)).exists()
    # Confirmed: the same row changes its role (and source), audited; nothing is added.
    changed = client.post(add_url(debtor), {**as_debtors, "change_role": "on"}, follow=True)
    assert changed.redirect_chain == [(f"/portfolio/debtors/{debtor.pk}/", 302)]
    assert (
        "That contact point was on file as “Emergency contact”; its role is now “Debtor”."
        in changed.content.decode()
    )
    point.refresh_from_db()
    assert ContactPoint.objects.count() == 1
    assert (point.party_role, point.party_name, point.relation, point.provenance) == (
        "debtor",
        "",
        "",
        "debtor_provided",
    )
    event = AuditEvent.objects.get(action="contact_point.role_changed")
    assert (event.actor_user_id, event.target_id) == (manager.pk, str(point.pk))
    assert event.changes == {
        "party_role": ["emergency_contact", "debtor"],
        "provenance": ["contract", "debtor_provided"],
    }
    # The debtor's own number now: its time zone counts for the debtor's local time.
    debtor.refresh_from_db()
    assert debtor.timezones == ["Asia/Shanghai"]
    # Added again under the role it now has: on file, said with its role; nothing changes.
    again = client.post(add_url(debtor), as_debtors, follow=True)
    assert "That contact point is already on file, as “Debtor”." in again.content.decode()
    assert AuditEvent.objects.filter(target_id=str(point.pk)).count() == 1


def test_the_service_refuses_another_role_with_a_conflict_unless_told_to_change_it(
    make_user: Callable[..., Any],
) -> None:
    actor = make_user(Role.DATA_MANAGER)
    debtor = DebtorFactory()
    point = services.contact_point_add(
        actor=actor, debtor=debtor, kind="email", value="wang@example.com", provenance="contract"
    )
    with pytest.raises(ApplicationError) as caught:
        services.contact_point_add(
            actor=actor,
            debtor=debtor,
            kind="email",
            value="Wang@Example.com",
            party_role="guarantor",
            party_name="王大明",
            provenance="public_source",
        )
    assert (caught.value.code, caught.value.status) == ("on_file_other_role", 409)
    assert caught.value.message.startswith(
        "This e-mail address is already on file for this debtor as “Debtor”"
    )
    point.refresh_from_db()
    assert point.party_role == "debtor"
    changed = services.contact_point_add(
        actor=actor,
        debtor=debtor,
        kind="email",
        value="Wang@Example.com",
        party_role="guarantor",
        party_name="王大明",
        relation="父亲",
        provenance="public_source",
        change_role=True,
    )
    assert changed.pk == point.pk
    point.refresh_from_db()
    assert (point.party_role, point.party_name, point.relation) == ("guarantor", "王大明", "父亲")
