"""The placement import: stream a creditor's file, validate every row, encrypt, then write.

Two phases, so that an interrupted import leaves nothing behind and memory stays bounded:

1. **Prepare** (streaming, progress 0–85 %): read rows one by one (CSV in UTF-8, UTF-8 with
   BOM or GB18030; XLSX in read-only mode), map the creditor's headers, validate, encrypt the
   personal data and compute blind indexes. Valid rows are spooled — as ciphertext only — to a
   temporary file in chunks; errors are kept (row, column, masked value, reason code).
2. **Apply** (one database transaction): upsert the chunks with ``executemany`` — accounts by
   ``(creditor, external_ref)``, debtors by national-id blind index, contact points with
   ``ON CONFLICT DO NOTHING`` on ``(debtor, kind, value_index)`` — then one audit event with the
   counts. A killed worker rolls the whole transaction back; re-running is safe.

Importing the same file twice changes nothing (every account is "unchanged"); a later file
with the same ``external_ref`` updates balances and dates and adds new contact points.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heed.audit.services import record
from heed.core.errors import ApplicationError
from heed.core.money import MoneyError, is_currency, parse_amount
from heed.portfolio import pii
from heed.portfolio.columns import STANDARD_COLUMNS  # noqa: E402 (re-exported)
from heed.portfolio.crypto import FieldCipher
from heed.portfolio.limitation import time_barred_on
from heed.portfolio.models import (
    Account,
    AssignmentHistory,
    ColumnMapping,
    ContactPoint,
    Creditor,
    Debtor,
    Placement,
    PlacementRowError,
)

REQUIRED_COLUMNS = ("external_ref", "debtor_name", "principal", "due_date")
# Optional columns of a contact point: a placeholder there (无, 不详, N/A, -: see
# pii.PLACEHOLDERS) means "not known" and is read as an empty cell, so the row imports
# without that contact point. In a required column a placeholder is refused.
PLACEHOLDER_MEANS_EMPTY = (
    "phone_1",
    "phone_2",
    "email",
    "address",
    "city",
    "region",
    "postcode",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relation",
)
PII_COLUMNS = {
    "national_id",
    "phone_1",
    "phone_2",
    "email",
    "address",
    "emergency_contact_phone",
}

# Headers Chinese creditors commonly use, recognised without a saved mapping.
BUILTIN_ALIASES: dict[str, str] = {
    "借据号": "external_ref",
    "合同号": "external_ref",
    "案件编号": "external_ref",
    "产品": "product",
    "产品名称": "product",
    "币种": "currency",
    "本金": "principal",
    "剩余本金": "principal",
    "利息": "interest",
    "费用": "fees",
    "罚息及费用": "fees",
    "到期日": "due_date",
    "应还款日": "due_date",
    "核销日": "charge_off_date",
    "最后还款日": "last_payment_date",
    "姓名": "debtor_name",
    "客户姓名": "debtor_name",
    "借款人姓名": "debtor_name",
    "身份证号": "national_id",
    "证件号码": "national_id",
    "出生日期": "date_of_birth",
    "手机号": "phone_1",
    "手机号码": "phone_1",
    "联系电话": "phone_1",
    "备用电话": "phone_2",
    "电子邮箱": "email",
    "邮箱": "email",
    "地址": "address",
    "家庭住址": "address",
    "城市": "city",
    "省份": "region",
    "邮编": "postcode",
    "邮政编码": "postcode",
    "zip": "postcode",
    "zip code": "postcode",
    "zipcode": "postcode",
    "postal code": "postcode",
    "post code": "postcode",
    "国家": "country",
    "语言": "language",
    "紧急联系人": "emergency_contact_name",
    "紧急联系人姓名": "emergency_contact_name",
    "紧急联系人电话": "emergency_contact_phone",
    "紧急联系人关系": "emergency_contact_relation",
    "与借款人关系": "emergency_contact_relation",
}

# Why a cell was refused; shown in the reader's language.
REASONS: dict[str, Any] = {
    "required": _("A value is required."),
    "missing_column": _("The file has no such column."),
    "invalid_amount": _("Not an amount (%(detail)s)."),
    "negative_amount": _("An amount cannot be negative."),
    "invalid_date": _("Not a date (expected e.g. 2026-04-14 or 2026/04/14)."),
    "invalid_currency": _("Unknown currency."),
    "invalid_phone": _("Not a valid phone number for %(country)s."),
    "invalid_email": _("Not a valid e-mail address."),
    "invalid_national_id": _("Not a valid national id for %(country)s (checksum or format)."),
    "invalid_country": _("Not an ISO 3166 two-letter country code."),
    "duplicate_in_file": _("This reference already appeared in row %(row)s."),
    "too_long": _("Longer than %(max)s characters."),
    "name_required": _("The emergency contact's name is required with their phone."),
    "placeholder": _("A value is required: a placeholder such as 无, 不详 or N/A is not one."),
    "implausible_address": _(
        "Not a full postal address: give at least the street with the house number and the "
        "town or city (in this column or the city column); a Chinese address needs at least "
        "%(count)s characters (e.g. 上海市黄浦区南京东路100号)."
    ),
    "id_birth_mismatch": _("The date of birth does not match the national id."),
    "undecodable": _("The file is not valid UTF-8 or GB18030 text."),
    "unreadable": _("The file cannot be read as CSV or XLSX."),
}

CHUNK_ROWS = 2000
POSTCODE_MAX_LENGTH = 20
MAX_STORED_ERRORS = 100_000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEP_DATE = re.compile(r"^(\d{4})[/.年-](\d{1,2})[/.月-](\d{1,2})日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SIMPLE_AMOUNT = re.compile(r"^\d{1,15}(\.\d{1,2})?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def reason_text(code: str, params: dict[str, Any] | None = None) -> str:
    template = REASONS.get(code, code)
    try:
        return str(template) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


@dataclass
class RowError:
    row: int
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return reason_text(self.code, self.params)


@dataclass
class ImportOptions:
    dry_run: bool = False
    reject_on_error: bool = False


@dataclass
class ImportResult:
    rows_total: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contact_points_added: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    status: str = ""
    updated_refs: list[str] = field(default_factory=list)
    # Seconds the writer waited for prepared rows (tells where an import's time goes).
    writer_waited: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "rows_total": self.rows_total,
            "rows_valid": self.rows_valid,
            "rows_rejected": self.rows_rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "contact_points_added": self.contact_points_added,
            "error_count": self.error_count,
        }


ProgressFn = Callable[[int, str], None]


# --- Reading ------------------------------------------------------------------------------


def detect_encoding(head: bytes) -> str:
    """UTF-8 with BOM, UTF-8, or GB18030 (Chinese Excel's "CSV" export)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
        return "gb18030"


def is_xlsx(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


class _CountingReader(io.RawIOBase):
    """Counts bytes read, for the progress bar."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.bytes_read += n
        return n


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class RowSource:
    header: list[str]
    rows: Iterator[list[str]]
    progress: Callable[[], float]  # 0.0 … 1.0
    close: Callable[[], None]


def open_rows(path: Path) -> RowSource:
    if is_xlsx(path):
        return _open_xlsx(path)
    return _open_csv(path)


def read_header(path: Path) -> list[str]:
    """The header row of a creditor's file (CSV in any supported encoding, or XLSX), for
    building a column mapping from a sample. Raises ApplicationError when unreadable."""
    try:
        source = open_rows(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same answer
        raise ApplicationError(
            str(REASONS["unreadable"]), "unreadable", fields={"file": [str(REASONS["unreadable"])]}
        ) from exc
    try:
        header = [h.strip() for h in source.header if h.strip()]
    finally:
        source.close()
    if not header:
        message = _("The file has no header row.")
        raise ApplicationError(str(message), "no_header", fields={"file": [str(message)]})
    return header


def _open_csv(path: Path) -> RowSource:
    size = max(1, path.stat().st_size)
    raw = open(path, "rb")  # noqa: SIM115 - closed by RowSource.close
    head = raw.read(1 << 20)  # enough to meet non-ASCII text in any real export
    raw.seek(0)
    encoding = detect_encoding(head)
    counter = _CountingReader(raw)
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    return RowSource(
        header=header,
        rows=reader,
        progress=lambda: counter.bytes_read / size,
        close=text.close,
    )


def _open_xlsx(path: Path) -> RowSource:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    total = max(1, sheet.max_row or 1)
    state = {"n": 0}
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = [_cell(v) for v in next(iterator)]
    except StopIteration:
        header = []

    def rows() -> Iterator[list[str]]:
        for values in iterator:
            state["n"] += 1
            yield [_cell(v) for v in values]

    return RowSource(
        header=header,
        rows=rows(),
        progress=lambda: state["n"] / total,
        close=workbook.close,
    )


def map_header(header: list[str], mapping: ColumnMapping | None) -> dict[str, int]:
    """Standard column → position in the file."""
    aliases = dict(BUILTIN_ALIASES)
    if mapping is not None:
        aliases.update({k.strip().lower(): v for k, v in mapping.columns.items()})
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").strip().lower()
        standard = key if key in STANDARD_COLUMNS else aliases.get(key) or aliases.get(name.strip())
        if standard and standard not in positions:
            positions[standard] = position
    return positions


# --- Validating one row -------------------------------------------------------------------


def parse_date(text: str, date_format: str = "") -> datetime.date | None:
    if _ISO_DATE.match(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            return None
    if date_format:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            pass
    match = _SEP_DATE.match(text) or _COMPACT_DATE.match(text)
    if match:
        try:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if len(text) > 10 and _ISO_DATE.match(text[:10]) and text[10] in " T":
        return parse_date(text[:10])
    return None


def _amount(text: str, currency: str) -> int:
    if _SIMPLE_AMOUNT.match(text):
        whole, _dot, frac = text.partition(".")
        if currency in {"CNY", "USD", "GBP", "EUR", "HKD"}:
            return int(whole) * 100 + int((frac + "00")[:2])
    return parse_amount(text, currency)


@dataclass
class RowContext:
    creditor: Creditor
    date_format: str
    default_currency: str
    default_country: str
    cipher: FieldCipher
    purpose_nid: bytes = pii.PURPOSE_NATIONAL_ID.encode()
    purpose_addr: bytes = pii.PURPOSE_ADDRESS.encode()
    purpose_contact: bytes = pii.PURPOSE_CONTACT.encode()


# A prepared, validated row: only ciphertext for personal data.
# (external_ref, product, currency, principal, interest, fees, due, charge_off, last_payment,
#  name, nid_token, nid_index, nid_masked, id_type, dob, language, addr_token, addr_masked,
#  city, region, country, zones_json, contacts)
# contact = (kind, token, index, masked, phone_region, zones_json, role, party_name, relation)
Prepared = tuple[Any, ...]


_ZONES_JSON: dict[tuple[str, ...], str] = {}


def _zones_json(zones: tuple[str, ...]) -> str:
    found = _ZONES_JSON.get(zones)
    if found is None:
        found = _ZONES_JSON[zones] = json.dumps(list(zones))
    return found


def _mask_for_report(column: str, value: str) -> str:
    if column not in PII_COLUMNS or not value:
        return value[:200]
    if column == "email":
        return pii.mask_email(value)
    if column == "address":
        return pii.mask_address(value)
    if column == "national_id":
        return pii.mask_national_id(value)
    return pii.mask_phone_national(re.sub(r"\D", "", value))


def prepare_row(
    values: list[str], positions: dict[str, int], row_number: int, ctx: RowContext
) -> tuple[Prepared | None, list[RowError]]:
    errors: list[RowError] = []
    width = len(values)
    cells = {name: values[pos].strip() for name, pos in positions.items() if pos < width}
    get = cells.get

    def fail(column: str, value: str, code: str, **params: Any) -> None:
        errors.append(RowError(row_number, column, _mask_for_report(column, value), code, params))

    # Length first: most cells (numbers, addresses, empty ones) are ruled out without a call.
    short = pii.PLACEHOLDER_MAX_LENGTH
    for column in PLACEHOLDER_MEANS_EMPTY:
        value = get(column, "")
        if value and len(value) <= short and pii.is_placeholder(value):
            cells[column] = ""
    placeholders: set[str] = set()
    for column in REQUIRED_COLUMNS:
        value = get(column, "")
        if value and len(value) <= short and pii.is_placeholder(value):
            fail(column, cells[column], "placeholder")
            placeholders.add(column)
            cells[column] = ""

    def require(column: str) -> None:
        """An empty required cell (one that held a placeholder is refused already)."""
        if column not in placeholders:
            fail(column, "", "required")

    ref = get("external_ref", "")
    if not ref:
        require("external_ref")
    elif len(ref) > 100:
        fail("external_ref", ref, "too_long", max=100)
    name = get("debtor_name", "")
    if not name:
        require("debtor_name")
    elif len(name) > 200:
        fail("debtor_name", name, "too_long", max=200)
    product = get("product", "")[:100]

    currency = (get("currency", "") or ctx.default_currency).upper()
    if not is_currency(currency):
        fail("currency", currency, "invalid_currency")
        currency = ""
    balances = [0, 0, 0]
    for i, column in enumerate(("principal", "interest", "fees")):
        text = get(column, "")
        if not text:
            if column == "principal":
                require(column)
            continue
        if not currency:
            continue
        try:
            amount = _amount(text, currency)
        except MoneyError as exc:
            fail(column, text, "invalid_amount", detail=str(exc))
            continue
        if amount < 0:
            fail(column, text, "negative_amount")
            continue
        balances[i] = amount

    dates: list[datetime.date | None] = []
    for column in ("due_date", "charge_off_date", "last_payment_date", "date_of_birth"):
        text = get(column, "")
        if not text:
            if column == "due_date":
                require(column)
            dates.append(None)
            continue
        parsed = parse_date(text, ctx.date_format)
        if parsed is None:
            fail(column, text, "invalid_date")
        dates.append(parsed)

    country = (get("country", "") or ctx.default_country).upper()
    if not _COUNTRY.match(country):
        fail("country", country, "invalid_country")
        country = ctx.default_country

    cipher = ctx.cipher
    nid_raw = get("national_id", "")
    nid_token = nid_index = nid_masked = id_type = ""
    dob = dates[3]
    if nid_raw:
        normalised = pii.national_id_normalise(nid_raw, country)
        if normalised is None:
            fail("national_id", nid_raw, "invalid_national_id", country=country)
        else:
            nid, id_type = normalised
            if id_type == "cn_resident":
                born = pii.cn_id_birth_date(nid)
                if dob is None:
                    dob = born
                elif born != dob:
                    fail("date_of_birth", get("date_of_birth", ""), "id_birth_mismatch")
            nid_token = cipher.encrypt(nid, ctx.purpose_nid)
            nid_index = cipher.index(nid, pii.INDEX_NATIONAL_ID)
            nid_masked = pii.mask_national_id(nid, id_type)

    contacts: list[tuple[Any, ...]] = []
    zones: list[str] = list(pii.zones_for_address(country, get("region", "")))
    for column in ("phone_1", "phone_2"):
        text = get(column, "")
        if not text:
            continue
        info = pii.parse_phone(text, country)
        if info is None:
            fail(column, text, "invalid_phone", country=country)
            continue
        for zone in info.timezones:
            if zone not in zones:
                zones.append(zone)
        contacts.append(
            (
                "phone",
                cipher.encrypt(info.e164, ctx.purpose_contact),
                cipher.index(info.e164, pii.INDEX_PHONE),
                pii.mask_phone_national(info.national),
                info.region,
                _zones_json(info.timezones),
                "debtor",
                "",
                "",
            )
        )
    email_raw = get("email", "")
    if email_raw:
        email = pii.email_normalise(email_raw)
        if email is None:
            fail("email", email_raw, "invalid_email")
        else:
            contacts.append(
                (
                    "email",
                    cipher.encrypt(email, ctx.purpose_contact),
                    cipher.index(email, pii.INDEX_EMAIL),
                    pii.mask_email(email),
                    "",
                    "[]",
                    "debtor",
                    "",
                    "",
                )
            )
    address = pii.address_normalise(get("address", ""))
    addr_token = cipher.encrypt(address, ctx.purpose_addr) if address else ""
    addr_masked = pii.mask_address(address) if address else ""
    postcode = get("postcode", "")
    if len(postcode) > POSTCODE_MAX_LENGTH:
        fail("postcode", postcode, "too_long", max=POSTCODE_MAX_LENGTH)
        postcode = ""
    if address:
        # The debtor's postal address as a contact point too: letters go to contact points
        # (the gateway checks each one: opt-outs, holds, validity). The letter prints this
        # value, so it is the whole address in the country's order (city, region, postcode
        # included), its line breaks kept; the debtor's own address fields stay as imported.
        postal = pii.postal_address(
            country=country,
            street=get("address", ""),
            city=get("city", ""),
            region=get("region", ""),
            postcode=postcode,
        )
        if not pii.postal_address_is_plausible(postal):
            # A letter would not arrive (the same rule as adding an address on the debtor's
            # page: services.contact_point_add).
            fail(
                "address",
                get("address", ""),
                "implausible_address",
                count=pii.POSTAL_MIN_CHINESE_CHARACTERS,
            )
        else:
            postal_index = pii.address_normalise(postal)
            contacts.append(
                (
                    "postal",
                    cipher.encrypt(postal, ctx.purpose_contact),
                    cipher.index(postal_index, pii.INDEX_POSTAL),
                    pii.mask_contact("postal", postal_index),
                    "",
                    "[]",
                    "debtor",
                    "",
                    "",
                )
            )

    ec_phone = get("emergency_contact_phone", "")
    ec_name = get("emergency_contact_name", "")
    if ec_phone:
        info = pii.parse_phone(ec_phone, country)
        if info is None:
            fail("emergency_contact_phone", ec_phone, "invalid_phone", country=country)
        elif not ec_name:
            fail("emergency_contact_name", ec_name, "name_required")
        else:
            contacts.append(
                (
                    "phone",
                    cipher.encrypt(info.e164, ctx.purpose_contact),
                    cipher.index(info.e164, pii.INDEX_PHONE),
                    pii.mask_phone_national(info.national),
                    info.region,
                    _zones_json(info.timezones),
                    "emergency_contact",
                    ec_name[:200],
                    get("emergency_contact_relation", "")[:100],
                )
            )
    if errors:
        return None, errors
    return (
        ref,
        product,
        currency,
        balances[0],
        balances[1],
        balances[2],
        dates[0],
        dates[1],
        dates[2],
        name,
        nid_token,
        nid_index,
        nid_masked,
        id_type,
        dob,
        get("language", "")[:10],
        addr_token,
        addr_masked,
        get("city", "")[:100],
        get("region", "")[:100],
        country,
        _zones_json(tuple(zones)),
        contacts,
    ), errors


# --- Phase 1: prepare ---------------------------------------------------------------------


def _date_text(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _same_date(value: datetime.date | None) -> datetime.date | None:
    return value


class _Writer:
    """Raw ``executemany`` upserts for one placement, inside the caller's transaction."""

    def __init__(self, placement: Placement, actor_id: int | None) -> None:
        self.placement = placement
        self.placement_id = placement.pk
        self.default_jurisdiction = placement.creditor.default_jurisdiction
        self.creditor_id = placement.creditor_id
        self.agency_id = placement.agency_id
        self.actor_id = actor_id
        self.vendor = connection.vendor
        self.now_db = connection.ops.adapt_datetimefield_value(timezone.now())
        # What adapt_datefield_value gives (ISO text on SQLite, the date itself for psycopg),
        # without a method call through the backend for each of a million dates.
        self.date_db = _date_text if self.vendor == "sqlite" else _same_date
        self.debtor_table = Debtor._meta.db_table
        self.account_table = Account._meta.db_table
        self.cp_table = ContactPoint._meta.db_table
        self.history_table = AssignmentHistory._meta.db_table
        self.qn = connection.ops.quote_name
        self.ph = "%s"

    def _barred_on(self, r: Prepared) -> datetime.date | None:
        return time_barred_on(
            self.default_jurisdiction or r[20],
            due_date=r[6],
            charge_off_date=r[7],
            last_payment_date=r[8],
        )

    def allocate_ids(self, table: str, n: int) -> list[int]:
        if n == 0:
            return []
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608 - table names from model meta, values bound
                    "FROM generate_series(1, %s)",
                    [n],
                )
                return [r[0] for r in cursor.fetchall()]
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.qn(table)}")  # noqa: S608 - table names from model meta, values bound
            start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + n))

    def _in_clause(self, n: int) -> str:
        return ",".join([self.ph] * n)

    def apply_chunk(self, rows: list[Prepared], result: ImportResult) -> None:
        qn = self.qn
        refs = [r[0] for r in rows]
        existing: dict[str, tuple[Any, ...]] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT external_ref, id, debtor_id, product, principal_balance, "  # noqa: S608 - table names from model meta, values bound
                f"interest_balance, fees_balance, due_date, charge_off_date, last_payment_date "
                f"FROM {qn(self.account_table)} WHERE creditor_id = %s "
                f"AND external_ref IN ({self._in_clause(len(refs))})",
                [self.creditor_id, *refs],
            )
            for found in cursor.fetchall():
                existing[found[0]] = found[1:]

            # Debtors: reuse by national-id blind index (this file or earlier ones).
            indexes = sorted({r[11] for r in rows if r[11] and r[0] not in existing})
            debtor_by_index: dict[str, int] = {}
            if indexes:
                cursor.execute(
                    f"SELECT national_id_index, id FROM {qn(self.debtor_table)} "  # noqa: S608 - table names from model meta, values bound
                    f"WHERE national_id_index IN ({self._in_clause(len(indexes))})",
                    indexes,
                )
                debtor_by_index = {k: v for k, v in cursor.fetchall()}

        new_debtors: list[tuple[Any, ...]] = []
        new_accounts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        debtor_rows: list[tuple[int, Prepared]] = []
        new_rows = [r for r in rows if r[0] not in existing]
        needs = [r for r in new_rows if not (r[11] and r[11] in debtor_by_index)]
        # Two new rows in this chunk for one person share one new debtor.
        distinct: set[str] = set()
        count_new_debtors = 0
        for r in needs:
            if r[11]:
                if r[11] in distinct:
                    continue
                distinct.add(r[11])
            count_new_debtors += 1
        assigned: dict[str, int] = {}
        debtor_ids = iter(self.allocate_ids(self.debtor_table, count_new_debtors))
        account_ids = iter(self.allocate_ids(self.account_table, len(new_rows)))
        now = self.now_db
        to_db = self.date_db
        for r in rows:
            found = existing.get(r[0])
            if found is not None:
                account_id, debtor_id = found[0], found[1]
                incoming = (r[1], r[3], r[4], r[5], r[6], r[7], r[8])
                current = (
                    found[2],
                    found[3],
                    found[4],
                    found[5],
                    _as_date(found[6]),
                    _as_date(found[7]),
                    _as_date(found[8]),
                )
                if incoming != current:
                    updates.append(
                        (
                            r[1],
                            r[3],
                            r[4],
                            r[5],
                            to_db(r[6]),
                            to_db(r[7]),
                            to_db(r[8]),
                            to_db(self._barred_on(r)),
                            self.placement_id,
                            now,
                            account_id,
                        )
                    )
                    result.updated += 1
                    if len(result.updated_refs) < 50:
                        result.updated_refs.append(r[0])
                else:
                    result.unchanged += 1
                debtor_rows.append((debtor_id, r))
                continue
            debtor_id = (debtor_by_index.get(r[11]) or assigned.get(r[11])) if r[11] else None
            if debtor_id is None:
                debtor_id = next(debtor_ids)
                if r[11]:
                    assigned[r[11]] = debtor_id
                new_debtors.append(
                    (
                        debtor_id,
                        r[9],
                        r[10],
                        r[11],
                        r[12],
                        r[13],
                        to_db(r[14]),
                        r[15],
                        r[16],
                        r[17],
                        r[18],
                        r[19],
                        r[20],
                        r[21],
                        False,
                        False,
                        False,
                        False,
                        now,
                        now,
                    )
                )
            total = r[3] + r[4] + r[5]
            new_accounts.append(
                (
                    next(account_ids),
                    self.creditor_id,
                    self.placement_id,
                    debtor_id,
                    r[0],
                    r[1],
                    r[2],
                    total,
                    r[3],
                    r[4],
                    r[5],
                    0,
                    to_db(r[6]),
                    to_db(r[7]),
                    to_db(r[8]),
                    self.default_jurisdiction or r[20],
                    to_db(self._barred_on(r)),
                    "",
                    None,
                    None,
                    self.agency_id,
                    "new",
                    now,
                    now,
                    now,
                )
            )
            result.created += 1
            debtor_rows.append((debtor_id, r))

        contacts: list[tuple[Any, ...]] = []
        now = self.now_db
        for debtor_id, r in debtor_rows:
            for c in r[22]:
                contacts.append(
                    (
                        debtor_id,
                        c[0],
                        c[1],
                        c[2],
                        c[3],
                        c[4],
                        c[5],
                        c[6],
                        c[7],
                        c[8],
                        "contract",
                        True,
                        False,
                        self.placement_id,
                        now,
                    )
                )
        with connection.cursor() as cursor:
            if new_debtors:
                cursor.executemany(
                    f"INSERT INTO {qn(self.debtor_table)} (id, full_name, national_id, "  # noqa: S608 - table names from model meta, values bound
                    "national_id_index, national_id_masked, id_type, date_of_birth, "
                    "preferred_language, address, address_masked, city, region, country, "
                    "timezones, is_deceased, is_bankrupt, is_vulnerable, lacks_capacity, "
                    f"created_at, updated_at) VALUES ({self._in_clause(20)})",
                    new_debtors,
                )
            if new_accounts:
                cursor.executemany(
                    f"INSERT INTO {qn(self.account_table)} (id, creditor_id, placement_id, "  # noqa: S608 - table names from model meta, values bound
                    "debtor_id, external_ref, product, currency, original_amount, "
                    "principal_balance, interest_balance, fees_balance, credit_balance, "
                    "due_date, charge_off_date, last_payment_date, jurisdiction, "
                    "time_barred_on, litigation_status, assigned_collector_id, "
                    "assigned_team_id, agency_id, status, status_changed_at, created_at, "
                    f"updated_at) VALUES ({self._in_clause(25)})",
                    new_accounts,
                )
                if self.agency_id is not None:
                    cursor.executemany(
                        f"INSERT INTO {qn(self.history_table)} (account_id, action, "  # noqa: S608 - table names from model meta, values bound
                        "collector_id, team_id, agency_id, started_at, ended_at, reason, "
                        f"actor_id) VALUES ({self._in_clause(9)})",
                        [
                            (
                                a[0],
                                "place",
                                None,
                                None,
                                self.agency_id,
                                now,
                                None,
                                "",
                                self.actor_id,
                            )
                            for a in new_accounts
                        ],
                    )
            if updates:
                cursor.executemany(
                    f"UPDATE {qn(self.account_table)} SET product = %s, principal_balance = %s, "  # noqa: S608 - table names from model meta, values bound
                    "interest_balance = %s, fees_balance = %s, due_date = %s, "
                    "charge_off_date = %s, last_payment_date = %s, time_barred_on = %s, "
                    "placement_id = %s, updated_at = %s WHERE id = %s",
                    updates,
                )
            if contacts:
                cursor.executemany(
                    f"INSERT INTO {qn(self.cp_table)} (debtor_id, kind, value, value_index, "  # noqa: S608 - table names from model meta, values bound
                    "value_masked, phone_region, timezones, party_role, party_name, relation, "
                    "provenance, is_valid, opted_out, placement_id, created_at) "
                    f"VALUES ({self._in_clause(15)}) "
                    "ON CONFLICT (value_index, kind, debtor_id) DO NOTHING",
                    contacts,
                )
                result.contact_points_added += max(0, cursor.rowcount)


