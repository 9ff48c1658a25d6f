from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory
from heed.screening.engine.lexicon import load_lexicon

URL = "/api/v1/screening/check"
LAWSUIT = "如果本周不还款，我们将起诉您。"

pytestmark = pytest.mark.django_db


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_anonymous_is_refused(snapshot: Callable[[], Any]) -> None:
    snap = snapshot()
    response = post(Client(), {"text": "你这个老赖"})
    assert response.status_code == 401
    snap.assert_unchanged()


def test_role_without_permission_is_refused(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    client = api_client_for(make_user(Role.HR_OFFICER))
    response = post(client, {"text": "你这个老赖"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_collector_gets_verdict_and_findings(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    client = api_client_for(make_user(Role.COLLECTOR))
    response = post(client, {"text": "你就是個老賴！", "language": "zh", "channel": "sms"})
    assert response.status_code == 200
    assert response.json() == {
        "verdict": "block",
        "findings": [
            {
                "category": "P3",
                "start": 4,
                "end": 6,
                "match": "老賴",
                "rule": "lex:zh:P3:老赖",
                "confidence": 0.95,
            }
        ],
        "lexicon_version": load_lexicon().version,
    }


def test_lawful_text_passes(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    client = api_client_for(make_user(Role.COLLECTOR))
    response = post(client, {"text": "已为您执行自动扣款，扣款金额500元。"})
    assert response.json() == {
        "verdict": "pass",
        "findings": [],
        "lexicon_version": load_lexicon().version,
    }


def test_unknown_fields_and_values_are_rejected(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    client = api_client_for(make_user(Role.COLLECTOR))
    assert post(client, {"text": "hi", "colour": "red"}).status_code == 422
    assert post(client, {"text": "hi", "language": "fr"}).status_code == 422
    assert post(client, {"text": "hi", "channel": "fax"}).status_code == 422


def test_gated_category_follows_the_account_facts(
    actors: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    people = actors(Role.COLLECTOR)
    approved = AccountFactory(assigned_collector=people.right, litigation_status="approved")
    barred = AccountFactory(
        assigned_collector=people.right,
        litigation_status="approved",
        time_barred_on=datetime.date(2020, 1, 1),
    )
    client = api_client_for(people.right)
    assert post(client, {"text": LAWSUIT}).json()["verdict"] == "review"
    assert post(client, {"text": LAWSUIT, "account": approved.pk}).json() == {
        "verdict": "pass",
        "findings": [],
        "lexicon_version": load_lexicon().version,
    }
    assert post(client, {"text": LAWSUIT, "account": barred.pk}).json()["verdict"] == "block"


def test_account_outside_scope_is_not_found(
    actors: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    people = actors(Role.COLLECTOR)
    account = AccountFactory(assigned_collector=people.right, litigation_status="approved")
    response = post(api_client_for(people.other), {"text": LAWSUIT, "account": account.pk})
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No such account in your scope.",
        "fields": {"account": ["No such account in your scope."]},
    }
    missing = post(api_client_for(people.other), {"text": LAWSUIT, "account": 999_999})
    assert missing.status_code == 404
    assert missing.json() == response.json()


@pytest.mark.parametrize("account", [True, "7", 7.0, [7]])
def test_account_must_be_a_number(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client], account: Any
) -> None:
    # true was read as account 1, and "7" as account 7.
    response = post(
        api_client_for(make_user(Role.COLLECTOR)), {"text": LAWSUIT, "account": account}
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["account"]


@pytest.mark.parametrize("text", ["", " ", "\n\t  \u3000"])
def test_empty_or_blank_text_is_refused_with_the_field_named(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client], text: str
) -> None:
    response = post(api_client_for(make_user(Role.COLLECTOR)), {"text": text})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "The text cannot be screened.",
        "fields": {"text": ["This field is required."]},
    }


NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Authentication required: sign in, or send 'Authorization: Bearer <API key>'.",
    "fields": {},
}


@pytest.mark.parametrize("header", [None, "Bearer heed_wrong_key", "Bearer nope", "Basic eDp5"])
def test_a_post_without_valid_credentials_gets_401_like_a_get(
    make_user: Callable[..., Any], header: str | None, snapshot: Callable[[], Any]
) -> None:
    # A real client: CSRF is enforced as in production (the test client skips it by default).
    client = Client(enforce_csrf_checks=True, **({"HTTP_AUTHORIZATION": header} if header else {}))
    snap = snapshot()
    response = post(client, {"text": "你这个老赖"})
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
    assert response["WWW-Authenticate"] == "Bearer"
    listing = client.get("/api/v1/screening/messages")
    assert (listing.status_code, listing.json()) == (401, NOT_AUTHENTICATED)
    snap.assert_unchanged()


def test_a_signed_in_browser_still_needs_the_csrf_token_to_post(
    make_user: Callable[..., Any],
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        make_user(Role.COLLECTOR), backend="django.contrib.auth.backends.ModelBackend"
    )
    refused = post(client, {"text": "你这个老赖"})
    assert refused.status_code == 403
    client.get("/screening/")  # a page sets the CSRF cookie, as in a browser
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        URL,
        data=json.dumps({"text": "你这个老赖"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert allowed.status_code == 200
    assert allowed.json()["verdict"] == "block"
