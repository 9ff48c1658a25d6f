from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from heed.core.scoping import get_scoped_or_404
from heed.users.models import Agency, ApiKey, Team, User


def user_get_for_user(user: Any, pk: Any) -> User:
    return get_scoped_or_404(User.objects.for_user(user), pk)


def team_get_for_user(user: Any, pk: Any) -> Team:
    return get_scoped_or_404(Team.objects.for_user(user), pk)


def agency_get_for_user(user: Any, pk: Any) -> Agency:
    return get_scoped_or_404(Agency.objects.for_user(user), pk)


def api_key_get_for_user(user: Any, pk: Any) -> ApiKey:
    return get_scoped_or_404(ApiKey.objects.for_user(user), pk)


def user_list_for_user(user: Any) -> QuerySet[User]:
    return User.objects.for_user(user).select_related("team", "agency")


def team_list_with_counts(user: Any) -> QuerySet[Team]:
    return (
        Team.objects.for_user(user).select_related("lead").annotate(member_count=Count("members"))
    )


def agency_list_with_counts(user: Any) -> QuerySet[Agency]:
    return Agency.objects.for_user(user).annotate(member_count=Count("members"))