def _as_date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


class SeenReferences:
    """Which references this file already had, and on which row — in bounded memory.

    References are kept as 64-bit hashes (a false duplicate needs a 64-bit collision). The
    newest ones sit in a dict of at most ``memory_limit`` entries (~100 bytes each, so a
    million-row file never leaves memory); when it
    fills up they move to a private temporary SQLite file (in the temp folder, removed on close)
    and a fixed-size bitmap remembers which hashes went there, so only a reference whose bit is
    set — a duplicate, or ~1 in 100 others at a million references — costs a lookup in the file.
    Memory is the dict, the bitmap and the file's bounded page cache, whatever the file size.
    """

    BITMAP_BITS = 1 << 27  # 16 MiB

    def __init__(self, memory_limit: int = 1_000_000, cache_kib: int = 16_384) -> None:
        self.memory_limit = memory_limit
        self.cache_kib = cache_kib
        self._recent: dict[int, int] = {}
        self._spill: sqlite3.Connection | None = None
        self._bits = bytearray()
        self.lookups = 0

    def first_row(self, reference: str, row: int) -> int | None:
        """The row where ``reference`` appeared before, or None (and remember it at ``row``)."""
        key = hash(reference)
        first = self._recent.get(key)
        if first is not None:
            return first
        if self._spill is not None:
            bit = key & (self.BITMAP_BITS - 1)
            if self._bits[bit >> 3] & (1 << (bit & 7)):
                self.lookups += 1
                found = self._spill.execute("SELECT r FROM seen WHERE h = ?", (key,)).fetchone()
                if found is not None:
                    return int(found[0])
        self._recent[key] = row
        if len(self._recent) > self.memory_limit:
            self._move_to_disk()
        return None

    def _move_to_disk(self) -> None:
        if self._spill is None:
            # "" = a private on-disk temporary database, removed on close.
            self._spill = sqlite3.connect("", isolation_level=None)
            self._spill.execute(f"PRAGMA cache_size = -{int(self.cache_kib)}")
            self._spill.execute("PRAGMA journal_mode = OFF")
            self._spill.execute("PRAGMA synchronous = OFF")
            self._spill.execute("CREATE TABLE seen (h INTEGER PRIMARY KEY, r INTEGER NOT NULL)")
            self._bits = bytearray(self.BITMAP_BITS >> 3)
        bits, mask = self._bits, self.BITMAP_BITS - 1
        for key in self._recent:
            bit = key & mask
            bits[bit >> 3] |= 1 << (bit & 7)
        self._spill.execute("BEGIN")
        recent = self._recent
        # Key order makes the inserts append-like; pairs are made one at a time, not as a list.
        self._spill.executemany(
            "INSERT INTO seen VALUES (?, ?)", ((key, recent[key]) for key in sorted(recent))
        )
        self._spill.execute("COMMIT")
        self._recent = {}

    @property
    def spilled(self) -> bool:
        return self._spill is not None

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None
        self._recent = {}
        self._bits = bytearray()


