from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

# Paths a user who still owes a second factor may reach.
_MFA_OPEN_PREFIXES = ("/static/", "/i18n/", "/api/")


class UserLanguageMiddleware:
    """A signed-in user sees Heed in the language saved on their profile (per user, any device).

    Runs after authentication; anonymous visitors keep the cookie/browser choice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if user is None or not user.is_authenticated or not language:
            return self.get_response(request)
        # For this request only: the thread goes back to its language after the response, so
        # nothing later on it (another request, a task, a test) speaks this user's language.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class MfaRequiredMiddleware:
    """A user whose role requires two-factor must verify (or enrol) before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "role", "") in settings.MFA_REQUIRED_ROLES
            and not user.is_verified()
            and not request.path.startswith(_MFA_OPEN_PREFIXES)
        ):
            allowed = {reverse("mfa_verify"), reverse("mfa_enrol"), reverse("logout")}
            if request.path not in allowed:
                from django_otp import devices_for_user

                has_device = any(True for _ in devices_for_user(user, confirmed=True))
                return redirect("mfa_verify" if has_device else "mfa_enrol")
        return self.get_response(request)
