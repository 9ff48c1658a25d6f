"""Reads for the portfolio screens and endpoints, always scoped to the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from heed.core.roles import has_permission
from heed.core.scoping import get_scoped_or_404
from heed.portfolio import crypto, pii
from heed.portfolio.models import (
    Account,
    AssignmentHistory,
    ContactPoint,
    Creditor,
    Debtor,
    DebtorView,
    Placement,
)


def creditor_list_for_user(user: Any) -> QuerySet[Creditor]:
    if not getattr(user, "is_authenticated", False) or not has_permission(user, "portfolio.view"):
        return Creditor.objects.none()
    if has_permission(user, "portfolio.view_all") or has_permission(
        user, "portfolio.manage_creditors"
    ):
        return Creditor.objects.all()
    return Creditor.objects.filter(pk__in=Account.objects.for_user(user).values("creditor_id"))


def creditor_get_for_user(user: Any, pk: Any) -> Creditor:
    return get_scoped_or_404(creditor_list_for_user(user), pk)


def account_get_for_user(user: Any, pk: Any) -> Account:
    return get_scoped_or_404(
        Account.objects.for_user(user).select_related(
            "creditor", "debtor", "placement", "assigned_collector", "assigned_team", "agency"
        ),
        pk,
    )


def debtor_get_for_user(user: Any, pk: Any) -> Debtor:
    return get_scoped_or_404(Debtor.objects.for_user(user), pk)


def contact_point_get_for_user(user: Any, pk: Any) -> ContactPoint:
    return get_scoped_or_404(ContactPoint.objects.for_user(user).select_related("debtor"), pk)


def placement_get_for_user(user: Any, pk: Any) -> Placement:
    return get_scoped_or_404(
        Placement.objects.for_user(user).select_related("creditor", "agency", "imported_by"), pk
    )


def placement_list_for_user(user: Any) -> QuerySet[Placement]:
    return Placement.objects.for_user(user).select_related("creditor", "agency", "imported_by")


def contact_point_plain_value(contact_point: ContactPoint) -> str:
    """The decrypted value for internal services (e.g. the compliance gateway deriving time
    zones or dialling). Never render it: screens use ``value_masked`` or a reveal."""
    return crypto.decrypt(contact_point.value, pii.PURPOSE_CONTACT)


def debtor_plain_national_id(debtor: Debtor) -> str:
    return crypto.decrypt(debtor.national_id, pii.PURPOSE_NATIONAL_ID)


def debtor_plain_address(debtor: Debtor) -> str:
    return crypto.decrypt(debtor.address, pii.PURPOSE_ADDRESS)


@dataclass(frozen=True)
class AccountFilters:
    creditor: int | None = None
    status: str = ""
    bucket: str = ""
    collector: int | None = None
    reference: str = ""
    name: str = ""
    phone: str = ""
    national_id: str = ""
    placement: int | None = None
    agency: int | None = None
    team: int | None = None


def account_search(
    user: Any, filters: AccountFilters, *, today: datetime.date | None = None
) -> QuerySet[Account]:
    """Accounts in the user's scope matching every given filter. Phone and national id use
    the blind index: exact match only, nothing is decrypted."""
    qs = Account.objects.for_user(user).select_related(
        "creditor", "debtor", "assigned_collector", "assigned_team", "agency"
    )
    if filters.creditor:
        qs = qs.filter(creditor_id=filters.creditor)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.bucket and filters.bucket in {b for b, _label in _bucket_choices()}:
        qs = qs.in_bucket(filters.bucket, today)
    if filters.collector:
        qs = qs.filter(assigned_collector_id=filters.collector)
    if filters.placement:
        qs = qs.filter(placement_id=filters.placement)
    if filters.agency:
        qs = qs.filter(agency_id=filters.agency)
    if filters.team:
        qs = qs.filter(assigned_team_id=filters.team)
    if filters.reference:
        qs = qs.filter(external_ref__iexact=filters.reference.strip())
    if filters.name:
        qs = qs.filter(debtor__full_name__icontains=filters.name.strip())
    if filters.phone:
        indexes = phone_indexes(filters.phone)
        qs = qs.filter(
            debtor__contact_points__kind=ContactPoint.Kind.PHONE,
            debtor__contact_points__value_index__in=indexes,
        ).distinct()
    if filters.national_id:
        indexes = national_id_indexes(filters.national_id)
        qs = qs.filter(debtor__national_id_index__in=indexes)
    return qs


def _bucket_choices() -> list[tuple[str, Any]]:
    from heed.portfolio.models import BUCKETS

    return BUCKETS


def phone_indexes(raw: str) -> list[str]:
    """Blind indexes the typed phone could be (as dialled in CN, US, GB or international)."""
    found: list[str] = []
    for region in ("CN", "US", "GB", ""):
        info = pii.parse_phone(raw, region)
        if info:
            index = crypto.blind_index(info.e164, pii.INDEX_PHONE)
            if index not in found:
                found.append(index)
    return found or ["-"]


def contact_points_with_value(kind: str, raw: str) -> QuerySet[ContactPoint]:
    """Every contact point of ``kind`` holding this value (exact, by blind index), whoever's it
    is: for a machine client reporting a reply from a number or address (not user-scoped)."""
    if kind == ContactPoint.Kind.PHONE:
        indexes = phone_indexes(raw)
    else:
        normalised = pii.contact_normalise(kind, raw, "")
        indexes = [crypto.blind_index(normalised, kind)] if normalised else []
    return ContactPoint.objects.filter(kind=kind, value_index__in=indexes).select_related("debtor")


def national_id_indexes(raw: str) -> list[str]:
    found: list[str] = []
    for country in ("CN", "US", ""):
        normalised = pii.national_id_normalise(raw, country)
        if normalised:
            index = crypto.blind_index(normalised[0], pii.INDEX_NATIONAL_ID)
            if index not in found:
                found.append(index)
    return found or ["-"]


def account_assignment_history(account: Account) -> QuerySet[AssignmentHistory]:
    return account.assignment_history.select_related("collector", "team", "agency", "actor")


def debtor_contact_points(debtor: Debtor) -> QuerySet[ContactPoint]:
    return debtor.contact_points.all()


def debtor_views_for_auditor(user: Any, *, debtor: Debtor | None = None) -> QuerySet[DebtorView]:
    if not has_permission(user, "audit.view"):
        return DebtorView.objects.none()
    qs = DebtorView.objects.select_related("viewer", "debtor")
    if debtor is not None:
        qs = qs.filter(debtor=debtor)
    return qs


def collectors_for_user(user: Any) -> QuerySet[Any]:
    from heed.users.models import User

    return (
        User.objects.for_user(user)
        .filter(Q(role="collector") | Q(role="team_lead"), is_active=True, agency__isnull=True)
        .order_by("username")
    )
