"""Compile every heed/**/locale/*/LC_MESSAGES/django.po to .mo (pure Python, no gettext needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    count = 0
    for po_path in sorted((ROOT / "heed").glob("**/locale/*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        untranslated = len(po.untranslated_entries())
        fuzzy = len(po.fuzzy_entries())
        print(
            f"{po_path.relative_to(ROOT)}: {po.percent_translated()}% translated"
            f" ({untranslated} untranslated, {fuzzy} fuzzy)"
        )
        count += 1
    if not count:
        print("no catalogs found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
