"""One error format for every API failure: ``{"code", "message", "fields"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from heed.core.errors import ApplicationError


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def _field_name(loc: list[Any]) -> str:
    # Ninja locations look like ["body", "payload", "amount"] or ["query", "page"].
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "header")]
    return ".".join(parts) or (str(loc[0]) if loc else "request")


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        response = api.create_response(
            request, error_body(exc.code, exc.message, exc.fields), status=exc.status
        )
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(list(err.get("loc", []))), []).append(
                str(err.get("msg", "invalid"))
            )
        names = ", ".join(sorted(fields))
        return api.create_response(
            request,
            error_body("invalid", f"The request is not valid: {names}.", fields),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            error_body(
                "not_authenticated",
                "Authentication required: sign in, or send 'Authorization: Bearer <API key>'.",
            ),
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", "Not found."), status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: "bad_request",
            403: "permission_denied",
            404: "not_found",
            405: "method_not_allowed",
        }
        return api.create_response(
            request,
            error_body(code.get(exc.status_code, "error"), str(exc.message)),
            status=exc.status_code,
        )


def unknown_api_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """``/api/v1/<anything unknown>``: a 404 in the API's error format, not an HTML page."""
    return JsonResponse(error_body("not_found", "Not found."), status=404)


class MethodNotAllowedMiddleware:
    """A method the API path does not offer (Ninja answers 405 in plain text): answered in
    the API's error format, keeping the ``Allow`` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            message = f"{request.method} is not allowed here"
            message += f"; allowed: {allowed}." if allowed else "."
            converted = JsonResponse(error_body("method_not_allowed", message), status=405)
            if allowed:
                converted["Allow"] = allowed
            return converted
        return response
