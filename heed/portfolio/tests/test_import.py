from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from heed.audit.models import AuditEvent
from heed.portfolio.importer import STANDARD_COLUMNS, ImportOptions, run_import
from heed.portfolio.models import Account, ContactPoint, Debtor, Placement, PlacementRowError
from heed.portfolio.selectors import contact_point_plain_value, debtor_plain_national_id
from heed.portfolio.tests.factories import CreditorFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "external_ref": "LN-1",
    "product": "consumer loan",
    "currency": "CNY",
    "principal": "12,000.00",
    "interest": "¥350.50",
    "fees": "100",
    "due_date": "2026/04/14",
    "charge_off_date": "",
    "last_payment_date": "2026-03-14",
    "debtor_name": "张伟",
    "national_id": "11010519491231002X",
    "date_of_birth": "",
    "phone_1": "138 1234 1234",
    "phone_2": "",
    "email": "ZhangWei@Example.com",
    "address": "北京市朝阳区建国路88号",
    "city": "北京",
    "region": "北京市",
    "postcode": "100020",
    "country": "CN",
    "language": "zh",
    "emergency_contact_name": "李娜",
    "emergency_contact_phone": "13912345678",
    "emergency_contact_relation": "配偶",
}


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = header or STANDARD_COLUMNS
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in (STANDARD_COLUMNS if header else columns)])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def do_import(creditor: Any, path: Path, **options: Any) -> Any:
    placement = Placement.objects.create(creditor=creditor, source_file_name=path.name)
    result = run_import(placement, path, actor=None, options=ImportOptions(**options))
    return placement, result


