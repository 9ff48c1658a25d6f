"""One error format for every API failure: ``{"code", "message", "fields"}``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
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


def _validation_message(error: dict[str, Any]) -> str:
    """A field's validation error in the caller's language (pydantic's English text for kinds
    not listed)."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("A whole number is required.")
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return _("A number is required.")
    if kind in ("string_type", "string_unicode"):
        return _("A text is required.")
    if kind in ("bool_type", "bool_parsing"):
        return _("true or false is required.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("A list is required.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("An object is required.")
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return _("A date is required (YYYY-MM-DD).")
    if kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        return _("A date and time is required (ISO 8601).")
    if kind in ("uuid_type", "uuid_parsing"):
        return _("A UUID is required.")
    if kind == "string_too_long" and "max_length" in context:
        return _("At most %(count)s characters.") % {"count": context["max_length"]}
    if kind == "string_too_short" and "min_length" in context:
        return _("At least %(count)s characters.") % {"count": context["min_length"]}
    if kind == "too_long" and "max_length" in context:
        return _("At most %(count)s items.") % {"count": context["max_length"]}
    if kind == "literal_error" and "expected" in context:
        # pydantic writes "'a', 'b' or 'c'": a plain list reads right in every language.
        values = re.sub(r" or (?=[^,]*$)", ", ", str(context["expected"]))
        return _("Use one of: %(values)s.") % {"values": values}
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        limit = next(iter(context.values()), "")
        message = {
            "greater_than": _("Must be greater than %(limit)s."),
            "greater_than_equal": _("Must be at least %(limit)s."),
            "less_than": _("Must be less than %(limit)s."),
            "less_than_equal": _("Must be at most %(limit)s."),
        }[kind]
        return message % {"limit": limit}
    if kind in ("json_invalid", "json_type"):
        return _("The body is not valid JSON.")
    return str(error.get("msg", "invalid"))


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
                _validation_message(err)
            )
        names = ", ".join(sorted(fields))
        return api.create_response(
            request,
            error_body(
                "invalid", _("The request is not valid: %(names)s.") % {"names": names}, fields
            ),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            error_body(
                "not_authenticated",
                _("Authentication required: sign in, or send 'Authorization: Bearer <API key>'."),
            ),
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: "bad_request",
            403: "permission_denied",
            404: "not_found",
            405: "method_not_allowed",
        }
        message = str(exc.message)
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            # Ninja's own text for a body that is not JSON, in the caller's language.
            message = _("The request body cannot be read: send valid JSON in UTF-8.")
        return api.create_response(
            request,
            error_body(code.get(exc.status_code, "error"), message),
            status=exc.status_code,
        )


def unknown_api_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """``/api/v1/<anything unknown>``: a 404 in the API's error format, not an HTML page."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


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
            if allowed:
                message = _("%(method)s is not allowed here; allowed: %(allowed)s.") % {
                    "method": request.method,
                    "allowed": allowed,
                }
            else:
                message = _("%(method)s is not allowed here.") % {"method": request.method}
            converted = JsonResponse(error_body("method_not_allowed", message), status=405)
            if allowed:
                converted["Allow"] = allowed
            return converted
        return response
