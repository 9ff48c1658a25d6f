"""Collection API: recording contacts (with the gateway decision), timelines, unchecked list."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from heed.api.pagination import Page
from heed.api.permissions import require
from heed.api.schemas import ErrorOut
from heed.collection import selectors, services
from heed.collection.models import ContactAttempt

router = Router(tags=["collection"])

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ContactIn(Schema):
    account: int
    contact_point: int | None = None
    channel: str
    outcome: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None = None
    direction: str = "outbound"
    initiator: str = "collector"
    purpose: str = "collect"
    decision_id: int | None = None
    debts_discussed: list[int] = []
    notes: str = ""
    content: str = ""


class ContactOut(Schema):
    id: int
    account: int
    contact_point: int | None
    party_role: str
    channel: str
    direction: str
    initiator: str
    outcome: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    collector: str | None
    decision_id: int | None
    check_status: str
    is_unchecked: bool
    notes: str

    @staticmethod
    def resolve_account(obj: ContactAttempt) -> int:
        return obj.account_id

    @staticmethod
    def resolve_contact_point(obj: ContactAttempt) -> int | None:
        return obj.contact_point_id

    @staticmethod
    def resolve_collector(obj: ContactAttempt) -> str | None:
        return obj.collector.username if obj.collector else None


@router.post("/contacts", response={201: ContactOut, **ERRORS})
def contact_record(request: HttpRequest, payload: ContactIn) -> Any:
    """Record a contact with the `decision_id` preflight gave. Without one it is accepted but
    marked unchecked and listed for the compliance officer."""
    require(request, "collection.contact")
    from heed.compliance.selectors import decision_get_for_user
    from heed.portfolio.selectors import account_get_for_user, contact_point_get_for_user

    account = account_get_for_user(request.user, payload.account)
    point = (
        contact_point_get_for_user(request.user, payload.contact_point)
        if payload.contact_point is not None
        else None
    )
    decision = (
        decision_get_for_user(request.user, payload.decision_id)
        if payload.decision_id is not None
        else None
    )
    attempt = services.contact_attempt_record(
        actor=request.user,
        account=account,
        contact_point=point,
        channel=payload.channel,
        outcome=payload.outcome,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        direction=payload.direction,
        initiator=payload.initiator,
        purpose=payload.purpose,
        decision=decision,
        debts_discussed=payload.debts_discussed,
        notes=payload.notes,
        content=payload.content,
    )
    return 201, attempt


@router.get("/accounts/{account_id}/contacts", response={200: list[ContactOut], **ERRORS})
@paginate(Page)
def account_contacts(request: HttpRequest, account_id: int) -> Any:
    require(request, "portfolio.view")
    from heed.portfolio.selectors import account_get_for_user

    account = account_get_for_user(request.user, account_id)
    return selectors.account_timeline(request.user, account.pk)


@router.get("/contacts/unchecked", response={200: list[ContactOut], **ERRORS})
@paginate(Page)
def contacts_unchecked(request: HttpRequest) -> Any:
    """Contacts recorded without a matching allowed decision — findings for compliance."""
    require(request, "compliance.view")
    return selectors.unchecked_contacts(request.user)
