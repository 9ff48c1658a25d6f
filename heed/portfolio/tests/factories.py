"""Factories for portfolio rows (other apps' tests may use them too)."""

from __future__ import annotations

import datetime
from typing import Any

import factory

from heed.portfolio import crypto, pii
from heed.portfolio.models import Account, ContactPoint, Creditor, Debtor, Placement


class CreditorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creditor
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"creditor-{n}")
    name = factory.Sequence(lambda n: f"Creditor {n}")
    country = "CN"
    currency = "CNY"
    default_jurisdiction = "CN"


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    creditor = factory.SubFactory(CreditorFactory)
    source_file_name = "test.csv"
    status = Placement.Status.COMPLETED


class DebtorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debtor

    full_name = factory.Sequence(lambda n: f"Debtor {n}")
    country = "CN"
    timezones = factory.LazyFunction(lambda: ["Asia/Shanghai"])

    class Params:
        plain_national_id = ""

    @factory.lazy_attribute
    def national_id(self) -> str:
        return crypto.encrypt(self.plain_national_id, pii.PURPOSE_NATIONAL_ID)

    @factory.lazy_attribute
    def national_id_index(self) -> str:
        return crypto.blind_index(self.plain_national_id, pii.INDEX_NATIONAL_ID)

    @factory.lazy_attribute
    def national_id_masked(self) -> str:
        return pii.mask_national_id(self.plain_national_id)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    creditor = factory.SubFactory(CreditorFactory)
    placement = factory.SubFactory(PlacementFactory, creditor=factory.SelfAttribute("..creditor"))
    debtor = factory.SubFactory(DebtorFactory)
    external_ref = factory.Sequence(lambda n: f"REF-{n:06d}")
    currency = "CNY"
    original_amount = 1_200_000
    principal_balance = 1_000_000
    interest_balance = 150_000
    fees_balance = 50_000
    due_date = factory.LazyFunction(lambda: datetime.date(2026, 1, 1))
    jurisdiction = "CN"
    status = Account.Status.ACTIVE


def make_contact_point(
    debtor: Debtor,
    plain: str = "+8613812341234",
    *,
    kind: str = ContactPoint.Kind.PHONE,
    **kwargs: Any,
) -> ContactPoint:
    normalised = pii.contact_normalise(kind, plain, debtor.country or "CN") or plain
    defaults: dict[str, Any] = {
        "party_role": ContactPoint.PartyRole.DEBTOR,
        "provenance": ContactPoint.Provenance.CONTRACT,
    }
    if kind == ContactPoint.Kind.PHONE:
        info = pii.parse_phone(plain, debtor.country or "CN")
        if info:
            defaults["timezones"] = list(info.timezones)
            defaults["phone_region"] = info.region
    defaults.update(kwargs)
    return ContactPoint.objects.create(
        debtor=debtor,
        kind=kind,
        value=crypto.encrypt(normalised, pii.PURPOSE_CONTACT),
        value_index=crypto.blind_index(normalised, kind),
        value_masked=pii.mask_contact(kind, normalised),
        **defaults,
    )
