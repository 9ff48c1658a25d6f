"""Portfolio API: creditors, accounts, debtors, contact points, placements (imports)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from heed.api.pagination import Page
from heed.api.permissions import require
from heed.api.schemas import ErrorOut
from heed.core.errors import ApplicationError, NotFound
from heed.portfolio import selectors, services
from heed.portfolio.importer import error_report_rows, read_live_progress, template_csv
from heed.portfolio.models import Account, ColumnMapping, Creditor, Debtor, Placement

router = Router(tags=["portfolio"])

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class CreditorOut(Schema):
    id: int
    code: str
    name: str
    country: str
    currency: str
    rule_packs: list[str]
    allocation_order: list[str]
    default_jurisdiction: str
    is_active: bool


class CreditorIn(Schema):
    code: str
    name: str
    country: str
    currency: str
    rule_packs: list[str] = []
    allocation_order: list[str] = ["fees", "interest", "principal"]
    default_jurisdiction: str = ""


class MappingIn(Schema):
    name: str
    columns: dict[str, str]
    date_format: str = ""
    default_currency: str = ""
    default_country: str = ""


class MappingOut(Schema):
    id: int
    name: str
    columns: dict[str, str]
    date_format: str
    default_currency: str
    default_country: str


class AccountListOut(Schema):
    id: int
    creditor_id: int
    external_ref: str
    debtor_id: int
    debtor_name: str
    product: str
    currency: str
    total_balance: int
    status: str
    bucket: str
    days_past_due: int
    assigned_collector_id: int | None
    assigned_team_id: int | None
    agency_id: int | None

    @staticmethod
    def resolve_debtor_name(obj: Account) -> str:
        return obj.debtor.full_name


class ContactPointOut(Schema):
    id: int
    kind: str
    value_masked: str
    party_role: str
    party_name: str
    relation: str
    provenance: str
    is_valid: bool
    opted_out: bool
    timezones: list[str]


class DebtorOut(Schema):
    id: int
    full_name: str
    national_id_masked: str
    id_type: str
    date_of_birth: datetime.date | None
    preferred_language: str
    address_masked: str
    city: str
    region: str
    country: str
    timezones: list[str]
    is_deceased: bool
    is_bankrupt: bool
    is_vulnerable: bool
    lacks_capacity: bool
    contact_points: list[ContactPointOut]

    @staticmethod
    def resolve_contact_points(obj: Debtor) -> list[Any]:
        return list(obj.contact_points.all())


class AccountOut(Schema):
    id: int
    creditor_id: int
    placement_id: int
    external_ref: str
    product: str
    currency: str
    original_amount: int
    principal_balance: int
    interest_balance: int
    fees_balance: int
    credit_balance: int
    total_balance: int
    due_date: datetime.date | None
    charge_off_date: datetime.date | None
    last_payment_date: datetime.date | None
    days_past_due: int
    bucket: str
    jurisdiction: str
    time_barred_on: datetime.date | None
    litigation_status: str
    status: str
    allowed_transitions: list[str]
    assigned_collector_id: int | None
    assigned_team_id: int | None
    agency_id: int | None
    debtor: DebtorOut

    @staticmethod
    def resolve_allowed_transitions(obj: Account) -> list[str]:
        return sorted(Account.TRANSITIONS.get(obj.status, frozenset()))


class TransitionIn(Schema):
    to_status: str
    reason: str


class AssignIn(Schema):
    collector_id: int | None = None
    team_id: int | None = None
    agency_id: int | None = None
    reason: str = ""


class ReasonIn(Schema):
    reason: str


class BulkFilterIn(Schema):
    account_ids: list[int] = []
    creditor: int | None = None
    status: str = ""
    bucket: str = ""
    collector: int | None = None
    placement: int | None = None


class BulkAssignIn(BulkFilterIn):
    collector_id: int | None = None
    team_id: int | None = None
    agency_id: int | None = None
    reason: str


class BulkRecallIn(BulkFilterIn):
    reason: str


class CountOut(Schema):
    changed: int


class RevealOut(Schema):
    value: str


class DebtorRevealIn(Schema):
    field: str
    reason: str


class AssignmentOut(Schema):
    id: int
    action: str
    collector_id: int | None
    team_id: int | None
    agency_id: int | None
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    reason: str
    actor_id: int | None


class PlacementOut(Schema):
    id: int
    creditor_id: int
    agency_id: int | None
    source_file_name: str
    status: str
    is_dry_run: bool
    reject_on_error: bool
    created_at: datetime.datetime
    imported_at: datetime.datetime | None
    imported_by_id: int | None
    rows_total: int
    rows_valid: int
    rows_rejected: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    contact_points_added: int
    error_count: int
    task_run_id: str | None
    progress_percent: int
    task_status: str

    @staticmethod
    def resolve_task_run_id(obj: Placement) -> str | None:
        return str(obj.task_run_id) if obj.task_run_id else None

    @staticmethod
    def resolve_progress_percent(obj: Placement) -> int:
        percent = obj.task_run.progress_percent if obj.task_run else 0
        if obj.task_run is not None and not obj.task_run.is_finished:
            live = read_live_progress(obj)
            if live is not None:
                percent = max(percent, live[0])
        return percent

    @staticmethod
    def resolve_task_status(obj: Placement) -> str:
        return obj.task_run.status if obj.task_run else ""


class DebtorViewOut(Schema):
    id: int
    debtor_id: int
    viewer_id: int | None
    viewed_at: datetime.datetime
    via: str


# --- Creditors ----------------------------------------------------------------------------


@router.get("/creditors", response={200: list[CreditorOut], **ERRORS})
@paginate(Page)
def creditor_list(request: HttpRequest) -> Any:
    require(request, "portfolio.view")
    return selectors.creditor_list_for_user(request.user).order_by("code")


@router.post("/creditors", response={201: CreditorOut, **ERRORS})
def creditor_create(request: HttpRequest, payload: CreditorIn) -> Any:
    require(request, "portfolio.manage_creditors")
    return 201, services.creditor_create(actor=request.user, **payload.dict())


@router.get("/creditors/{creditor_id}", response={200: CreditorOut, **ERRORS})
def creditor_detail(request: HttpRequest, creditor_id: int) -> Any:
    require(request, "portfolio.view")
    return selectors.creditor_get_for_user(request.user, creditor_id)


@router.get("/creditors/{creditor_id}/mappings", response={200: list[MappingOut], **ERRORS})
def mapping_list(request: HttpRequest, creditor_id: int) -> Any:
    require(request, "portfolio.import")
    creditor = selectors.creditor_get_for_user(request.user, creditor_id)
    return list(creditor.mappings.all())


@router.post("/creditors/{creditor_id}/mappings", response={200: MappingOut, **ERRORS})
def mapping_save(request: HttpRequest, creditor_id: int, payload: MappingIn) -> Any:
    require(request, "portfolio.import")
    creditor = selectors.creditor_get_for_user(request.user, creditor_id)
    return services.column_mapping_save(actor=request.user, creditor=creditor, **payload.dict())


# --- Accounts -----------------------------------------------------------------------------


@router.get("/accounts", response={200: list[AccountListOut], **ERRORS})
@paginate(Page)
def account_list(
    request: HttpRequest,
    creditor: int | None = None,
    status: str = "",
    bucket: str = "",
    collector: int | None = None,
    reference: str = "",
    name: str = "",
    phone: str = "",
    national_id: str = "",
    placement: int | None = None,
) -> Any:
    """Accounts in the caller's scope. ``phone`` and ``national_id`` match exactly through
    the blind index."""
    require(request, "portfolio.view")
    filters = selectors.AccountFilters(
        creditor=creditor,
        status=status,
        bucket=bucket,
        collector=collector,
        reference=reference,
        name=name,
        phone=phone,
        national_id=national_id,
        placement=placement,
    )
    return selectors.account_search(request.user, filters).order_by("-id")


def _bulk_queryset(request: HttpRequest, payload: BulkFilterIn) -> Any:
    filters = selectors.AccountFilters(
        creditor=payload.creditor,
        status=payload.status,
        bucket=payload.bucket,
        collector=payload.collector,
        placement=payload.placement,
    )
    qs = selectors.account_search(request.user, filters)
    if payload.account_ids:
        qs = qs.filter(pk__in=payload.account_ids)
    elif not any(
        [payload.creditor, payload.status, payload.bucket, payload.collector, payload.placement]
    ):
        raise ApplicationError("Give account ids or at least one filter.", "no_filter")
    return qs


@router.post("/accounts/bulk-assign", response={200: CountOut, **ERRORS})
def accounts_bulk_assign(request: HttpRequest, payload: BulkAssignIn) -> Any:
    require(request, "portfolio.assign")
    changed = services.accounts_bulk_assign(
        actor=request.user,
        accounts=_bulk_queryset(request, payload),
        reason=payload.reason,
        **_assignees(payload),
    )
    return {"changed": changed}


@router.post("/accounts/bulk-recall", response={200: CountOut, **ERRORS})
def accounts_bulk_recall(request: HttpRequest, payload: BulkRecallIn) -> Any:
    require(request, "portfolio.assign")
    changed = services.accounts_bulk_recall(
        actor=request.user, accounts=_bulk_queryset(request, payload), reason=payload.reason
    )
    return {"changed": changed}


def _account_detail(request: HttpRequest, account_id: int) -> Account:
    account = selectors.account_get_for_user(request.user, account_id)
    services.debtor_record_view(actor=request.user, debtor=account.debtor, via="api")
    return account


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS})
def account_detail(request: HttpRequest, account_id: int) -> Any:
    require(request, "portfolio.view")
    return _account_detail(request, account_id)


@router.post("/accounts/{account_id}/transition", response={200: AccountOut, **ERRORS})
def account_transition(request: HttpRequest, account_id: int, payload: TransitionIn) -> Any:
    require(request, "portfolio.transition")
    account = selectors.account_get_for_user(request.user, account_id)
    if not payload.reason.strip():
        raise ApplicationError("A reason is required.", "reason_required")
    services.account_transition(
        actor=request.user, account=account, to_status=payload.to_status, reason=payload.reason
    )
    return selectors.account_get_for_user(request.user, account_id)


def _assignees(payload: Any) -> dict[str, Any]:
    from heed.users.models import Agency, Team, User

    found: dict[str, Any] = {"collector": None, "team": None, "agency": None}
    try:
        if payload.collector_id is not None:
            found["collector"] = User.objects.get(pk=payload.collector_id)
        if payload.team_id is not None:
            found["team"] = Team.objects.get(pk=payload.team_id)
        if payload.agency_id is not None:
            found["agency"] = Agency.objects.get(pk=payload.agency_id)
    except (User.DoesNotExist, Team.DoesNotExist, Agency.DoesNotExist):
        raise ApplicationError("Unknown collector, team or agency.", "unknown_assignee")
    return found


@router.post("/accounts/{account_id}/assign", response={200: AccountOut, **ERRORS})
def account_assign(request: HttpRequest, account_id: int, payload: AssignIn) -> Any:
    require(request, "portfolio.assign")
    account = selectors.account_get_for_user(request.user, account_id)
    services.account_assign(
        actor=request.user, account=account, reason=payload.reason, **_assignees(payload)
    )
    return selectors.account_get_for_user(request.user, account_id)


@router.post("/accounts/{account_id}/recall", response={200: AccountOut, **ERRORS})
def account_recall(request: HttpRequest, account_id: int, payload: ReasonIn) -> Any:
    require(request, "portfolio.assign")
    account = selectors.account_get_for_user(request.user, account_id)
    services.account_recall(actor=request.user, account=account, reason=payload.reason)
    return selectors.account_get_for_user(request.user, account_id)


@router.get("/accounts/{account_id}/assignments", response={200: list[AssignmentOut], **ERRORS})
def account_assignments(request: HttpRequest, account_id: int) -> Any:
    require(request, "portfolio.view")
    account = selectors.account_get_for_user(request.user, account_id)
    return list(selectors.account_assignment_history(account))


# --- Debtors and personal data ------------------------------------------------------------


@router.get("/debtors/{debtor_id}", response={200: DebtorOut, **ERRORS})
def debtor_detail(request: HttpRequest, debtor_id: int) -> Any:
    require(request, "portfolio.view")
    debtor = selectors.debtor_get_for_user(request.user, debtor_id)
    services.debtor_record_view(actor=request.user, debtor=debtor, via="api")
    return debtor


@router.post("/debtors/{debtor_id}/reveal", response={200: RevealOut, **ERRORS})
def debtor_reveal(request: HttpRequest, debtor_id: int, payload: DebtorRevealIn) -> Any:
    require(request, "portfolio.reveal_pii")
    debtor = selectors.debtor_get_for_user(request.user, debtor_id)
    value = services.debtor_reveal(
        actor=request.user, debtor=debtor, field=payload.field, reason=payload.reason
    )
    return {"value": value}


@router.post("/contact-points/{contact_point_id}/reveal", response={200: RevealOut, **ERRORS})
def contact_point_reveal(request: HttpRequest, contact_point_id: int, payload: ReasonIn) -> Any:
    require(request, "portfolio.reveal_pii")
    point = selectors.contact_point_get_for_user(request.user, contact_point_id)
    return {
        "value": services.contact_point_reveal(
            actor=request.user, contact_point=point, reason=payload.reason
        )
    }


@router.get("/debtor-views", response={200: list[DebtorViewOut], **ERRORS})
@paginate(Page)
def debtor_views(request: HttpRequest, debtor_id: int | None = None) -> Any:
    """Who opened which debtor's record, when (for auditors)."""
    require(request, "audit.view")
    qs = selectors.debtor_views_for_auditor(request.user)
    if debtor_id is not None:
        qs = qs.filter(debtor_id=debtor_id)
    return qs


