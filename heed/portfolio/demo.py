"""A realistic demo portfolio: creditors in CN, US and GB, a few hundred accounts.

Rows are generated deterministically and go through the real placement import (validation,
encryption, blind indexes), so the demo exercises the same path as production. Idempotent:
a creditor that already has its demo placement is left alone.
"""

from __future__ import annotations

import csv
import datetime
import random
import tempfile
from pathlib import Path
from typing import Any

from heed.portfolio import pii
from heed.portfolio.importer import STANDARD_COLUMNS, ImportOptions, run_import
from heed.portfolio.models import Account, Creditor, Placement

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂英华建国志红玉兰斌宇浩凯欣怡子涵梓"
    "轩晨阳雨萱思远佳琪俊杰文博嘉怡雪梅海燕春梅国强建华丹丹婷婷晓东"
)
CN_PLACES = [
    ("110105", "北京市", "北京", "朝阳区", ["建国路", "朝阳北路", "望京街"]),
    ("310115", "上海市", "上海", "浦东新区", ["世纪大道", "张杨路", "陆家嘴环路"]),
    ("440305", "广东省", "深圳", "南山区", ["科技园路", "深南大道", "后海大道"]),
    ("440106", "广东省", "广州", "天河区", ["天河路", "体育西路", "珠江新城花城大道"]),
    ("330106", "浙江省", "杭州", "西湖区", ["文三路", "天目山路", "古墩路"]),
    ("510107", "四川省", "成都", "武侯区", ["人民南路", "科华北路", "武侯祠大街"]),
    ("420106", "湖北省", "武汉", "武昌区", ["中南路", "中北路", "友谊大道"]),
    ("320102", "江苏省", "南京", "玄武区", ["中山路", "北京东路", "珠江路"]),
]
CN_MOBILE_PREFIXES = [
    "138",
    "139",
    "137",
    "136",
    "135",
    "150",
    "151",
    "158",
    "186",
    "187",
    "188",
    "189",
    "177",
    "199",
]
RELATIONS = ["配偶", "父亲", "母亲", "兄弟", "姐妹", "朋友", "同事"]
US_FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Maria",
    "Carlos",
    "Aisha",
    "Kevin",
]
US_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
]
US_PLACES = [
    ("NY", "New York", "212", "Broadway"),
    ("MA", "Boston", "617", "Beacon St"),
    ("CA", "San Francisco", "415", "Market St"),
    ("TX", "Austin", "512", "Congress Ave"),
    ("IL", "Chicago", "312", "Michigan Ave"),
    ("FL", "Miami", "305", "Biscayne Blvd"),
    ("AZ", "Phoenix", "602", "Central Ave"),
    ("CO", "Denver", "303", "Colfax Ave"),
    ("WA", "Seattle", "206", "Pine St"),
    ("GA", "Atlanta", "404", "Peachtree St"),
]
GB_FIRST = ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Emily", "Noah", "Sophie"]
GB_LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
]
GB_PLACES = [
    ("London", "England"),
    ("Manchester", "England"),
    ("Leeds", "England"),
    ("Cardiff", "Wales"),
    ("Glasgow", "Scotland"),
]

CREDITORS: list[dict[str, Any]] = [
    {
        "code": "hx-cfc",
        "name": "华信消费金融有限公司",
        "country": "CN",
        "currency": "CNY",
        "rule_packs": ["cn-gbt45251-2025", "cn-cba-2026"],
        "default_jurisdiction": "CN",
        "accounts": 90,
        "agency_accounts": 30,
        "product": "消费贷",
    },
    {
        "code": "hs-card",
        "name": "华盛银行信用卡中心",
        "country": "CN",
        "currency": "CNY",
        "rule_packs": ["cn-gbt45251-2025", "cn-cba-2026"],
        "default_jurisdiction": "CN",
        "accounts": 60,
        "agency_accounts": 0,
        "product": "信用卡",
    },
    {
        "code": "liberty-lending",
        "name": "Liberty Lending LLC",
        "country": "US",
        "currency": "USD",
        "rule_packs": ["us-regf"],
        "default_jurisdiction": "",
        "accounts": 40,
        "agency_accounts": 0,
        "product": "personal loan",
    },
    {
        "code": "thames-credit",
        "name": "Thames Credit Ltd",
        "country": "GB",
        "currency": "GBP",
        "rule_packs": ["uk-conc"],
        "default_jurisdiction": "GB",
        "accounts": 12,
        "agency_accounts": 0,
        "product": "credit card",
    },
]


