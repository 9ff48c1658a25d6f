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
    }


def test_lawful_text_passes(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    client = api_client_for(make_user(Role.COLLECTOR))
    response = post(client, {"text": "已为您执行自动扣款，扣款金额500元。"})
    assert response.json() == {"verdict": "pass", "findings": []}


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
    }
    assert post(client, {"text": LAWSUIT, "account": barred.pk}).json()["verdict"] == "block"


def test_account_outside_scope_is_not_found(
    actors: Callable[..., Any], api_client_for: Callable[..., Client]
) -> None:
    people = actors(Role.COLLECTOR)
    account = AccountFactory(assigned_collector=people.right, litigation_status="approved")
    response = post(api_client_for(people.other), {"text": LAWSUIT, "account": account.pk})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    missing = post(api_client_for(people.other), {"text": LAWSUIT, "account": 999_999})
    assert missing.status_code == 404
    assert missing.json() == response.json()
