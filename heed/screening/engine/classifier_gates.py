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