def _cn_id(rng: random.Random, region: str, born: datetime.date) -> str:
    first17 = f"{region}{born:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + pii.cn_id_check_digit(first17)


def _cn_mobile(rng: random.Random) -> str:
    return rng.choice(CN_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def _phone(rng: random.Random, make: Any, country: str) -> str:
    for _attempt in range(20):
        number = make()
        if pii.parse_phone(number, country):
            return str(number)
    return ""


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high)}.{rng.randint(0, 99):02d}"


def _row(
    rng: random.Random, creditor: dict[str, Any], n: int, today: datetime.date
) -> dict[str, str]:
    country = creditor["country"]
    due = today - datetime.timedelta(days=rng.choice([5, 12, 25, 40, 55, 75, 88, 120, 200, 400]))
    row: dict[str, str] = {
        "external_ref": f"{creditor['code'].upper()}-{n:05d}",
        "product": creditor["product"],
        "currency": creditor["currency"],
        "interest": _money(rng, 0, 900),
        "fees": _money(rng, 0, 200),
        "due_date": due.isoformat(),
        "last_payment_date": (due - datetime.timedelta(days=30)).isoformat(),
        "country": country,
    }
    born = datetime.date(rng.randint(1960, 2001), rng.randint(1, 12), rng.randint(1, 28))
    if country == "CN":
        region_code, province, city, district, streets = rng.choice(CN_PLACES)
        row.update(
            debtor_name=rng.choice(SURNAMES)
            + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
            national_id=_cn_id(rng, region_code, born),
            principal=_money(rng, 3_000, 80_000),
            phone_1=_phone(rng, lambda: _cn_mobile(rng), "CN"),
            phone_2=_phone(rng, lambda: _cn_mobile(rng), "CN") if rng.random() < 0.3 else "",
            address=(
                f"{province}{city}市{district}{rng.choice(streets)}{rng.randint(1, 300)}号"
                f"{rng.randint(1, 30)}栋{rng.randint(101, 2808)}室"
            ),
            city=city,
            region=province,
            language="zh",
            emergency_contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            emergency_contact_phone=_phone(rng, lambda: _cn_mobile(rng), "CN"),
            emergency_contact_relation=rng.choice(RELATIONS),
        )
    elif country == "US":
        state, city, area, street = rng.choice(US_PLACES)
        first, last = rng.choice(US_FIRST), rng.choice(US_LAST)

        def us_phone() -> str:
            return f"({area}) {rng.randint(201, 989)}-{rng.randint(0, 9999):04d}"

        row.update(
            debtor_name=f"{first} {last}",
            national_id=_ssn(rng),
            date_of_birth=born.isoformat(),
            principal=_money(rng, 500, 25_000),
            phone_1=_phone(rng, us_phone, "US"),
            email=f"{first.lower()}.{last.lower()}{n}@example.com",
            address=f"{rng.randint(10, 9999)} {street}",
            city=city,
            region=state,
            language="en",
        )
    else:
        city, nation = rng.choice(GB_PLACES)
        first, last = rng.choice(GB_FIRST), rng.choice(GB_LAST)
        row.update(
            debtor_name=f"{first} {last}",
            date_of_birth=born.isoformat(),
            principal=_money(rng, 300, 9_000),
            phone_1=_phone(
                rng, lambda: f"07{rng.randint(400, 999)} {rng.randint(100000, 999999)}", "GB"
            ),
            email=f"{first.lower()}.{last.lower()}{n}@example.co.uk",
            address=f"{rng.randint(1, 200)} High Street",
            city=city,
            region=nation,
            language="en",
        )
    if country == "US":
        row["_jurisdiction"] = f"US-{row['region']}"
    return row


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(STANDARD_COLUMNS)
        for row in rows:
            writer.writerow([row.get(c, "") for c in STANDARD_COLUMNS])


