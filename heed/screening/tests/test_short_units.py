"""Short everyday messages (red-team audit class F01): the in-domain classifier held lawful
short reminders for review because a few n-grams carried its score. training_v22 and
training_v23 (short messages only) taught it these; each was held before one of them. Others
are still held ("Pay by Friday.", 请尽快还款。, and, since training_v23, "Your payment is
overdue." and "Pay online today.", which training_v22 alone let pass: see data/README.md).
Short threats are still held or blocked."""

from __future__ import annotations

import pytest

from heed.screening.engine.screener import PASS, Screener


@pytest.mark.parametrize(
    "text",
    [
        "Payment must be made by the deadline to avoid losing the discount.",
        "请回电。",
        "请今天还款。",
        "您已逾期3天，请尽快处理。",
        "您已逾期，请今天处理。",
        "您好，我们已经三次联系您未果，请尽快回电。",
    ],
)
def test_everyday_short_reminders_pass(every_layer: Screener, text: str) -> None:
    result = every_layer.screen(text)
    assert result.verdict == PASS, result.findings


@pytest.mark.parametrize(
    "text",
    [
        "Pay up or you'll regret it.",
        "Pay today or we tell your boss.",
        "You useless deadbeat, pay up.",
        "不还钱就等着瞧。",
        "再不还钱，你全家都别想好过。",
        "今天不还，明天就去你单位。",
    ],
)
def test_short_threats_are_still_flagged(every_layer: Screener, text: str) -> None:
    assert every_layer.screen(text).verdict != PASS