def prepare_stream(
    path: Path,
    *,
    ctx: RowContext,
    mapping: ColumnMapping | None,
    emit: Callable[[tuple[str, Any]], None],
    seen_memory_limit: int = 1_000_000,
) -> ImportResult:
    """Read, validate and encrypt ``path``; ``emit(("chunk", rows))`` for each chunk of valid
    rows and ``emit(("progress", fraction))`` now and then. Returns counts and errors.

    ``seen_memory_limit``: how many references the duplicate check keeps in memory before it
    moves them to a temporary file (see :class:`SeenReferences`)."""
    result = ImportResult()
    try:
        source = open_rows(path)
    except Exception:  # noqa: BLE001 - any unreadable file is reported the same way
        result.errors.append(RowError(1, "", "", "unreadable"))
        result.error_count = 1
        return result
    positions = map_header(source.header, mapping)
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        source.close()
        for column in missing:
            result.errors.append(RowError(1, column, "", "missing_column"))
        result.error_count = len(missing)
        return result
    seen = SeenReferences(memory_limit=seen_memory_limit)
    chunk: list[Prepared] = []
    row_number = 1
    # Rows are read once each, so a counter (not a set of row numbers) counts the rejected ones.
    last_rejected = 0
    try:
        for values in source.rows:
            row_number += 1
            if not any(values):
                continue
            result.rows_total += 1
            prepared, errors = prepare_row(values, positions, row_number, ctx)
            if prepared is not None:
                ref = prepared[0]
                first = seen.first_row(ref, row_number)
                if first is not None:
                    errors = [
                        RowError(
                            row_number, "external_ref", ref, "duplicate_in_file", {"row": first}
                        )
                    ]
                    prepared = None
            if prepared is None:
                if last_rejected != row_number:
                    result.rows_rejected += 1
                    last_rejected = row_number
                result.error_count += len(errors)
                if len(result.errors) < MAX_STORED_ERRORS:
                    result.errors.extend(errors)
                continue
            result.rows_valid += 1
            chunk.append(prepared)
            if len(chunk) >= CHUNK_ROWS:
                emit(("chunk", chunk))
                chunk = []
                if result.rows_total % (CHUNK_ROWS * 10) < CHUNK_ROWS:
                    emit(("progress", min(1.0, source.progress())))
        if chunk:
            emit(("chunk", chunk))
    except UnicodeDecodeError:
        result.errors.append(RowError(row_number, "", "", "undecodable"))
        result.error_count += 1
        if last_rejected != row_number:
            result.rows_rejected += 1
        result.rows_valid = 0
        result.status = "undecodable"
    finally:
        source.close()
        seen.close()
    return result