def test_imports_a_valid_row_with_encrypted_personal_data(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    path = write_csv(tmp_path / "a.csv", [GOOD])
    placement, result = do_import(creditor, path)
    assert (result.status, result.created, result.rows_rejected) == ("completed", 1, 0)
    account = Account.objects.get()
    assert (account.principal_balance, account.interest_balance, account.fees_balance) == (
        1_200_000,
        35_050,
        10_000,
    )
    assert account.due_date.isoformat() == "2026-04-14"
    assert account.original_amount == 1_245_050
    debtor = account.debtor
    assert debtor.date_of_birth.isoformat() == "1949-12-31"
    assert debtor.national_id_masked == "1101**********002X"
    assert "11010519491231002X" not in debtor.national_id
    assert debtor_plain_national_id(debtor) == "11010519491231002X"
    points = {(c.kind, c.party_role): c for c in ContactPoint.objects.all()}
    assert set(points) == {
        ("phone", "debtor"),
        ("email", "debtor"),
        ("postal", "debtor"),
        ("phone", "emergency_contact"),
    }
    assert contact_point_plain_value(points[("phone", "debtor")]) == "+8613812341234"
    assert points[("phone", "debtor")].value_masked == "138****1234"
    assert contact_point_plain_value(points[("email", "debtor")]) == "zhangwei@example.com"
    assert points[("phone", "emergency_contact")].party_name == "李娜"
    # The address is a postal contact point too, so letters can be sent to it.
    assert contact_point_plain_value(points[("postal", "debtor")]) == "北京市朝阳区建国路88号"
    assert "建国路88号" not in points[("postal", "debtor")].value_masked
    assert debtor.timezones == ["Asia/Shanghai"]
    placement.refresh_from_db()
    assert (placement.status, placement.rows_created, placement.contact_points_added) == (
        "completed",
        1,
        4,
    )
    assert (
        AuditEvent.objects.filter(action="placement.imported", target_id=str(placement.pk)).count()
        == 1
    )


def test_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    path = write_csv(tmp_path / "a.csv", [GOOD, {**GOOD, "external_ref": "LN-2"}])
    do_import(creditor, path)
    _placement, result = do_import(creditor, path)
    assert (result.created, result.updated, result.unchanged, result.contact_points_added) == (
        0,
        0,
        2,
        0,
    )
    assert Account.objects.count() == 2
    assert Debtor.objects.count() == 1  # same national id → one person
    assert ContactPoint.objects.count() == 4


def test_later_file_updates_balances_and_adds_contact_points(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    do_import(creditor, write_csv(tmp_path / "a.csv", [GOOD]))
    later = {**GOOD, "principal": "11000", "phone_2": "13700001111"}
    _placement, result = do_import(creditor, write_csv(tmp_path / "b.csv", [later]))
    assert (result.created, result.updated, result.contact_points_added) == (0, 1, 1)
    assert Account.objects.get().principal_balance == 1_100_000
    assert ContactPoint.objects.count() == 5


def test_bad_rows_are_reported_with_row_column_and_reason(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    rows = [
        GOOD,
        {
            **GOOD,
            "external_ref": "LN-2",
            "principal": "12.345",
            "national_id": "110105194912310021",
        },
        {**GOOD, "external_ref": "LN-3", "phone_1": "12345", "due_date": "2026-13-01"},
        {**GOOD},  # duplicate of row 2
    ]
    placement, result = do_import(creditor, write_csv(tmp_path / "a.csv", rows))
    found = sorted((e.row, e.column, e.code) for e in result.errors)
    assert found == [
        (3, "national_id", "invalid_national_id"),
        (3, "principal", "invalid_amount"),
        (4, "due_date", "invalid_date"),
        (4, "phone_1", "invalid_phone"),
        (5, "external_ref", "duplicate_in_file"),
    ]
    assert (result.rows_total, result.rows_rejected, result.created) == (4, 3, 1)
    stored = PlacementRowError.objects.get(placement=placement, column="national_id")
    assert stored.value == "1101**********0021"  # personal data is masked in the report
    assert PlacementRowError.objects.filter(placement=placement).count() == 5


def test_reject_on_error_writes_no_account(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    rows = [GOOD, {**GOOD, "external_ref": "LN-2", "principal": "abc"}]
    placement, result = do_import(
        creditor, write_csv(tmp_path / "a.csv", rows), reject_on_error=True
    )
    assert result.status == "rejected"
    assert Account.objects.count() == 0 and Debtor.objects.count() == 0
    placement.refresh_from_db()
    assert (placement.status, placement.rows_rejected, placement.rows_valid) == ("rejected", 1, 1)


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    placement, result = do_import(creditor, write_csv(tmp_path / "a.csv", [GOOD]), dry_run=True)
    assert (result.status, result.rows_valid) == ("validated", 1)
    assert Account.objects.count() == 0 and ContactPoint.objects.count() == 0


def test_gb18030_file_with_chinese_headers(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    header = [
        "借据号",
        "产品",
        "币种",
        "本金",
        "利息",
        "费用",
        "应还款日",
        "核销日",
        "最后还款日",
        "客户姓名",
        "身份证号",
        "出生日期",
        "手机号码",
        "备用电话",
        "邮箱",
        "家庭住址",
        "城市",
        "省份",
        "邮编",
        "国家",
        "语言",
        "紧急联系人",
        "紧急联系人电话",
        "紧急联系人关系",
    ]
    path = write_csv(
        tmp_path / "gbk.csv", [{**GOOD, "postcode": "100020"}], encoding="gb18030", header=header
    )
    _placement, result = do_import(creditor, path)
    assert (result.created, result.error_count) == (1, 0)
    assert Debtor.objects.get().full_name == "张伟"


def test_utf8_bom_file(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    path = write_csv(tmp_path / "bom.csv", [GOOD], encoding="utf-8-sig")
    _placement, result = do_import(creditor, path)
    assert result.created == 1


def test_xlsx_file(tmp_path: Path) -> None:
    import datetime

    from openpyxl import Workbook

    creditor = CreditorFactory(code="cfc")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(STANDARD_COLUMNS)
    values: list[Any] = [GOOD[c] for c in STANDARD_COLUMNS]
    values[STANDARD_COLUMNS.index("due_date")] = datetime.datetime(2026, 4, 14)
    values[STANDARD_COLUMNS.index("principal")] = 12000.0
    sheet.append(values)
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    _placement, result = do_import(creditor, path)
    assert (result.created, result.error_count) == (1, 0)
    account = Account.objects.get()
    assert (account.principal_balance, account.due_date) == (1_200_000, datetime.date(2026, 4, 14))


def test_missing_required_column_rejects_file(tmp_path: Path) -> None:
    creditor = CreditorFactory(code="cfc")
    path = tmp_path / "bad.csv"
    path.write_text("ref,name\n1,x\n")
    _placement, result = do_import(creditor, path)
    assert result.status == "rejected"
    assert sorted(e.column for e in result.errors) == sorted(
        ["external_ref", "debtor_name", "principal", "due_date"]
    )


def test_error_reasons_follow_the_readers_language(tmp_path: Path) -> None:
    from django.utils import translation

    from heed.portfolio.importer import reason_text

    with translation.override("zh-hans"):
        assert reason_text("invalid_phone", {"country": "CN"}) == "不是有效的 CN 电话号码。"
    assert reason_text("invalid_phone", {"country": "CN"}) == "Not a valid phone number for CN."


def test_saved_column_mapping_and_formats(tmp_path: Path) -> None:
    from heed.portfolio.models import ColumnMapping

    creditor = CreditorFactory(code="cfc")
    mapping = ColumnMapping.objects.create(
        creditor=creditor,
        name="theirs",
        columns={
            "LoanNo": "external_ref",
            "Cust": "debtor_name",
            "Amt": "principal",
            "Due": "due_date",
        },
        date_format="%d.%m.%Y",
    )
    path = tmp_path / "theirs.csv"
    path.write_text('LoanNo,Cust,Amt,Due\nX-1,王芳,"¥1,234.50",14.04.2026\n', encoding="utf-8")
    placement = Placement.objects.create(
        creditor=creditor, mapping=mapping, source_file_name="theirs.csv"
    )
    result = run_import(placement, path, actor=None, options=ImportOptions())
    assert (result.created, result.error_count) == (1, 0)
    account = Account.objects.get()
    assert (account.principal_balance, account.due_date.isoformat()) == (123_450, "2026-04-14")


def test_seen_references_stay_within_the_memory_limit_and_find_spilled_duplicates() -> None:
    from heed.portfolio.importer import SeenReferences

    seen = SeenReferences(memory_limit=2)
    answers = []
    largest = 0
    for row, ref in enumerate(["A", "B", "C", "A", "D", "B", "E", "C", "F"], start=2):
        answers.append(seen.first_row(ref, row))
        largest = max(largest, len(seen._recent))
    assert answers == [None, None, None, 2, None, 3, None, 4, None]
    assert seen.spilled and largest <= 2
    seen.close()


def test_duplicates_are_found_after_the_check_moves_to_disk(tmp_path: Path) -> None:
    from heed.portfolio.importer import _row_context, prepare_stream

    creditor = CreditorFactory(code="cfc")
    refs = ["LN-1", "LN-2", "LN-3", "LN-4", "LN-2", "LN-5", "LN-1", "LN-5"]
    path = write_csv(tmp_path / "a.csv", [{**GOOD, "external_ref": r} for r in refs])
    chunks: list[Any] = []
    result = prepare_stream(
        path,
        ctx=_row_context(creditor, None),
        mapping=None,
        emit=lambda message: chunks.append(message) if message[0] == "chunk" else None,
        seen_memory_limit=2,
    )
    found = [(e.row, e.code, e.params) for e in result.errors]
    assert found == [
        (6, "duplicate_in_file", {"row": 3}),
        (8, "duplicate_in_file", {"row": 2}),
        (9, "duplicate_in_file", {"row": 7}),
    ]
    assert (result.rows_total, result.rows_valid, result.rows_rejected) == (8, 5, 3)
    assert [r[0] for _kind, rows in chunks for r in rows] == [
        "LN-1",
        "LN-2",
        "LN-3",
        "LN-4",
        "LN-5",
    ]


def test_a_debug_run_does_not_keep_every_chunks_statements(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    """With DEBUG on Django logs statements with their parameters; a big import clears that
    log chunk by chunk instead of holding hundreds of MB of rendered SQL."""
    from django.db import connection

    from heed.portfolio import importer

    settings.DEBUG = True
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    monkeypatch.setenv("HEED_IMPORT_PROCESS", "0")
    creditor = CreditorFactory(code="cfc")
    rows = [{**GOOD, "external_ref": f"REF-{i:04d}", "national_id": ""} for i in range(12)]
    connection.queries_log.clear()
    _placement, result = do_import(creditor, write_csv(tmp_path / "a.csv", rows))
    assert result.created == 12
    logged = " ".join(q["sql"] for q in connection.queries_log)
    assert "portfolio_placement" in logged  # the log works: what came after the chunks is there
    assert "REF-0" not in logged  # and no chunk's lookup of 2 references stayed in it


def test_the_import_summary_is_in_the_importers_language() -> None:
    from types import SimpleNamespace

    from heed.portfolio.tasks import import_summary

    result = SimpleNamespace(status="completed", created=3, updated=0, unchanged=1, rows_rejected=2)
    english = import_summary(result, language="en")
    assert english == "Completed: 3 created, 0 updated, 1 unchanged, 2 rows rejected"
    chinese = import_summary(result, language="zh-hans")
    assert "新建 3" in chinese and "created" not in chinese


# --- The postal contact point: the whole address, in the country's order --------------------

US_ROW = {
    **GOOD,
    "external_ref": "US-1",
    "currency": "USD",
    "debtor_name": "Jo Bloggs",
    "national_id": "",
    "phone_1": "",
    "email": "",
    "address": "123 Main St\nApt 4",
    "city": "Springfield",
    "region": "IL",
    "postcode": "62704",
    "country": "US",
    "language": "en",
    "emergency_contact_name": "",
    "emergency_contact_phone": "",
    "emergency_contact_relation": "",
}


def _postal(debtor: Debtor) -> str:
    point = ContactPoint.objects.get(debtor=debtor, kind="postal")
    return contact_point_plain_value(point)


def test_us_and_uk_letters_get_city_region_and_postcode(tmp_path: Path) -> None:
    from heed.portfolio.selectors import debtor_plain_address

    uk = {
        **US_ROW,
        "external_ref": "UK-1",
        "currency": "GBP",
        "debtor_name": "Ann Smith",
        "address": "10 Downing Street",
        "city": "London",
        "region": "",
        "postcode": "SW1A 2AA",
        "country": "GB",
    }
    path = write_csv(tmp_path / "west.csv", [US_ROW, uk])
    _placement, result = do_import(CreditorFactory(code="usl"), path)
    assert (result.created, result.error_count) == (2, 0)
    us_debtor = Debtor.objects.get(full_name="Jo Bloggs")
    assert _postal(us_debtor) == "123 Main St\nApt 4\nSpringfield, IL 62704"
    assert _postal(Debtor.objects.get(full_name="Ann Smith")) == (
        "10 Downing Street\nLondon\nSW1A 2AA"
    )
    # The debtor's own address fields stay as imported.
    assert (us_debtor.city, us_debtor.region) == ("Springfield", "IL")
    assert debtor_plain_address(us_debtor) == "123 Main St Apt 4"


def test_us_address_that_already_names_city_state_and_zip_is_not_repeated(
    tmp_path: Path,
) -> None:
    row = {**US_ROW, "address": "123 Main St, Springfield, IL 62704"}
    do_import(CreditorFactory(code="usl"), write_csv(tmp_path / "a.csv", [row]))
    assert _postal(Debtor.objects.get()) == "123 Main St, Springfield, IL 62704"


def test_chinese_address_is_prefixed_by_region_and_city_it_lacks(tmp_path: Path) -> None:
    rows = [
        {**GOOD, "address": "南山区科技园路1号", "city": "深圳市", "region": "广东省"},
        {
            **GOOD,
            "external_ref": "LN-2",
            "debtor_name": "李娜",
            "national_id": "",
            "phone_1": "13912345679",
            "email": "",
            "address": "广东深圳市福田区深南大道2号",
            "city": "深圳",
            "region": "广东省",
        },
    ]
    do_import(CreditorFactory(code="cfc"), write_csv(tmp_path / "cn.csv", rows))
    assert _postal(Debtor.objects.get(full_name="张伟")) == "广东省深圳市南山区科技园路1号"
    assert _postal(Debtor.objects.get(full_name="李娜")) == "广东深圳市福田区深南大道2号"


def test_postcode_column_is_optional_and_recognised_by_its_common_headers(
    tmp_path: Path,
) -> None:
    from heed.portfolio.columns import suggest_columns
    from heed.portfolio.importer import map_header, template_csv

    assert "postcode" in STANDARD_COLUMNS
    for header in ("邮编", "邮政编码", "ZIP", "Zip Code", "Postal Code", "postcode"):
        assert map_header([header], None) == {"postcode": 0}, header
        assert suggest_columns([header]) == {header: "postcode"}, header
    rows = list(csv.reader(io.StringIO(template_csv())))
    assert dict(zip(rows[0], rows[1], strict=True))["postcode"] == "100020"
    # A file without the column imports as before.
    columns = [c for c in STANDARD_COLUMNS if c != "postcode"]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([columns, [US_ROW.get(c, "") for c in columns]])
    path = tmp_path / "old.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    _placement, result = do_import(CreditorFactory(code="usl"), path)
    assert (result.created, result.error_count) == (1, 0)
    assert _postal(Debtor.objects.get()) == "123 Main St\nApt 4\nSpringfield, IL"


def test_too_long_postcode_is_refused(tmp_path: Path) -> None:
    row = {**US_ROW, "postcode": "6" * 21}
    placement, result = do_import(CreditorFactory(code="usl"), write_csv(tmp_path / "a.csv", [row]))
    assert result.rows_rejected == 1
    error = PlacementRowError.objects.get(placement=placement)
    assert (error.column, error.reason_code) == ("postcode", "too_long")


def test_an_implausibly_short_address_is_refused_with_the_rule(tmp_path: Path) -> None:
    from heed.portfolio.importer import reason_text

    rows = [
        {**GOOD, "address": "x", "city": "", "region": ""},
        {
            **US_ROW,
            "external_ref": "US-2",
            "address": "12",
            "city": "",
            "region": "",
            "postcode": "",
        },
        # A short street line is enough with the city column: the letter prints both.
        {**US_ROW, "external_ref": "US-3", "address": "1 Elm St", "postcode": ""},
    ]
    _placement, result = do_import(CreditorFactory(code="cfc"), write_csv(tmp_path / "a.csv", rows))
    found = sorted((e.row, e.column, e.code) for e in result.errors)
    assert found == [(2, "address", "implausible_address"), (3, "address", "implausible_address")]
    assert (result.created, result.rows_rejected) == (1, 2)
    assert _postal(Debtor.objects.get()) == "1 Elm St\nSpringfield, IL"
    [error] = [e for e in result.errors if e.row == 2]
    assert reason_text(error.code, error.params) == (
        "Not a full postal address: give at least the street with the house number and the "
        "town or city (in this column or the city column); a Chinese address needs at least "
        "8 characters (e.g. 上海市黄浦区南京东路100号)."
    )
