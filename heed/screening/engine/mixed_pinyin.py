"""Chinese with a pinyin word mixed in: which ideographs a pinyin match may read.

The pinyin layer (``Screener._pinyin_hits``) reads a phrase in a span that mixes ideographs and
Latin pinyin (「卸ni」, 「弄si你」, 「老lai」) by the span's pinyin alone. It so read 「谢谢ni」
(thank you) as 卸你 ("dismember you"): 谢 has the sound of 卸, and ni is 你. A collector who
spells part of a word in pinyin keeps the rest of it as written (「卸ni」, 「弄si你」); a
homophone *and* pinyin in one short phrase is an ordinary word next to a pinyin one (谢谢ni,
麻烦ni了), so in a mixed span every ideograph must be the phrase's own character at its
syllable. The insult and slur categories (:data:`HOMOPHONE_CATEGORIES`), which the pinyin layer
reads as pure homophones too, keep reading one: 「仆jie」 is 扑街 (仆街 is its Cantonese spelling).
Homophones written wholly in ideographs (「警查」) are the homophone reading's
(``readings.is_disguise``) and the pinyin layer's no-Latin branch, which this does not touch.

Pure Python, no database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from heed.screening.engine.normalize import is_cjk

if TYPE_CHECKING:
    from heed.screening.engine.lexicon import Compiled
    from heed.screening.engine.normalize import PinyinView

# As ``pinyin_text.SHORT_CATEGORIES`` and the pinyin layer's two-syllable homophones.
HOMOPHONE_CATEGORIES = frozenset({"P3", "P17"})


def own_characters(
    cjk_text: str, pinyin: PinyinView, begin: int, end_index: int, compiled: Compiled
) -> bool:
    """Whether each ideograph read by the pinyin match ``[begin, end_index]`` is the phrase's
    own character at that syllable (the syllables are aligned already: ``_syllables_align``),
    or the phrase is an insult or slur."""
    if compiled.entry.category in HOMOPHONE_CATEGORIES:
        return True
    starts = sorted(compiled.syllable_starts)
    for position in range(begin, end_index + 1):
        char = cjk_text[pinyin.unit_of(position)]
        if not is_cjk(char) or not pinyin.unit_start(position):
            continue
        offset = position - begin
        if offset not in compiled.syllable_starts:
            return False
        number = starts.index(offset)
        if number >= len(compiled.surface) or compiled.surface[number] != char:
            return False
    return True