def _row_context(creditor: Creditor, mapping: ColumnMapping | None) -> RowContext:
    return RowContext(
        creditor=creditor,
        date_format=mapping.date_format if mapping else "",
        default_currency=(mapping.default_currency if mapping else "") or creditor.currency,
        default_country=(mapping.default_country if mapping else "") or creditor.country,
        cipher=FieldCipher(),
    )


# --- Pipeline: preparation in a worker process, writing in this one -----------------------

_DONE = "done"
_FAILED = "failed"


def _worker(queue: Any, path: Path, ctx: RowContext, mapping: ColumnMapping | None) -> None:
    try:
        result = prepare_stream(path, ctx=ctx, mapping=mapping, emit=queue.put)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        queue.put((_FAILED, f"{type(exc).__name__}: {exc}"))
        return
    queue.put((_DONE, result))


def _messages(
    path: Path, ctx: RowContext, mapping: ColumnMapping | None
) -> Iterator[tuple[str, Any]]:
    """Messages from the preparing side: in a forked process (two cores work at once) where
    the platform allows it, else in a thread. A bounded queue keeps memory flat."""
    import multiprocessing
    import queue as queue_module
    import threading

    use_process = (
        os.environ.get("HEED_IMPORT_PROCESS", "1") != "0"
        and "fork" in multiprocessing.get_all_start_methods()
    )
    worker: Any
    if use_process:
        mp = multiprocessing.get_context("fork")
        channel: Any = mp.Queue(maxsize=4)
        worker = mp.Process(target=_worker, args=(channel, path, ctx, mapping), daemon=True)
    else:
        channel = queue_module.Queue(maxsize=4)
        worker = threading.Thread(target=_worker, args=(channel, path, ctx, mapping), daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = channel.get(timeout=5)
            except queue_module.Empty:
                if not worker.is_alive():
                    raise RuntimeError("the import worker died") from None
                continue
            yield message
            if message[0] in {_DONE, _FAILED}:
                return
    finally:
        worker.join(timeout=5)
        if use_process and worker.is_alive():
            worker.terminate()


class _Rollback(Exception):
    pass


def _progress_file(placement: Placement) -> Path:
    return Path(settings.VAR_DIR) / "tmp" / f"placement-{placement.pk}.progress"


def read_live_progress(placement: Placement) -> tuple[int, str] | None:
    """Progress written while the import's transaction is open (invisible in the database
    until it commits)."""
    try:
        data = json.loads(_progress_file(placement).read_text())
    except (OSError, ValueError):
        return None
    return int(data.get("percent", 0)), str(data.get("message", ""))


def _write_live_progress(placement: Placement, percent: int, message: str) -> None:
    path = _progress_file(placement)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"percent": percent, "message": message}))
        tmp.replace(path)
    except OSError:
        pass


