"""The account's facts applied to a classifier's finding in a gated category.

A lexicon hit in a gated category (a lawyer, a lawsuit, enforcement, a fee) is lawful when the
account's facts make it true and blocks when they make it false (``screener.gate_holds``). The
in-domain classifier only names the category of a sentence, not which claim of it the sentence
makes ("our lawyers have your file" or "your wages will be docked": both P8-like). So its finding
takes the category's default gate (``lexicon.DEFAULT_GATES``: P5 lawyer, P8 lawsuit, P13 fee)
and is decided by the facts only when they settle every claim of the category the same way:
every gate the category allows (``lexicon.CATEGORY_GATES``) false → block, every one true →
lawful. Mixed facts (a lawyer instructed, no judgment) leave it to a person, as does a category
without a default gate (P4, P6, P10, P15: most of their statements are never lawful) and a text
screened without facts.
"""

from __future__ import annotations

from collections.abc import Callable

from heed.screening.engine.lexicon import CATEGORY_GATES, DEFAULT_GATES

# A classifier's finding that the facts make false blocks only from this score (a lexicon hit
# blocks from 0.75). Measured leave-one-set-out (the in-domain model trained without the set,
# ten training sets, 2026-11-30): on the violating messages with facts, 21 findings in P5/P8/P13,
# 19 in the labelled category and 2 in another gated one; on the 1,909 lawful messages screened
# with every fact false, 6 such findings (all held for review today), 3 of them scored 0.76 to
# 0.86 ("您今天已经还了300元，谢谢！" as P13). From 0.9 none of the lawful ones blocks and 8 of
# the 14 violating ones at 0.75 or more still do.
BLOCK_SCORE = 0.9


def classifier_gate(category: str, holds: Callable[[str], bool]) -> tuple[str, bool] | None:
    """``(gate, facts make it true)`` when the facts decide a classifier's finding in
    ``category`` (``holds(gate)``: whether the account's facts make that gate's statements
    true); None when a person must look."""
    gate = DEFAULT_GATES.get(category)
    if gate is None:
        return None
    outcomes = {holds(allowed) for allowed in CATEGORY_GATES.get(category, (gate,))}
    if len(outcomes) != 1:
        return None
    (true,) = outcomes
    return gate, true
