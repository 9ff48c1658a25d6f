"""Building a creditor's column mapping from a sample of their file, in the browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from heed.audit.models import AuditEvent
from heed.portfolio.columns import suggest_columns
from heed.portfolio.models import ColumnMapping

pytestmark = pytest.mark.django_db

HEADERS = ["借据号", "客户姓名", "身份证号码", "手机号码", "备用电话", "本金", "应还日期", "备注"]


def _sample(encoding: str = "gb18030") -> SimpleUploadedFile:
    text = ",".join(HEADERS) + "\nLN-1,张伟,11010519491231002X,13812341234,,1000,2026/04/14,x\n"
    return SimpleUploadedFile("placement.csv", text.encode(encoding), content_type="text/csv")


def _table_post(**chosen: str) -> dict[str, Any]:
    data: dict[str, Any] = {"action": "table", "header_count": len(HEADERS), "name": "bank-a"}
    data.update({"date_format": "%Y/%m/%d", "default_currency": "cny", "default_country": "cn"})
    for i, header in enumerate(HEADERS):
        data[f"header_{i}"] = header
        data[f"column_{i}"] = chosen.get(header, "")
    return data


GOOD_CHOICE = {
    "借据号": "external_ref",
    "客户姓名": "debtor_name",
    "身份证号码": "national_id",
    "手机号码": "phone_1",
    "备用电话": "phone_2",
    "本金": "principal",
    "应还日期": "due_date",
}


def test_suggestions_for_common_chinese_and_english_headers() -> None:
    assert suggest_columns(HEADERS) == {**GOOD_CHOICE, "备注": ""}
    english = suggest_columns(
        ["Loan Number", "Customer Name", "SSN", "Mobile", "Phone", "Due Date"]
    )
    assert english == {
        "Loan Number": "external_ref",
        "Customer Name": "debtor_name",
        "SSN": "national_id",
        "Mobile": "phone_1",
        "Phone": "phone_2",  # a second phone header
        "Due Date": "due_date",
    }


def test_a_sample_file_gives_a_table_with_suggestions(
    world: dict[str, Any], client_for: Any
) -> None:
    creditor = world["account"].creditor
    client = client_for(world["users"]["data_manager"])
    page = client.post(
        f"/portfolio/creditors/{creditor.pk}/", {"action": "sample", "sample": _sample()}
    ).content.decode()
    for i, header in enumerate(HEADERS):
        assert f'value="{header}"' in page
        expected = GOOD_CHOICE.get(header, "")
        select = re.search(rf'<select name="column_{i}"[^>]*>(.*?)</select>', page, re.S)
        assert select is not None, header
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
        assert (chosen.group(1) if chosen else "") == expected, header
    assert not ColumnMapping.objects.exists()  # reading headers saves nothing


def test_saving_the_table_stores_the_mapping_and_audits_it(
    world: dict[str, Any], client_for: Any
) -> None:
    creditor = world["account"].creditor
    client = client_for(world["users"]["data_manager"])
    response = client.post(f"/portfolio/creditors/{creditor.pk}/", _table_post(**GOOD_CHOICE))
    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(creditor=creditor, name="bank-a")
    assert mapping.columns == GOOD_CHOICE
    assert (mapping.date_format, mapping.default_currency, mapping.default_country) == (
        "%Y/%m/%d",
        "CNY",
        "CN",
    )
    assert AuditEvent.objects.filter(action="column_mapping.saved").count() == 1


def test_a_missing_required_column_or_a_column_chosen_twice_saves_nothing(
    world: dict[str, Any], client_for: Any
) -> None:
    creditor = world["account"].creditor
    client = client_for(world["users"]["data_manager"])
    without_due = {k: v for k, v in GOOD_CHOICE.items() if k != "应还日期"}
    page = client.post(f"/portfolio/creditors/{creditor.pk}/", _table_post(**without_due))
    assert page.status_code == 200
    assert "choose a header for each: due_date" in page.content.decode()
    twice = {**GOOD_CHOICE, "备注": "principal"}
    page = client.post(f"/portfolio/creditors/{creditor.pk}/", _table_post(**twice))
    assert "principal is already taken by “本金”." in page.content.decode()
    assert not ColumnMapping.objects.exists()
    assert not AuditEvent.objects.filter(action="column_mapping.saved").exists()


def test_an_unreadable_sample_is_reported(world: dict[str, Any], client_for: Any) -> None:
    creditor = world["account"].creditor
    client = client_for(world["users"]["data_manager"])
    junk = SimpleUploadedFile("placement.xlsx", b"PK\x03\x04 not really a workbook")
    page = client.post(f"/portfolio/creditors/{creditor.pk}/", {"action": "sample", "sample": junk})
    assert "The file cannot be read as CSV or XLSX." in page.content.decode()


def test_only_importers_save_mappings(world: dict[str, Any], client_for: Any) -> None:
    creditor = world["account"].creditor
    client = client_for(world["users"]["collector"])
    page = client.get(f"/portfolio/creditors/{creditor.pk}/").content.decode()
    assert 'id="mapping-sample"' not in page
    response = client.post(f"/portfolio/creditors/{creditor.pk}/", _table_post(**GOOD_CHOICE))
    assert response.status_code == 403
    assert not ColumnMapping.objects.exists()


def test_the_typed_form_still_works_with_defaults(world: dict[str, Any], client_for: Any) -> None:
    creditor = world["account"].creditor
    client = client_for(world["users"]["data_manager"])
    response = client.post(
        f"/portfolio/creditors/{creditor.pk}/",
        {
            "action": "text",
            "name": "typed",
            "columns": "借据号 = external_ref\n姓名 = debtor_name",
            "date_format": "",
            "default_currency": "usd",
            "default_country": "us",
        },
    )
    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(name="typed")
    assert mapping.columns == {"借据号": "external_ref", "姓名": "debtor_name"}
    assert (mapping.default_currency, mapping.default_country) == ("USD", "US")
