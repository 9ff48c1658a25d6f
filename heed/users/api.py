from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from heed.api.pagination import Page
from heed.api.permissions import require
from heed.api.schemas import ErrorOut
from heed.users import services
from heed.users.models import ApiKey, User
from heed.users.selectors import api_key_get_for_user, user_get_for_user, user_list_for_user

router = Router(tags=["users"])


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    team_id: int | None
    agency_id: int | None
    language: str
    permissions: list[str]
    via_api_key: bool


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    team_id: int | None
    agency_id: int | None
    is_active: bool

    @staticmethod
    def resolve_full_name(obj: User) -> str:
        return obj.get_full_name()


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    user_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    user_id: int | None = None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str


def _user_out(user: User) -> dict[str, object]:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "team_id": user.team_id,
        "agency_id": user.agency_id,
        "is_active": user.is_active,
    }


@router.get("/me", response=MeOut, summary="The caller: user, role and permissions")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    assert isinstance(user, User)
    return {
        **_user_out(user),
        "language": user.language,
        "permissions": sorted(user.permissions),
        "via_api_key": getattr(request, "api_key", None) is not None,
    }


@router.get("/users", response={200: list[UserOut], 403: ErrorOut}, summary="Staff in scope")
@paginate(Page)
def list_users(request: HttpRequest) -> QuerySet[User]:
    require(request, "users.view")
    return user_list_for_user(request.user)


@router.get("/users/{user_id}", response={200: UserOut, 403: ErrorOut, 404: ErrorOut})
def get_user(request: HttpRequest, user_id: int) -> User:
    require(request, "users.view")
    return user_get_for_user(request.user, user_id)


@router.get("/api-keys", response={200: list[ApiKeyOut]}, summary="API keys in scope")
@paginate(Page)
def list_api_keys(request: HttpRequest) -> list[ApiKey]:
    return list(ApiKey.objects.for_user(request.user).order_by("-created_at"))


@router.post(
    "/api-keys",
    response={201: ApiKeyCreatedOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Create an API key (the key is returned once)",
)
def create_api_key(request: HttpRequest, payload: ApiKeyIn) -> tuple[int, dict[str, object]]:
    actor = request.user
    owner = actor if payload.user_id is None else user_get_for_user(actor, payload.user_id)
    assert isinstance(owner, User)
    key, raw = services.api_key_create(actor=actor, user=owner, name=payload.name)
    return 201, {**ApiKeyOut.from_orm(key).dict(), "key": raw}


@router.post(
    "/api-keys/{key_id}/revoke",
    response={200: ApiKeyOut, 403: ErrorOut, 404: ErrorOut},
    summary="Revoke an API key",
)
def revoke_api_key(request: HttpRequest, key_id: int) -> ApiKey:
    key = api_key_get_for_user(request.user, key_id)
    return services.api_key_revoke(actor=request.user, key=key)
