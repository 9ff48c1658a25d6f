"""API authentication: browser sessions (with CSRF) and hashed API keys (Bearer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from heed.core import context
from heed.core.errors import ApplicationError
from heed.users.models import API_KEY_PREFIX, ApiKey, ApiKeyUsage, hash_api_key


class RateLimited(ApplicationError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            _("Rate limit exceeded for this API key; retry after %(seconds)s s.")
            % {"seconds": retry_after},
            "rate_limited",
        )
        self.retry_after = retry_after


def _consume_rate_limit(key: ApiKey) -> None:
    limit = key.rate_limit_per_minute or settings.API_RATE_LIMIT_PER_MINUTE
    now = timezone.now()
    window = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        updated = ApiKeyUsage.objects.filter(api_key=key, window_start=window).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    ApiKeyUsage.objects.create(api_key=key, window_start=window, count=1)
            except IntegrityError:
                ApiKeyUsage.objects.filter(api_key=key, window_start=window).update(
                    count=F("count") + 1
                )
        count = ApiKeyUsage.objects.filter(api_key=key, window_start=window).values_list(
            "count", flat=True
        )[0]
    if count > limit:
        retry = int((window + timedelta(minutes=1) - now).total_seconds()) + 1
        raise RateLimited(retry)


class ApiKeyAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(API_KEY_PREFIX):
            return None
        key = (
            ApiKey.objects.select_related("user")
            .filter(key_hash=hash_api_key(token), revoked_at__isnull=True)
            .first()
        )
        if key is None or not key.user.is_active:
            return None
        _consume_rate_limit(key)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        request.user = key.user
        request.api_key = key  # type: ignore[attr-defined]
        ctx = context.current()
        if ctx is not None:
            ctx.user = key.user
            ctx.api_key = key
        return key.user


class StaffSessionAuth(SessionAuth):
    """Session cookie auth for the browser (CSRF enforced by Ninja on unsafe methods).

    The CSRF check only guards requests that a session would authenticate: a write with no
    signed-in session (a machine client with a missing or wrong API key) is simply not
    authenticated, and answers 401 like a GET instead of Ninja's "CSRF check Failed" 403.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        if getattr(user, "role", "") in settings.MFA_REQUIRED_ROLES and not user.is_verified():
            return None
        return user