def _import(
    creditor: Creditor, rows: list[dict[str, str]], name: str, agency: Any, actor: Any
) -> Placement:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        _write_csv(path, rows)
        placement = Placement.objects.create(
            creditor=creditor,
            agency=agency,
            source_file_name=name,
            source_file=f"demo:{name}",
            imported_by=actor,
        )
        result = run_import(placement, path, actor=actor, options=ImportOptions())
        if result.error_count:
            raise RuntimeError(f"demo rows rejected: {[e.reason for e in result.errors[:5]]}")
    placement.refresh_from_db()
    return placement


DEFAULT_ACCOUNTS = sum(spec["accounts"] for spec in CREDITORS)


def load_demo(*, stdout: Any, seed: int = 20260414, accounts: int | None = None) -> None:
    """Create the demo portfolio (about ``accounts`` accounts, default 202 across four
    creditors); deterministic for a ``seed``; running it again creates nothing new."""
    factor = (accounts or DEFAULT_ACCOUNTS) / DEFAULT_ACCOUNTS
    from heed.users.models import Agency, Team, User

    rng = random.Random(seed)
    today = datetime.date.today()
    data_manager = User.objects.filter(username="data_manager").first()
    actor: Any = data_manager or "system:demo"
    collectors = list(
        User.objects.filter(username__in=["collector", "collector2"]).order_by("username")
    )
    beta = Team.objects.filter(name="Beta").first()
    north = Agency.objects.filter(code="north").first()
    for spec in CREDITORS:
        creditor, _created = Creditor.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "country": spec["country"],
                "currency": spec["currency"],
                "rule_packs": spec["rule_packs"],
                "default_jurisdiction": spec["default_jurisdiction"],
            },
        )
        name = f"demo-{spec['code']}.csv"
        if Placement.objects.filter(creditor=creditor, source_file_name=name).exists():
            stdout.write(f"portfolio demo: {creditor.code} already loaded\n")
            continue
        count = max(1, round(spec["accounts"] * factor))
        rows = [_row(rng, spec, n, today) for n in range(1, count + 1)]
        agency_rows = rows[: round(spec["agency_accounts"] * factor)] if north else []
        own_rows = rows[len(agency_rows) :]
        placement = _import(creditor, own_rows, name, None, actor)
        if agency_rows:
            _import(creditor, agency_rows, f"demo-{spec['code']}-north.csv", north, actor)
        # US accounts: jurisdiction is the debtor's state.
        for row in own_rows:
            if "_jurisdiction" in row:
                Account.objects.filter(creditor=creditor, external_ref=row["external_ref"]).update(
                    jurisdiction=row["_jurisdiction"]
                )
        placed = list(Account.objects.filter(placement=placement).order_by("pk"))
        _activate_and_assign(placed, collectors, beta, rng, actor if data_manager else None)
        stdout.write(
            f"portfolio demo: {creditor.code}: {len(own_rows)} accounts"
            + (f" + {len(agency_rows)} with agency {north.code}" if agency_rows and north else "")
            + "\n"
        )


def _activate_and_assign(
    accounts: list[Account], collectors: list[Any], beta: Any, rng: random.Random, actor: Any
) -> None:
    from heed.portfolio import services

    for i, account in enumerate(accounts):
        roll = rng.random()
        if roll < 0.85:
            services.account_transition(
                actor=actor, account=account, to_status="active", reason="demo: placed and verified"
            )
            if roll < 0.08:
                services.account_transition(
                    actor=actor, account=account, to_status="in_plan", reason="demo: plan agreed"
                )
            elif roll < 0.12:
                services.account_transition(
                    actor=actor,
                    account=account,
                    to_status="disputed",
                    reason="demo: debtor disputes amount",
                )
        if actor is None:
            continue
        if collectors and i % 3 != 2:
            services.account_assign(
                actor=actor, account=account, collector=collectors[i % len(collectors)]
            )
        elif beta is not None and i % 6 == 2:
            services.account_assign(actor=actor, account=account, team=beta)
