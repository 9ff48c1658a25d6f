"""Single-stroke radicals written between ideographs as fillers (「弄丶死丶你」, 「老丨赖」).

丶 丨 丿 乛 亅 乚 丷 乀 乁 lie inside the ideograph block, so the CJK view keeps them and a phrase
split by them no longer matches. In modern text they are not words: jieba's dictionary has
丶 and 丨 only as lone components (tag ``zg``) and none of them inside any word; 丨 is
written as a separator in headlines (「专访丨…」) and 丶 as a decoration after a nickname, that
is, as punctuation, which the CJK view drops anyway. Their Kangxi-radical forms (⼂ U+2F02, ⼁
U+2F01 …) fold to them by NFKC. The screener scans a second reading of the CJK view without
those that stand between two ideographs; findings keep pointing at the original characters.
"""

from __future__ import annotations

import re

from heed.screening.engine.normalize import View, view_without

STROKE_FILLERS = "丶丨丿乛亅乚丷乀乁"
_STROKES = re.compile(f"[{STROKE_FILLERS}]")
# A run of fillers with an ideograph on each side (in the CJK view, where punctuation and
# spaces are gone already).
_IDEOGRAPH = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_BETWEEN_IDEOGRAPHS = re.compile(
    f"(?<={_IDEOGRAPH})(?<![{STROKE_FILLERS}])[{STROKE_FILLERS}]+"
    f"(?={_IDEOGRAPH})(?![{STROKE_FILLERS}])"
)


def without_stroke_fillers(view: View) -> View | None:
    """The CJK view less every run of stroke fillers between two ideographs (a filler is no
    ideograph to either side: 「弄丶丶死」 reads 弄死); None (nothing built) when there is none,
    which is almost every text (one regular-expression search decides)."""
    text = view.text
    if _STROKES.search(text) is None:
        return None
    dropped: set[int] = set()
    for match in _BETWEEN_IDEOGRAPHS.finditer(text):
        dropped.update(range(match.start(), match.end()))
    if not dropped:
        return None
    return view_without(view, dropped)
