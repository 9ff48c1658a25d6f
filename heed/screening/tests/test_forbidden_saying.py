"""A rule that forbids saying something quotes what it forbids: a training note or compliance
reminder (严禁对借款人说“要抓人”, "Never say 'bailiffs are coming'") is no threat. Likewise an
apology that ends a partner's contract for calling a colleague, a note that only a court may
seize anything, and a request to upload an ID copy to us. The same words used to threaten still
block."""

from __future__ import annotations

import pytest

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import BLOCK, PASS, Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(load_lexicon())


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("质检通报：严禁对借款人说“再不还就抓你坐牢”“明天就查封你的房子”，违者停岗培训。", "zh"),
        ("新人须知：不得对客户说“法院已经判了”“已经报警了”等不实内容。", "zh"),
        ("坐席规范第3条：禁止说“不还钱就通知你单位”。", "zh"),
        (
            "Floor rules: never say 'a warrant is out for your arrest' or 'bailiffs are coming'.",
            "en",
        ),
        ("Agents must not say 'we will seize your wages tomorrow' to any customer.", "en"),
        ("对于我司外包机构人员给您同事打电话一事，我们已终止与该机构的合作。", "zh"),
        ("I'm sorry a colleague said we would contact your employer; we will not.", "en"),
        ("提示：只有人民法院才能依法查封、冻结财产，任何催收公司都无权自行扣押。", "zh"),
        ("如需办理，请把身份证复印件上传给我们，仅用于核实身份。", "zh"),
    ],
)
def test_forbidding_apologising_or_explaining_passes(
    screener: Screener, text: str, language: str
) -> None:
    result = screener.screen(text, language=language)
    assert result.verdict == PASS, [(f.category, f.match) for f in result.findings]


@pytest.mark.parametrize(
    ("text", "language", "category"),
    [
        ("不要说我没提醒你，不还就让你坐牢。", "zh", "P7"),
        ("严禁说你是老赖？你就是个老赖！", "zh", "P3"),
        ("我们不得说，但你不还钱就等着坐牢吧。", "zh", "P7"),
        ("Never say we didn't warn you: pay or we tell your boss.", "en", "P9"),
        ("请把身份证复印件上传给我们，否则我们发到你家人群里。", "zh", "P9"),
        ("再不还钱，我们就去法院查封你的房子，只有人民法院帮得了你。", "zh", "P8"),
    ],
)
def test_the_same_words_used_to_threaten_still_block(
    screener: Screener, text: str, language: str, category: str
) -> None:
    result = screener.screen(text, language=language)
    assert result.verdict != PASS
    assert category in {finding.category for finding in result.findings}
    if category != "P8":  # a gated category: review or block by the account's facts
        assert result.verdict == BLOCK
