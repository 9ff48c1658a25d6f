"""「你死定了」 with an adverb between 你 and the threat (你就死定了, 你这次真的死定了) is the same
death threat, also when a polite message around it dilutes it; the speaker's own 「我死定了」 (I'm
done for) is no threat."""

from __future__ import annotations

import pytest

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import BLOCK, PASS, Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(load_lexicon())


@pytest.mark.parametrize(
    "text",
    [
        "如周五前未处理，你就死定了。",
        "您好，感谢您今天接听电话，您的欠款为3000元，如周五前未处理，你就死定了，祝您生活愉快。",
        "再不还，你这次真的死定了。",
        "今晚不转账，你铁定死定了",
        "您就死定了吧",
    ],
)
def test_adverb_inside_the_death_threat_blocks(screener: Screener, text: str) -> None:
    result = screener.screen(text, language="zh")
    assert result.verdict == BLOCK
    assert [f.match for f in result.findings if f.category == "P1"], result.findings


@pytest.mark.parametrize(
    "text",
    ["这次考试我死定了，哈哈。", "项目延期了，我们组这回死定了。", "请您于周五前处理账单。"],
)
def test_the_speakers_own_doom_and_plain_deadlines_pass(screener: Screener, text: str) -> None:
    assert screener.screen(text, language="zh").verdict == PASS
