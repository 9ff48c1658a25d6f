"""The API's contract: authentication, one error format, pagination, per-key rate limits."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from heed.core.roles import Role, permissions_for_role
from heed.users.models import ApiKey, Team, User
from heed.users.services import api_key_create, api_key_revoke
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Authentication required: sign in, or send 'Authorization: Bearer <API key>'.",
    "fields": {},
}
FORBIDDEN = {
    "code": "permission_denied",
    "message": "You do not have permission to do this.",
    "fields": {},
}
NOT_FOUND = {"code": "not_found", "message": "Not found.", "fields": {}}


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def lead(team_alpha: Team) -> User:
    return UserFactory(
        username="lead", first_name="Zhang", last_name="Min", role=Role.TEAM_LEAD, team=team_alpha
    )


def expected_me(user: User, *, via_api_key: bool) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "team_id": user.team_id,
        "agency_id": user.agency_id,
        "language": "en",
        "permissions": sorted(permissions_for_role(user.role)),
        "via_api_key": via_api_key,
    }


def test_me_with_a_session(lead: User, client_for: Any) -> None:
    response = client_for(lead).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == expected_me(lead, via_api_key=False)


def test_me_with_a_bearer_api_key(lead: User) -> None:
    _key, raw = api_key_create(actor=lead, user=lead, name="dialer")
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == expected_me(lead, via_api_key=True)
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [None, "Bearer heed_nope_nope", "Bearer not-even-ours", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_unauthenticated_requests_get_401_in_the_error_format(
    lead: User, header: str | None
) -> None:
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_key_is_refused(lead: User) -> None:
    key, raw = api_key_create(actor=lead, user=lead, name="dialer")
    assert bearer(raw).get("/api/v1/me").status_code == 200
    api_key_revoke(actor=lead, key=key)
    response = bearer(raw).get("/api/v1/me")
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_key_of_a_deactivated_user_is_refused(lead: User) -> None:
    _key, raw = api_key_create(actor=lead, user=lead, name="dialer")
    User.objects.filter(pk=lead.pk).update(is_active=False)
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_403_404_and_422_share_the_error_format(lead: User, team_beta: Team) -> None:
    collector = UserFactory(role=Role.COLLECTOR, team=lead.team)
    stranger = UserFactory(role=Role.COLLECTOR, team=team_beta)
    _key, collector_raw = api_key_create(actor=None, user=collector, name="c")
    _key, lead_raw = api_key_create(actor=None, user=lead, name="l")

    forbidden = bearer(collector_raw).get("/api/v1/users")
    assert (forbidden.status_code, forbidden.json()) == (403, FORBIDDEN)

    not_yours = bearer(lead_raw).get(f"/api/v1/users/{stranger.pk}")
    missing = bearer(lead_raw).get("/api/v1/users/987654")
    assert (not_yours.status_code, not_yours.json()) == (404, NOT_FOUND)
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)

    invalid = bearer(lead_raw).post("/api/v1/api-keys", {}, content_type="application/json")
    assert invalid.status_code == 422
    assert invalid.json() == {
        "code": "invalid",
        "message": "The request is not valid: name.",
        "fields": {"name": ["This field is required."]},
    }
    bad_path = bearer(lead_raw).get("/api/v1/users/abc")
    assert bad_path.status_code == 422
    assert bad_path.json()["code"] == "invalid"
    assert set(bad_path.json()["fields"]) == {"user_id"}


def test_business_errors_carry_their_fields(lead: User) -> None:
    _key, raw = api_key_create(actor=None, user=lead, name="l")
    response = bearer(raw).post(
        "/api/v1/api-keys", {"name": "   "}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "An API key needs a name.",
        "fields": {"name": ["required"]},
    }


def test_pagination(team_alpha: Team, client_for: Any) -> None:
    admin = UserFactory(username="admin", role=Role.ADMINISTRATOR, team=team_alpha)
    for n in range(4):
        UserFactory(username=f"staff{n}", role=Role.COLLECTOR, team=team_alpha)
    client = client_for(admin)
    first = client.get("/api/v1/users", {"page_size": 2}).json()
    third = client.get("/api/v1/users", {"page_size": 2, "page": 3}).json()
    beyond = client.get("/api/v1/users", {"page_size": 2, "page": 9}).json()
    assert (first["count"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [u["username"] for u in first["items"]] == ["admin", "staff0"]
    assert [u["username"] for u in third["items"]] == ["staff3"]
    assert (beyond["items"], beyond["count"]) == ([], 5)
    default = client.get("/api/v1/users").json()
    assert (default["page_size"], len(default["items"])) == (50, 5)
    too_big = client.get("/api/v1/users", {"page_size": 501})
    assert (too_big.status_code, too_big.json()["code"]) == (422, "invalid")


def test_list_endpoint_query_count_does_not_grow_with_rows(
    team_alpha: Team, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    for n in range(30):
        UserFactory(username=f"staff{n}", role=Role.COLLECTOR, team=team_alpha)
    client = client_for(admin)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/users").status_code == 200


class FrozenClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def test_rate_limit_per_key_answers_429_with_retry_after(
    lead: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "heed.api.auth.timezone", FrozenClock(datetime(2026, 3, 1, 9, 15, 30, 250000, tzinfo=UTC))
    )
    slow, slow_raw = api_key_create(actor=None, user=lead, name="slow")
    ApiKey.objects.filter(pk=slow.pk).update(rate_limit_per_minute=3)
    _fast, fast_raw = api_key_create(actor=None, user=lead, name="fast")

    statuses = [bearer(slow_raw).get("/api/v1/me").status_code for _ in range(3)]
    limited = bearer(slow_raw).get("/api/v1/me")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited["Retry-After"] == "30"
    assert limited.json() == {
        "code": "rate_limited",
        "message": "Rate limit exceeded for this API key; retry after 30 s.",
        "fields": {},
    }
    # The limit is per key: the same user's other key still works.
    assert bearer(fast_raw).get("/api/v1/me").status_code == 200
    # The next minute opens a new window.
    monkeypatch.setattr(
        "heed.api.auth.timezone", FrozenClock(datetime(2026, 3, 1, 9, 16, 1, tzinfo=UTC))
    )
    assert bearer(slow_raw).get("/api/v1/me").status_code == 200


def test_default_rate_limit_comes_from_settings(
    lead: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    monkeypatch.setattr("heed.api.auth.timezone", FrozenClock(timezone.now().replace(second=5)))
    _key, raw = api_key_create(actor=None, user=lead, name="k")
    assert [bearer(raw).get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]


def test_session_posts_need_the_csrf_token(lead: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v1/api-keys", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert ApiKey.objects.count() == 0


def test_openapi_schema_and_docs_are_served(lead: User, client_for: Any) -> None:
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Heed API"
    assert "/api/v1/me" in schema.json()["paths"]
    assert client_for(lead).get("/api/v1/docs").status_code == 200


def test_unknown_api_path_answers_404_in_the_error_format(db: None) -> None:
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_method_the_path_does_not_offer_answers_405_in_the_error_format(
    lead: User, client_for: Any
) -> None:
    response = client_for(lead).delete("/api/v1/me")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {
        "code": "method_not_allowed",
        "message": "DELETE is not allowed here; allowed: GET.",
        "fields": {},
    }


def _write_operations() -> list[tuple[str, str]]:
    from heed.api.api import api

    schema = api.get_openapi_schema()
    return [
        (method, path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    ]


WRITES = _write_operations()


@pytest.mark.parametrize("header", [None, "Bearer heed_nope_nope"])
@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_every_api_write_without_valid_credentials_gets_401_not_a_csrf_403(
    lead: User, method: str, path: str, header: str | None
) -> None:
    # enforce_csrf_checks: as a real machine client meets it (the test client skips CSRF).
    client = Client(enforce_csrf_checks=True, **({"HTTP_AUTHORIZATION": header} if header else {}))
    url = "/api/v1" + re.sub(r"\{[^}]+\}", "1", path)
    response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 401, response.content
    assert response.json() == NOT_AUTHENTICATED


def test_a_session_write_without_the_csrf_token_is_still_refused_and_with_it_allowed(
    lead: User,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead, backend="django.contrib.auth.backends.ModelBackend")
    refused = client.post("/api/v1/api-keys", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    client.get("/")
    allowed = client.post(
        "/api/v1/api-keys",
        {"name": "x"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert allowed.status_code == 201, allowed.content
    assert ApiKey.objects.count() == 1


def test_every_authenticated_operation_documents_401_and_429(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        assert operation.get("security"), (path, method)
        for status in ("401", "429"):
            response = operation["responses"][status]
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorOut", (path, method, status)


def test_input_errors_speak_the_callers_language(lead: User) -> None:
    _key, raw = api_key_create(actor=None, user=lead, name="l")
    caller = bearer(raw)
    response = caller.post(
        "/api/v1/screening/check",
        data=json.dumps({"text": 5, "extra": 1}),
        content_type="application/json",
        headers={"Accept-Language": "zh-hans"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "请求无效：extra, text。"
    assert body["fields"] == {"extra": ["未知字段。"], "text": ["需要文本。"]}
    missing = caller.get("/api/v1/no-such-thing", headers={"Accept-Language": "zh-hans"})
    assert (missing.status_code, missing.json()["message"]) == (404, "未找到。")


def test_a_list_of_allowed_values_and_an_unreadable_body_speak_chinese(lead: User) -> None:
    _key, raw = api_key_create(actor=None, user=lead, name="l")
    caller = bearer(raw)
    zh = {"Accept-Language": "zh-hans"}
    wrong = caller.post(
        "/api/v1/screening/check",
        data=json.dumps({"text": "hello", "channel": "fax"}),
        content_type="application/json",
        headers=zh,
    )
    assert wrong.status_code == 422
    (message,) = wrong.json()["fields"]["channel"]
    assert message.startswith("请使用以下值之一：'sms', ")
    assert " or " not in message and message.endswith("'other'。")
    unreadable = caller.post(
        "/api/v1/screening/check", data=b"{not json", content_type="application/json", headers=zh
    )
    assert unreadable.status_code == 400
    assert unreadable.json() == {
        "code": "bad_request",
        "message": "无法读取请求正文：请发送 UTF-8 编码的有效 JSON。",
        "fields": {},
    }
