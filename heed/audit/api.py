from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from heed.api.pagination import Page
from heed.api.permissions import require
from heed.api.schemas import ErrorOut
from heed.audit.models import AuditEvent
from heed.audit.verify import verify_chain

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    lane: int
    seq: int
    occurred_at: datetime
    actor_user_id: int | None
    actor_api_key_id: int | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    changes: dict[str, Any]
    reason: str
    request_id: str
    ip: str
    prev_hash: str
    hash: str


class VerifyOut(Schema):
    is_intact: bool
    checked: int
    bad_lane: int | None
    bad_seq: int | None
    problem: str


@router.get("/events", response={200: list[AuditEventOut], 403: ErrorOut})
@paginate(Page)
def list_events(
    request: HttpRequest,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    actor_user_id: int | None = None,
) -> Any:
    require(request, "audit.view")
    events = AuditEvent.objects.order_by("-id")
    if action:
        events = events.filter(action=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if actor_user_id is not None:
        events = events.filter(actor_user_id=actor_user_id)
    return events


@router.post("/verify", response={200: VerifyOut, 403: ErrorOut}, summary="Verify the chain now")
def verify(request: HttpRequest) -> dict[str, Any]:
    require(request, "audit.verify")
    result = verify_chain()
    return {
        "is_intact": result.is_intact,
        "checked": result.checked,
        "bad_lane": result.bad_lane,
        "bad_seq": result.bad_seq,
        "problem": result.problem,
    }
