"""Placement import: creditors write 无, 不详, N/A, - … for "not known". In an optional contact
column such a cell is read as empty (no contact point, the row imports); in a required column
it is refused with the column named."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from heed.core.roles import Role
from heed.portfolio import pii
from heed.portfolio.importer import STANDARD_COLUMNS, reason_text
from heed.portfolio.models import Account, ContactPoint, Debtor, PlacementRowError
from heed.portfolio.selectors import contact_point_plain_value, debtor_plain_address
from heed.portfolio.tests.factories import CreditorFactory
from heed.portfolio.tests.test_import import GOOD, do_import, write_csv

pytestmark = pytest.mark.django_db

# What real creditor files put in a cell for "no address known" (full-width forms included).
PLACEHOLDERS = [
    "无",
    "暂无",
    "不详",
    "未知",
    "-",
    "—",
    "——",
    "/",
    "N/A",
    "n/a",
    "none",
    "unknown",
    "TBC",
    " 不详 ",
    "Ｎ／Ａ",
    "－",
]

# A row with no national id: each row is a debtor of its own.
BASE = {**GOOD, "national_id": "", "email": "", "phone_2": ""}


def rows_with(column: str, values: list[str]) -> list[dict[str, str]]:
    return [
        {
            **BASE,
            "external_ref": f"LN-{n}",
            "debtor_name": f"张伟{n}",
            "phone_1": f"1381234{n:04d}",
            column: value,
        }
        for n, value in enumerate(values, start=1)
    ]


def test_placeholders_are_recognised_and_real_values_are_not() -> None:
    for value in PLACEHOLDERS:
        assert pii.is_placeholder(value), value
    for value in ("", "无锡市梁溪区中山路1号", "None Street 1", "Na", "张无", "13812341234", "x"):
        assert not pii.is_placeholder(value), value


def test_a_placeholder_address_imports_the_row_without_a_postal_address(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", rows_with("address", PLACEHOLDERS))
    placement, result = do_import(CreditorFactory(code="cfc"), path)
    assert (result.status, result.created, result.rows_rejected, result.error_count) == (
        "completed",
        len(PLACEHOLDERS),
        0,
        0,
    )
    assert not PlacementRowError.objects.filter(placement=placement).exists()
    assert not ContactPoint.objects.filter(kind="postal").exists()
    # The other contact points of each row are still made: its phone and emergency contact.
    assert ContactPoint.objects.filter(kind="phone").count() == 2 * len(PLACEHOLDERS)
    assert {debtor_plain_address(debtor) for debtor in Debtor.objects.all()} == {""}


def test_placeholders_in_optional_phone_email_and_emergency_contact_columns_are_empty(
    tmp_path: Path,
) -> None:
    row = {
        **BASE,
        "phone_1": "暂无",
        "phone_2": "-",
        "email": "N/A",
        "emergency_contact_name": "无",
        "emergency_contact_phone": "不详",
        "emergency_contact_relation": "unknown",
        "city": "不详",
        "region": "/",
        "postcode": "无",
    }
    placement, result = do_import(CreditorFactory(code="cfc"), write_csv(tmp_path / "a.csv", [row]))
    assert (result.created, result.error_count, result.contact_points_added) == (1, 0, 1)
    [point] = ContactPoint.objects.all()
    # The address alone, no placeholder printed on the letter.
    assert (point.kind, contact_point_plain_value(point)) == ("postal", "北京市朝阳区建国路88号")
    debtor = Debtor.objects.get()
    assert (debtor.city, debtor.region) == ("", "")


def test_a_placeholder_in_an_xlsx_file_is_read_as_empty(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(STANDARD_COLUMNS)
    for row in rows_with("address", ["无", "N/A"]):
        values: list[Any] = [{**row, "email": "unknown"}[c] for c in STANDARD_COLUMNS]
        values[STANDARD_COLUMNS.index("due_date")] = datetime.datetime(2026, 4, 14)
        values[STANDARD_COLUMNS.index("principal")] = 12000.0
        sheet.append(values)
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    _placement, result = do_import(CreditorFactory(code="cfc"), path)
    assert (result.created, result.error_count) == (2, 0)
    assert set(ContactPoint.objects.values_list("kind", flat=True)) == {"phone"}


def test_a_dry_run_counts_rows_with_placeholders_as_valid_and_writes_nothing(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "a.csv", rows_with("address", ["暂无", "n/a", "-"]))
    placement, result = do_import(CreditorFactory(code="cfc"), path, dry_run=True)
    assert (result.status, result.rows_valid, result.rows_rejected, result.error_count) == (
        "validated",
        3,
        0,
        0,
    )
    assert not PlacementRowError.objects.filter(placement=placement).exists()
    assert Account.objects.count() == 0 and ContactPoint.objects.count() == 0


def test_a_placeholder_in_a_required_column_is_refused_with_the_column_named(
    tmp_path: Path,
) -> None:
    rows = [
        {**BASE, "external_ref": "N/A"},
        {**BASE, "external_ref": "LN-2", "debtor_name": "无"},
        {**BASE, "external_ref": "LN-3", "principal": "-"},
        {**BASE, "external_ref": "LN-4", "due_date": "不详"},
        {**BASE, "external_ref": "LN-5"},
    ]
    placement, result = do_import(CreditorFactory(code="cfc"), write_csv(tmp_path / "a.csv", rows))
    found = sorted((e.row, e.column, e.value, e.code) for e in result.errors)
    assert found == [
        (2, "external_ref", "N/A", "placeholder"),
        (3, "debtor_name", "无", "placeholder"),
        (4, "principal", "-", "placeholder"),
        (5, "due_date", "不详", "placeholder"),
    ]
    assert (result.created, result.rows_rejected) == (1, 4)
    assert Account.objects.get().external_ref == "LN-5"
    stored = PlacementRowError.objects.get(placement=placement, row_number=3)
    assert (stored.column, stored.value, stored.reason_code) == ("debtor_name", "无", "placeholder")
    assert reason_text("placeholder") == (
        "A value is required: a placeholder such as 无, 不详 or N/A is not one."
    )
    with translation.override("zh-hans"):
        assert reason_text("placeholder") == "此列必填：“无”“不详”“N/A”等占位内容不算有效值。"


def test_the_import_page_explains_placeholders_in_both_languages(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    english = client_for(make_user(Role.DATA_MANAGER)).get("/portfolio/placements/new/")
    assert "such as 无, 不详, N/A or - is read as empty in the optional contact columns" in (
        english.content.decode()
    )
    # The user's language stays active in the thread after the request: restore it.
    with translation.override(translation.get_language()):
        chinese = client_for(make_user(Role.DATA_MANAGER, language="zh-hans")).get(
            "/portfolio/placements/new/"
        )
    assert "在可选的联系方式列" in chinese.content.decode()