def _import_in_transaction(
    placement: Placement,
    path: Path,
    *,
    actor: Any,
    options: ImportOptions,
    progress: ProgressFn | None,
) -> ImportResult:
    ctx = _row_context(placement.creditor, placement.mapping)
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    outcome: ImportResult | None = None
    # Bulk load without per-row foreign-key checks: every id the writer uses was just read
    # or allocated inside the same transaction. (A no-op when already inside a transaction.)
    relax_fk = connection.vendor == "sqlite" and connection.get_autocommit()
    if relax_fk:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")

    def report(percent: int, message: str) -> None:
        _write_live_progress(placement, percent, message)
        if progress is not None:
            progress(percent, message)

    try:
        with transaction.atomic():
            # Takes the write lock first on SQLite (IMMEDIATE), so id allocation cannot race.
            Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.IMPORTING)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA cache_size = -65536")
            writer = _Writer(placement, actor_id)
            partial = ImportResult()
            chunks = 0
            messages = _messages(path, ctx, placement.mapping)
            waited = 0.0
            while True:
                started = time.perf_counter()
                try:
                    kind, payload = next(messages)
                except StopIteration:
                    break
                waited += time.perf_counter() - started
                if kind == "chunk":
                    writer.apply_chunk(payload, partial)
                    chunks += 1
                    if connection.queries_logged:
                        # With DEBUG on, Django keeps the last 9,000 statements with their
                        # parameters rendered in (2,000 references per lookup here): tens of
                        # KB each, hundreds of MB over a big file. Nothing reads them.
                        connection.queries_log.clear()
                elif kind == "progress":
                    report(min(98, int(98 * payload)), "importing")
                elif kind == _FAILED:
                    raise RuntimeError(payload)
                else:
                    outcome = payload
            assert outcome is not None
            outcome.writer_waited = waited
            outcome.created, outcome.updated = partial.created, partial.updated
            outcome.unchanged = partial.unchanged
            outcome.contact_points_added = partial.contact_points_added
            outcome.updated_refs = partial.updated_refs
            refuse = outcome.error_count > 0 and (
                options.reject_on_error or outcome.rows_valid == 0
            )
            if refuse:
                raise _Rollback()
            record(
                action="placement.imported",
                actor=actor,
                target=placement,
                changes={**outcome.as_dict(), "updated_refs_sample": outcome.updated_refs},
            )
            outcome.status = Placement.Status.COMPLETED
            Placement.objects.filter(pk=placement.pk).update(
                status=Placement.Status.COMPLETED,
                imported_at=timezone.now(),
                **_counts(outcome),
            )
    except _Rollback:
        assert outcome is not None
        outcome.created = outcome.updated = outcome.unchanged = 0
        outcome.contact_points_added = 0
        outcome.status = Placement.Status.REJECTED
    finally:
        _progress_file(placement).unlink(missing_ok=True)
        if relax_fk:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys = ON")
    return outcome


