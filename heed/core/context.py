"""Who is acting, from where: set once per request (or task), read by the audit log."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    user: Any = None
    api_key: Any = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "heed_request_context", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def begin(ctx: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(ctx)


def end(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)
