from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from heed.core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy, the deployment sets the proxy to overwrite REMOTE_ADDR (see README).
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives every request an id (or keeps a well-formed X-Request-ID) and records the IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        ctx = context.RequestContext(request_id=request_id, ip=client_ip(request))
        request.heed_context = ctx  # type: ignore[attr-defined]
        token = context.begin(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.end(token)
        response["X-Request-ID"] = request_id
        return response


class ActorMiddleware:
    """After authentication: the signed-in user becomes the actor of audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.current()
        if ctx is not None and ctx.user is None:
            ctx.user = getattr(request, "user", None)
        return self.get_response(request)