def _counts(result: ImportResult) -> dict[str, int]:
    return {
        "rows_total": result.rows_total,
        "rows_valid": result.rows_valid,
        "rows_rejected": result.rows_rejected,
        "rows_created": result.created,
        "rows_updated": result.updated,
        "rows_unchanged": result.unchanged,
        "contact_points_added": result.contact_points_added,
        "error_count": result.error_count,
    }


def store_errors(placement: Placement, errors: list[RowError]) -> None:
    PlacementRowError.objects.filter(placement=placement).delete()
    batch: list[PlacementRowError] = []
    for error in errors:
        batch.append(
            PlacementRowError(
                placement=placement,
                row_number=error.row,
                column=error.column,
                value=error.value[:200],
                reason_code=error.code,
                params=error.params,
            )
        )
        if len(batch) >= 5000:
            PlacementRowError.objects.bulk_create(batch)
            batch = []
    if batch:
        PlacementRowError.objects.bulk_create(batch)


def run_import(
    placement: Placement,
    path: Path,
    *,
    actor: Any,
    options: ImportOptions,
    progress: ProgressFn | None = None,
) -> ImportResult:
    """The whole import of one file for ``placement`` (used by the task and the command).

    Dry run: validate only. Otherwise rows are prepared in a worker process and written by
    this one inside a single transaction: everything or nothing. With ``reject_on_error`` any
    bad row rolls the whole file back; without it the good rows are imported.
    """
    Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.VALIDATING)
    if progress is not None:
        progress(1, "validating")
    if options.dry_run:
        ctx = _row_context(placement.creditor, placement.mapping)

        def emit(message: tuple[str, Any]) -> None:
            if message[0] == "progress" and progress is not None:
                progress(min(99, int(99 * message[1])), "validating")

        result = prepare_stream(path, ctx=ctx, mapping=placement.mapping, emit=emit)
        result.status = Placement.Status.VALIDATED
    else:
        result = _import_in_transaction(
            placement, path, actor=actor, options=options, progress=progress
        )
    store_errors(placement, result.errors)
    if result.status != Placement.Status.COMPLETED:
        Placement.objects.filter(pk=placement.pk).update(status=result.status, **_counts(result))
        if result.status == Placement.Status.REJECTED:
            record(
                action="placement.rejected",
                actor=actor,
                target=placement,
                changes=result.as_dict(),
            )
    else:
        Placement.objects.filter(pk=placement.pk).update(error_count=result.error_count)
    if (
        not options.dry_run
        and result.status == Placement.Status.COMPLETED
        and result.created + result.updated
    ):
        from heed.portfolio.signals import placement_written

        written = result.created + result.updated
        transaction.on_commit(
            lambda: placement_written.send(sender=Placement, placement=placement, written=written)
        )
    return result


def error_report_rows(placement: Placement) -> Iterator[list[str]]:
    """CSV rows: row, column, value, reason — in the active language."""
    yield [str(_("row")), str(_("column")), str(_("value")), str(_("reason"))]
    for error in placement.row_errors.all().iterator(chunk_size=2000):
        yield [
            str(error.row_number),
            error.column,
            error.value,
            reason_text(error.reason_code, error.params),
        ]


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STANDARD_COLUMNS)
    writer.writerow(
        [
            "LN-0001",
            "consumer loan",
            "CNY",
            "12,000.00",
            "350.50",
            "100",
            "2026/04/14",
            "",
            "2026-03-14",
            "张伟",
            "11010519491231002X",
            "1949-12-31",
            "13812341234",
            "",
            "zhangwei@example.com",
            "北京市朝阳区建国路88号",
            "北京",
            "北京市",
            "100020",
            "CN",
            "zh",
            "李娜",
            "13912345678",
            "配偶",
        ]
    )
    return buffer.getvalue()
