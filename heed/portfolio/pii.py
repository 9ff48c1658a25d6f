"""Personal data: validation, normalisation (for blind indexes) and masking. Pure, no ORM.

National ids: Chinese resident identity numbers (GB 11643-1999, ISO 7064 MOD 11-2 check
digit, embedded birth date) and US Social Security numbers (SSA rules: area not 000/666/9xx,
group not 00, serial not 0000). Phone numbers go through ``phonenumbers`` in the row's
country; results for Chinese and North-American numbers are cached by prefix (validity and
time zone there depend only on the leading digits), which keeps large imports fast.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import timezone as phone_timezone
from phonenumbers.phonemetadata import PhoneMetadata

PURPOSE_NATIONAL_ID = "debtor.national_id"
PURPOSE_ADDRESS = "debtor.address"
PURPOSE_CONTACT = "contact.value"
INDEX_NATIONAL_ID = "national_id"
INDEX_PHONE = "phone"
INDEX_EMAIL = "email"
INDEX_POSTAL = "postal"
INDEX_IM = "im"

_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"
_CN_ID = re.compile(r"^\d{17}[\dX]$")
_SSN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
_PHONE_JUNK = re.compile(r"[\s\-().·/]")
_CN_MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_NANP = re.compile(r"^(?:\+?1)?([2-9]\d{2}[2-9]\d{6})$")


def cn_id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _CN_WEIGHTS, strict=True))
    return _CN_CHECK[total % 11]


def cn_id_is_valid(value: str) -> bool:
    """GB 11643-1999: 18 characters, a real birth date at 7–14, and the MOD 11-2 check digit."""
    value = value.strip().upper()
    if not _CN_ID.match(value):
        return False
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return cn_id_check_digit(value[:17]) == value[17]


def cn_id_birth_date(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def ssn_normalise(value: str) -> str | None:
    """A valid SSN as 9 digits, or None."""
    match = _SSN.match(value.strip())
    if not match:
        return None
    area, group, serial = match.groups()
    if area in {"000", "666"} or area.startswith("9") or group == "00" or serial == "0000":
        return None
    return area + group + serial


def national_id_normalise(value: str, country: str) -> tuple[str, str] | None:
    """(normalised id, id type) or None when invalid for the country."""
    raw = value.strip().upper().replace(" ", "")
    if not raw:
        return None
    if country == "CN" or (_CN_ID.match(raw) and country not in {"US"}):
        return (raw, "cn_resident") if cn_id_is_valid(raw) else None
    if country == "US":
        ssn = ssn_normalise(raw)
        return (ssn, "us_ssn") if ssn else None
    cleaned = re.sub(r"[^0-9A-Z]", "", raw)
    return (cleaned, "other") if 4 <= len(cleaned) <= 30 else None


def mask_national_id(value: str, id_type: str = "") -> str:
    if not value:
        return ""
    if id_type == "us_ssn" and len(value) == 9:
        return f"***-**-{value[-4:]}"
    if len(value) <= 8:
        return "*" * (len(value) - 2) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


@dataclass(frozen=True)
class PhoneInfo:
    e164: str
    region: str
    timezones: tuple[str, ...]
    national: str


_prefix_cache: dict[tuple[str, str], tuple[bool, str, tuple[str, ...]]] = {}


def _phonenumbers_lookup(text: str, region: str) -> tuple[bool, str, tuple[str, ...], str, str]:
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return (False, "", (), "", "")
    if not phonenumbers.is_valid_number(number):
        return (False, "", (), "", "")
    zones = tuple(z for z in phone_timezone.time_zones_for_number(number) if z != "Etc/Unknown")
    found_region = phonenumbers.region_code_for_number(number) or ""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return (True, found_region, zones, e164, str(number.national_number))


def parse_phone(raw: str, region: str) -> PhoneInfo | None:
    """Parse ``raw`` as dialled in ``region`` (ISO alpha-2); None when not a valid number."""
    text = _PHONE_JUNK.sub("", raw.strip())
    if not text:
        return None
    if region == "CN" or text.startswith(("+86", "0086")):
        match = _CN_MOBILE.match(text)
        if match:
            return _fast_cn(match.group(1))
    if region in {"US", "CA"} or text.startswith("+1"):
        match = _NANP.match(text)
        if match:
            fast = _fast_nanp(match.group(1))
            if fast is not False:
                return fast  # type: ignore[return-value]
    valid, found_region, zones, e164, national = _phonenumbers_lookup(text, region)
    if not valid:
        return None
    return PhoneInfo(e164=e164, region=found_region, timezones=zones, national=national)


# Fast paths that apply phonenumbers' own metadata patterns directly (the same test
# ``is_valid_number`` makes), so large imports avoid its per-number overhead.
def _metadata(region: str) -> Any:
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:  # pragma: no cover - phonenumbers always ships CN/US/CA
        raise RuntimeError(f"phonenumbers has no metadata for {region}")
    return meta


_CN_MOBILE_PATTERN = re.compile("(?:" + str(_metadata("CN").mobile.national_number_pattern) + ")")
_NANP_PATTERNS: dict[str, re.Pattern[str]] = {}


def _nanp_pattern(region: str) -> re.Pattern[str] | None:
    if region not in {"US", "CA"}:
        return None
    found = _NANP_PATTERNS.get(region)
    if found is None:
        meta = _metadata(region)
        descs = (
            meta.fixed_line,
            meta.mobile,
            meta.toll_free,
            meta.premium_rate,
            meta.personal_number,
            meta.voip,
            meta.pager,
            meta.uan,
            meta.voicemail,
        )
        patterns = [d.national_number_pattern for d in descs if d and d.national_number_pattern]
        found = re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")
        _NANP_PATTERNS[region] = found
    return found


def _fast_cn(national: str) -> PhoneInfo | None:
    if not _CN_MOBILE_PATTERN.fullmatch(national):
        return None
    key = ("CN", national[:3])
    hit = _prefix_cache.get(key)
    if hit is None:
        _valid, found_region, zones, _e, _n = _phonenumbers_lookup("+86" + national, "")
        hit = (True, found_region or "CN", zones)
        _prefix_cache[key] = hit
    return PhoneInfo(e164="+86" + national, region=hit[1], timezones=hit[2], national=national)


def _fast_nanp(national: str) -> PhoneInfo | None | bool:
    """PhoneInfo, None (invalid) or False (not a US/CA area code: use the slow path)."""
    key = ("NANP", national[:3])
    hit = _prefix_cache.get(key)
    if hit is None:
        try:
            number = phonenumbers.parse("+1" + national, None)
            area_region = phonenumbers.region_code_for_number(number) or ""
            zones = tuple(
                z for z in phone_timezone.time_zones_for_number(number) if z != "Etc/Unknown"
            )
        except phonenumbers.NumberParseException:
            area_region, zones = "", ()
        hit = (True, area_region, zones)
        _prefix_cache[key] = hit
    pattern = _nanp_pattern(hit[1])
    if pattern is None:
        return False
    if not pattern.fullmatch(national):
        return None
    return PhoneInfo(e164="+1" + national, region=hit[1], timezones=hit[2], national=national)


def phone_example(region: str) -> str:
    """An example mobile number of ``region`` (ISO alpha-2) written with its country code, as
    a person would type it ("+86 131 2345 6789", "+44 7400 123456"); "" for an unknown region.
    Error messages show it: a number is safest to write with its country code."""
    if not region:
        return ""
    number = phonenumbers.example_number_for_type(
        region.upper(), phonenumbers.PhoneNumberType.MOBILE
    )
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164_or_national: str) -> str:
    """138****1234 for a Chinese mobile; first 3 and last 4 digits otherwise."""
    digits = e164_or_national
    if digits.startswith("+"):
        try:
            digits = str(phonenumbers.parse(digits, None).national_number)
        except phonenumbers.NumberParseException:
            digits = digits[1:]
    if len(digits) < 8:
        return "*" * max(0, len(digits) - 2) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_phone_national(national: str) -> str:
    if len(national) < 8:
        return "*" * max(0, len(national) - 2) + national[-2:]
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def email_normalise(value: str) -> str | None:
    text = value.strip()
    if not text or not _EMAIL.match(text):
        return None
    return text.lower()


def mask_email(value: str) -> str:
    local, _sep, domain = value.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


# What creditors' files put in a cell for "not known" (compared after NFKC, so full-width
# forms match, and case-folding). Whole cells only: 无锡市… is an address, 张无 a name.
PLACEHOLDERS = frozenset(
    {
        "无",
        "暂无",
        "不详",
        "未知",
        "没有",
        "空",
        "-",
        "--",
        "—",
        "——",
        "/",
        "?",
        "n/a",
        "n.a.",
        "none",
        "null",
        "nil",
        "unknown",
        "tbc",
        "tbd",
    }
)
PLACEHOLDER_MAX_LENGTH = max(len(value) for value in PLACEHOLDERS)


def is_placeholder(value: str) -> bool:
    """Whether a cell says "no value" in words or a dash instead of being empty."""
    text = value.strip()
    if not text or len(text) > PLACEHOLDER_MAX_LENGTH:
        return False
    return unicodedata.normalize("NFKC", text).casefold() in PLACEHOLDERS


def address_normalise(value: str) -> str:
    return " ".join(value.split())


def postal_lines(value: str) -> str:
    """A postal address as written, line by line: spaces collapsed within each line, blank lines
    dropped, the line breaks kept (a letter prints them; the blind index uses
    :func:`address_normalise`, so the same address on one line or several is one address)."""
    lines = (" ".join(line.split()) for line in value.splitlines())
    return "\n".join(line for line in lines if line)


# Chinese administrative suffixes: "广东省" is named "广东" in many written addresses.
_CN_ADMIN_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
)


def _cn_mentions(address: str, part: str) -> bool:
    if part in address:
        return True
    for suffix in _CN_ADMIN_SUFFIXES:
        if part.endswith(suffix) and len(part) - len(suffix) >= 2:
            return part[: -len(suffix)] in address
    return False


def _western_mentions(address: str, part: str) -> bool:
    """``part`` (a city, state or county) already written as a component of ``address``: after
    a comma or at the start of a line, not inside a street name ("York" in "New York Ave")."""
    pattern = r"(?:^|[,\n])\s*" + re.escape(part) + r"(?=\s|,|$)"
    return re.search(pattern, address, re.IGNORECASE | re.MULTILINE) is not None


def postal_address(
    *, country: str, street: str, city: str = "", region: str = "", postcode: str = ""
) -> str:
    """A full postal address in the local order, for printing on a letter.

    China (GB/T 2260 order, largest first): the address as written, prefixed by the
    province/region and city only when the address does not already name them. United States
    (USPS Publication 28): the street line(s), then "City, ST ZIP" on the last line. United
    Kingdom and elsewhere (Royal Mail): the street line(s), then the post town, the county and
    the postcode, each on its own line. A part the address already names is not repeated.
    """
    text = postal_lines(street)
    if not text:
        return ""
    city, region, postcode = (" ".join(part.split()) for part in (city, region, postcode))
    if country.upper() == "CN":
        prefix = ""
        for part in (region, city):
            if part and not _cn_mentions(prefix + text, part):
                prefix += part
        return prefix + text
    compact = re.sub(r"\s", "", text).upper()
    if postcode and re.sub(r"\s", "", postcode).upper() in compact:
        postcode = ""
    if city and _western_mentions(text, city):
        city = ""
    if region and _western_mentions(text, region):
        region = ""
    if country.upper() == "US":
        last = city
        if region:
            last = f"{last}, {region}" if last else region
        if postcode:
            last = f"{last} {postcode}" if last else postcode
        return "\n".join(line for line in (text, last) if line)
    return "\n".join(line for line in (text, city, region, postcode) if line)


# A postal address a letter can reach: not "x", not a street with no town.
POSTAL_MIN_CHINESE_CHARACTERS = 8
POSTAL_MIN_CHARACTERS = 10
_CJK = re.compile(r"[\u3400-\u9fff]")


def postal_address_is_plausible(value: str) -> bool:
    """Whether ``value`` is enough of a postal address for a letter to arrive (counting letters,
    digits and Chinese characters, not spaces or punctuation).

    A Chinese address is written on one line from the largest unit down (GB/T 2260 order):
    at least 8 characters, which a city or district and a street with its number take
    ("朝阳区建国路88号" has 9). Any other address needs a street line and a town (Royal Mail,
    USPS Publication 28): at least two parts, on separate lines or separated by commas, and
    at least 10 letters and digits in all ("1 Main St, Albany NY").
    """
    significant = [char for char in value if char.isalnum()]
    if any(_CJK.match(char) for char in significant):
        return len(significant) >= POSTAL_MIN_CHINESE_CHARACTERS
    parts = [part for part in re.split(r"[,，\n]", value) if any(c.isalnum() for c in part)]
    return len(parts) >= 2 and len(significant) >= POSTAL_MIN_CHARACTERS


def mask_address(value: str) -> str:
    """Keep the opening (province/city or street number area), hide the rest."""
    text = address_normalise(value)
    if not text:
        return ""
    keep = min(6, max(1, len(text) // 3))
    return text[:keep] + "****"


def mask_contact(kind: str, normalised: str) -> str:
    if kind == "phone":
        return mask_phone(normalised)
    if kind == "email":
        return mask_email(normalised)
    if kind == "postal":
        return mask_address(normalised)
    return normalised[:2] + "***" if len(normalised) > 2 else "***"


def contact_normalise(kind: str, value: str, region: str) -> str | None:
    """The canonical form used for the blind index (E.164, lower-case e-mail…), or None."""
    if kind == "phone":
        info = parse_phone(value, region)
        return info.e164 if info else None
    if kind == "email":
        return email_normalise(value)
    if kind == "postal":
        text = address_normalise(value)
        return text or None
    text = value.strip()
    return text or None


# Candidate time zones by country and, for the US, by state (address-derived).
COUNTRY_ZONES: dict[str, tuple[str, ...]] = {
    "CN": ("Asia/Shanghai",),
    "GB": ("Europe/London",),
    "HK": ("Asia/Hong_Kong",),
    "SG": ("Asia/Singapore",),
}
US_STATE_ZONES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        [
            "CT",
            "DE",
            "DC",
            "GA",
            "ME",
            "MD",
            "MA",
            "NH",
            "NJ",
            "NY",
            "NC",
            "OH",
            "PA",
            "RI",
            "SC",
            "VT",
            "VA",
            "WV",
        ],
        ("America/New_York",),
    ),
    **dict.fromkeys(["FL"], ("America/New_York", "America/Chicago")),
    **dict.fromkeys(["MI"], ("America/Detroit", "America/Menominee")),
    **dict.fromkeys(["IN"], ("America/Indiana/Indianapolis", "America/Chicago")),
    **dict.fromkeys(["KY", "TN"], ("America/New_York", "America/Chicago")),
    **dict.fromkeys(
        ["AL", "AR", "IL", "IA", "LA", "MN", "MS", "MO", "OK", "WI"], ("America/Chicago",)
    ),
    **dict.fromkeys(["KS", "NE", "ND", "SD", "TX"], ("America/Chicago", "America/Denver")),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY"], ("America/Denver",)),
    "AZ": ("America/Phoenix",),
    **dict.fromkeys(["ID", "OR"], ("America/Boise", "America/Los_Angeles")),
    **dict.fromkeys(["CA", "NV", "WA"], ("America/Los_Angeles",)),
    "AK": ("America/Anchorage",),
    "HI": ("Pacific/Honolulu",),
}


def zones_for_address(country: str, region: str) -> tuple[str, ...]:
    if country == "US":
        return US_STATE_ZONES.get(region.strip().upper(), ())
    return COUNTRY_ZONES.get(country, ())


def merge_zones(*groups: tuple[str, ...] | list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for zone in group:
            seen.setdefault(zone, None)
    return list(seen)