# --- Placements ---------------------------------------------------------------------------


@router.get("/placements", response={200: list[PlacementOut], **ERRORS})
@paginate(Page)
def placement_list(request: HttpRequest, creditor: int | None = None) -> Any:
    require(request, "portfolio.view")
    qs = selectors.placement_list_for_user(request.user).select_related("task_run")
    if creditor is not None:
        qs = qs.filter(creditor_id=creditor)
    return qs


@router.post("/placements", response={202: PlacementOut, **ERRORS})
def placement_upload(
    request: HttpRequest,
    creditor_id: Form[int],
    file: File[UploadedFile],
    mapping_id: Form[int | None] = None,
    agency_id: Form[int | None] = None,
    dry_run: Form[bool] = False,
    reject_on_error: Form[bool] = False,
) -> Any:
    """Upload a placement file (CSV or XLSX); the import runs in the background — poll
    ``GET /placements/{id}`` for status and progress."""
    from heed.users.models import Agency

    require(request, "portfolio.import")
    creditor = selectors.creditor_get_for_user(request.user, creditor_id)
    mapping = None
    if mapping_id is not None:
        mapping = ColumnMapping.objects.filter(pk=mapping_id, creditor=creditor).first()
        if mapping is None:
            raise NotFound()
    agency = None
    if agency_id is not None:
        agency = Agency.objects.filter(pk=agency_id).first()
        if agency is None:
            raise NotFound()
    placement = services.placement_import_start(
        actor=request.user,
        creditor=creditor,
        file_name=file.name or "upload",
        chunks=file.chunks(),
        mapping=mapping,
        agency=agency,
        dry_run=dry_run,
        reject_on_error=reject_on_error,
    )
    return 202, Placement.objects.select_related("task_run").get(pk=placement.pk)


@router.get("/placements/template", response={200: None, **ERRORS}, summary="Standard template")
def placement_template(request: HttpRequest) -> HttpResponse:
    require(request, "portfolio.import")
    response = HttpResponse(template_csv().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="placement-template.csv"'
    return response


@router.get("/placements/{placement_id}", response={200: PlacementOut, **ERRORS})
def placement_detail(request: HttpRequest, placement_id: int) -> Any:
    require(request, "portfolio.view")
    placement = selectors.placement_get_for_user(request.user, placement_id)
    return Placement.objects.select_related("task_run").get(pk=placement.pk)


@router.get("/placements/{placement_id}/errors", response={200: None, **ERRORS})
def placement_errors(request: HttpRequest, placement_id: int) -> HttpResponse:
    """The error report as CSV: row, column, value (masked for personal data), reason."""
    require(request, "portfolio.import")
    placement = selectors.placement_get_for_user(request.user, placement_id)
    return error_report_response(placement)


def error_report_response(placement: Placement) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in error_report_rows(placement):
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="placement-{placement.pk}-errors.csv"'
    return response


__all__ = ["router", "Creditor"]
