"""Signing in: lockout after repeated failures (django-axes) and TOTP two-factor per role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.users.models import Team
from heed.users.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def token_for(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def test_correct_password_signs_in_and_is_audited(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha, language="zh-hans")
    client = Client()
    response = login(client, user.username, TEST_PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert response.cookies["django_language"].value == "zh-hans"
    assert list(AuditEvent.objects.values_list("action", "actor_user_id")) == [
        ("auth.login", user.pk)
    ]


def test_wrong_password_shows_the_form_again(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    response = login(Client(), user.username, "wrong-password")
    assert response.status_code == 200
    assert AuditEvent.objects.count() == 0


def test_five_failures_lock_the_account_even_for_the_right_password(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    client = Client()
    statuses = [login(client, user.username, f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = login(client, user.username, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The lock is per username: a colleague on the same address still signs in.
    colleague = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    assert login(client, colleague.username, TEST_PASSWORD).status_code == 302
    # ...and it holds from another address too.
    other_address = Client(REMOTE_ADDR="10.9.8.7")
    assert login(other_address, user.username, TEST_PASSWORD).status_code == 429


def test_four_failures_do_not_lock(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    client = Client()
    for i in range(4):
        login(client, user.username, f"wrong-{i}")
    assert login(client, user.username, TEST_PASSWORD).status_code == 302


@pytest.fixture
def mfa_for_administrators(settings: Any) -> None:
    settings.MFA_REQUIRED_ROLES = [Role.ADMINISTRATOR]


def test_role_that_needs_two_factor_is_sent_to_enrolment(
    mfa_for_administrators: None, team_alpha: Team, client_for: Any
) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    client = client_for(admin)
    for path in ("/", "/admin/users/", "/audit/", "/account/"):
        response = client.get(path)
        assert (path, response.status_code, response["Location"]) == (
            path,
            302,
            "/account/mfa/enrol/",
        )
    # The API does not accept the half-signed-in session either.
    assert client.get("/api/v1/me").status_code == 401


def test_role_without_the_requirement_is_not_redirected(
    mfa_for_administrators: None, team_alpha: Team, client_for: Any
) -> None:
    collector = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    assert client_for(collector).get("/").status_code == 200


def test_totp_enrolment_with_a_computed_token(
    mfa_for_administrators: None, team_alpha: Team, client_for: Any
) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    client = client_for(admin)
    page = client.get("/account/mfa/enrol/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=admin)
    assert device.confirmed is False

    bad = "000000" if token_for(device) != "000000" else "111111"
    wrong = client.post("/account/mfa/enrol/", {"token": bad})
    assert wrong.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is False
    assert device.throttling_failure_count == 1
    device.throttle_reset()  # as if the user waited out the throttle delay

    response = client.post("/account/mfa/enrol/", {"token": token_for(device)})
    assert (response.status_code, response["Location"]) == (302, "/account/")
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["auth.mfa_enrolled"]


def test_enrolled_user_verifies_on_the_next_sign_in(
    mfa_for_administrators: None, team_alpha: Team
) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = Client()
    assert login(client, admin.username, TEST_PASSWORD).status_code == 302
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/account/mfa/verify/")

    bad = "000000" if token_for(device) != "000000" else "111111"
    assert client.post("/account/mfa/verify/", {"token": bad}).status_code == 200
    assert client.get("/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # as if the user waited out the throttle delay

    response = client.post("/account/mfa/verify/", {"token": token_for(device)})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "auth.login",
        "auth.mfa_failed",
        "auth.mfa_verified",
    ]


def test_the_profile_language_holds_for_the_request_only(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha, language="zh-hans")
    client = Client()
    client.force_login(user)
    with translation.override("en"):
        response = client.get("/")
        after = translation.get_language()
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert 'lang="zh-hans"' in response.content.decode()
    # The thread is back to the language it had: a later request, task or test is not served
    # in this user's language.
    assert after == "en"
