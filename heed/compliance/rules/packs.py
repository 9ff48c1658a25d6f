"""Rule packs: versioned data files under ``heed/compliance/packs/``.

A pack is a YAML mapping ``{code, version, title, jurisdictions, overlay, rules: [...]}``; each
rule has ``id`` (from RULES.md), optional ``part`` (when one legal rule needs several checks),
``kind`` (which evaluator), ``params``, ``mode`` (block/warn/audit), ``source``, ``confidence``
(A/B/C), ``effective_from``/``effective_to`` and ``policy`` (numbers chosen by the firm, not by
the law — UK CONC). This module reads files and hashes content; it never touches the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from heed.compliance.rules.model import MODE_RANK

PACK_DIR = Path(__file__).resolve().parent.parent / "packs"

# Jurisdiction → packs that always apply, before the creditor's own list.
JURISDICTION_PACKS: dict[str, tuple[str, ...]] = {
    "CN": ("cn-gbt45251-2025",),
    "US": ("us-regf",),
    "US-MA": ("us-regf", "us-ma"),
    "GB": ("uk-conc",),
}

# Codes that name rules living inside another pack: the CBA 2026 guideline's rules (CN-03,
# CN-04) ship inside cn-gbt45251-2025, so a creditor listing "cn-cba-2026" gets that pack.
PACK_ALIASES: dict[str, str] = {"cn-cba-2026": "cn-gbt45251-2025"}

REQUIRED_RULE_KEYS = ("id", "kind", "mode", "source", "confidence")


class PackError(ValueError):
    """A pack file or a pack version's content is malformed."""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    mode: str
    source: str
    confidence: str
    params: dict[str, Any] = field(default_factory=dict)
    part: str = ""
    title_en: str = ""
    title_zh: str = ""
    effective_from: date | None = None
    effective_to: date | None = None
    policy: bool = False
    pack: str = ""  # "code@version" of the pack it came from

    @property
    def key(self) -> str:
        return f"{self.id}/{self.part}" if self.part else self.id

    def is_effective(self, on: date) -> bool:
        if self.effective_from is not None and on < self.effective_from:
            return False
        return not (self.effective_to is not None and on >= self.effective_to)


@dataclass(frozen=True)
class Pack:
    code: str
    version: int
    title: str
    jurisdictions: tuple[str, ...]
    rules: tuple[Rule, ...]
    content_hash: str
    overlay: bool = False

    @property
    def label(self) -> str:
        return f"{self.code}@{self.version}"


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 over canonical JSON (sorted keys, no spaces) — stable across YAML formatting."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_pack(content: dict[str, Any]) -> Pack:
    """Validate and turn a pack's content (the parsed YAML) into a :class:`Pack`."""
    from heed.compliance.rules.evaluators import EVALUATORS

    for key in ("code", "version", "rules"):
        if key not in content:
            raise PackError(f"pack lacks {key!r}")
    code = str(content["code"])
    version = int(content["version"])
    label = f"{code}@{version}"
    rules: list[Rule] = []
    seen: set[str] = set()
    for raw in content["rules"]:
        missing = [k for k in REQUIRED_RULE_KEYS if k not in raw]
        if missing:
            raise PackError(f"{label}: rule {raw.get('id', '?')} lacks {missing}")
        if raw["kind"] not in EVALUATORS:
            raise PackError(f"{label}: rule {raw['id']} has unknown kind {raw['kind']!r}")
        if raw["mode"] not in MODE_RANK:
            raise PackError(f"{label}: rule {raw['id']} has unknown mode {raw['mode']!r}")
        rule = Rule(
            id=str(raw["id"]),
            part=str(raw.get("part", "")),
            kind=str(raw["kind"]),
            mode=str(raw["mode"]),
            source=str(raw["source"]),
            confidence=str(raw["confidence"]),
            params=dict(raw.get("params") or {}),
            title_en=str(raw.get("title_en", "")),
            title_zh=str(raw.get("title_zh", "")),
            effective_from=_as_date(raw.get("effective_from")),
            effective_to=_as_date(raw.get("effective_to")),
            policy=bool(raw.get("policy", False)),
            pack=label,
        )
        if rule.key in seen:
            raise PackError(f"{label}: rule {rule.key} appears twice")
        seen.add(rule.key)
        rules.append(rule)
    return Pack(
        code=code,
        version=version,
        title=str(content.get("title", code)),
        jurisdictions=tuple(content.get("jurisdictions") or ()),
        rules=tuple(rules),
        content_hash=content_hash(content),
        overlay=bool(content.get("overlay", False)),
    )


def load_content(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise PackError(f"{path.name}: not a mapping")
    # Round-trip through JSON so dates become strings and the hash is format-independent.
    return dict(json.loads(json.dumps(data, default=str)))


def file_contents(directory: Path = PACK_DIR) -> dict[str, dict[str, Any]]:
    """Every pack file's content by code."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yaml")):
        content = load_content(path)
        found[str(content["code"])] = content
    return found


_FILE_PACKS: dict[str, Pack] | None = None


def file_packs() -> dict[str, Pack]:
    """The packs shipped as files, parsed once per process."""
    global _FILE_PACKS
    if _FILE_PACKS is None:
        _FILE_PACKS = {code: parse_pack(content) for code, content in file_contents().items()}
    return _FILE_PACKS


@lru_cache(maxsize=1024)
def packs_for_jurisdiction(jurisdiction: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Pack codes for a debtor's jurisdiction ("CN", "US-NY", "US-MA", "GB"…) plus the creditor's.

    A US state without its own pack gets the federal pack; unknown jurisdictions get only ``extra``.
    """
    jurisdiction = (jurisdiction or "").upper()
    codes: list[str] = list(JURISDICTION_PACKS.get(jurisdiction, ()))
    if not codes and jurisdiction.startswith("US"):
        codes = list(JURISDICTION_PACKS["US"])
    if not codes and jurisdiction in ("UK", "GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"):
        codes = list(JURISDICTION_PACKS["GB"])
    for code in extra:
        code = PACK_ALIASES.get(code, code)
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def diff_contents(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Rule-level differences between two pack contents: added, removed, changed fields."""
    changes: list[dict[str, Any]] = []

    def by_key(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
        out = {}
        for raw in content.get("rules", []):
            key = f"{raw['id']}/{raw['part']}" if raw.get("part") else str(raw["id"])
            out[key] = raw
        return out

    old_rules, new_rules = by_key(old), by_key(new)
    for key in sorted(set(old_rules) | set(new_rules)):
        before, after = old_rules.get(key), new_rules.get(key)
        if before is None:
            changes.append({"rule": key, "change": "added", "fields": {}})
        elif after is None:
            changes.append({"rule": key, "change": "removed", "fields": {}})
        else:
            fields = {}
            for name in sorted(set(before) | set(after)):
                if before.get(name) != after.get(name):
                    fields[name] = {"from": before.get(name), "to": after.get(name)}
            if fields:
                changes.append({"rule": key, "change": "changed", "fields": fields})
    for name in sorted((set(old) | set(new)) - {"rules", "version"}):
        if old.get(name) != new.get(name):
            changes.append(
                {
                    "rule": "",
                    "change": "pack",
                    "fields": {name: {"from": old.get(name), "to": new.get(name)}},
                }
            )
    return changes
