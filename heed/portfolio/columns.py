"""The standard placement template's columns (pure; no Django needed)."""

from __future__ import annotations

STANDARD_COLUMNS: list[str] = [
    "external_ref",
    "product",
    "currency",
    "principal",
    "interest",
    "fees",
    "due_date",
    "charge_off_date",
    "last_payment_date",
    "debtor_name",
    "national_id",
    "date_of_birth",
    "phone_1",
    "phone_2",
    "email",
    "address",
    "city",
    "region",
    "country",
    "language",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relation",
]
