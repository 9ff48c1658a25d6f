"""Violations diluted in one long polite sentence, or cut into sentences of one or two words
(red-team audit, classes G01 and G04): the classifiers also judge clause windows of a long
sentence and the run of a text's very short sentences, each kind against a stricter threshold,
and a finding points at the span it judged. Lawful look-alikes keep passing."""

from __future__ import annotations

import pytest

from heed.screening.engine.screener import (
    PASS,
    REVIEW,
    Screener,
    _enough_to_classify,
    sentence_spans,
)
from heed.screening.engine.units import (
    CLAUSE,
    FRAGMENTS,
    SENTENCE,
    classifier_units,
    clauses,
    fragment_piece,
)


def _units(text: str) -> list[tuple[str, str]]:
    return [
        (unit.kind, text[unit.start : unit.end])
        for unit in classifier_units(text, sentence_spans(text), _enough_to_classify)
    ]


def test_a_comma_inside_a_number_does_not_cut_a_clause() -> None:
    text = "You owe $1,150 today, please call us"
    assert [text[low:high] for low, high in clauses(text, 0, len(text))] == [
        "You owe $1,150 today",
        "please call us",
    ]


def test_an_english_clause_also_starts_at_a_joining_word() -> None:
    text = "your balance is still outstanding and you will hear from us, thanks"
    assert [text[low:high] for low, high in clauses(text, 0, len(text))] == [
        "your balance is still outstanding",
        "and you will hear from us",
        "thanks",
    ]


def test_a_short_sentence_is_judged_whole_only() -> None:
    assert _units("Hi Sam, please call us, thanks.") == [
        (SENTENCE, "Hi Sam, please call us, thanks.")
    ]


def test_a_long_sentence_is_also_judged_as_windows_of_one_or_two_clauses() -> None:
    text = "您好，感谢您今天接听电话，您的欠款为2000元，请于周五前处理，祝您周末愉快。"
    units = _units(text)
    assert units[0] == (SENTENCE, text)
    windows = [piece for kind, piece in units if kind == CLAUSE]
    assert "您的欠款为2000元，请于周五前处理" in windows
    assert "请于周五前处理" in windows
    assert all(text.find(piece) >= 0 for piece in windows)


def test_a_run_of_very_short_sentences_is_judged_as_one_unit() -> None:
    assert _units("Pay. Now. Or. We. Visit.") == [(FRAGMENTS, "Pay. Now. Or. We. Visit.")]
    assert _units("Thanks. Got it.") == []  # two short sentences are no run


def test_the_run_reads_as_one_sentence() -> None:
    text = "钱。明天。不还。砍你。"
    assert fragment_piece(text, sentence_spans(text)) == "钱明天不还砍你"
    text = "Money. Friday. Or. Your. Kids. Hear."
    assert fragment_piece(text, sentence_spans(text)) == "Money Friday Or Your Kids Hear"


ZH_FRAME = (
    "李女士您好，感谢您昨天接听我们的电话，您的借款5000元已经逾期，{}，"
    "有问题请拨打客服热线，祝您身体健康，万事如意。"
)
EN_FRAME = (
    "Hello Priya, many thanks for speaking with us yesterday afternoon, your account still "
    "shows $450 owing, {}, so do call our team when you can, best wishes, Tom."
)
# Violations no phrase or pattern of the lexicon finds, each wrapped in a polite frame of one
# long sentence: (text, the violation the finding's window must hold).
DILUTED = [
    (frame.format(clause), clause)
    for frame, clause in (
        (ZH_FRAME, "你爸妈那边我们明天过去坐坐"),
        (ZH_FRAME, "你以前看病的记录我们都拿到了"),
        (ZH_FRAME, "你就等着倒大霉吧"),
        (EN_FRAME, "your little boy won't be safe walking home from school"),
        (EN_FRAME, "we will let your church group know all about this"),
    )
]


@pytest.mark.parametrize(("text", "clause"), DILUTED, ids=range(len(DILUTED)))
def test_a_violation_diluted_in_a_long_polite_sentence_is_held(
    every_layer: Screener, text: str, clause: str
) -> None:
    result = every_layer.screen(text, channel="sms")
    assert result.verdict == REVIEW
    (finding,) = result.findings
    assert finding.rule == "classifier:domain"
    assert clause in text[finding.start : finding.end]
    assert text[finding.start : finding.end] != text  # the window, not the whole sentence
    assert finding.match == text[finding.start : finding.end]


FRAGMENTED = [
    "Pay. Or. Your. Wife. Finds. Out.",
    "周五。不还。你妈。知道。",
    "还钱。不然。领导。知道。",
    "明天。还钱。不然。你。完了。",
]


@pytest.mark.parametrize("text", FRAGMENTED)
def test_a_violation_cut_into_tiny_sentences_is_held(every_layer: Screener, text: str) -> None:
    result = every_layer.screen(text, channel="sms")
    assert result.verdict == REVIEW
    (finding,) = result.findings
    assert (finding.start, finding.end) == (0, len(text))


LAWFUL = [
    "Hi Sam, thank you so much for your time on the phone earlier today, as we discussed your "
    "balance of $300 is still outstanding, please call our friendly customer service team on "
    "0800 123 456, kind regards, Ana.",
    "Hi Sam, thanks for taking my call earlier, as discussed the balance is $300, if you "
    "cannot pay it all by Friday we can set up a payment plan, kind regards Ana.",
    "Dear customer, thank you for your recent contact with our customer service team, we note "
    "that your balance of $300 remains outstanding, you can pay online or by phone, kind "
    "regards, Customer Care.",
    "张先生您好，非常感谢您今天抽空接听我们的电话，根据刚才的沟通，您的账单3000元目前仍未结清，"
    "请您于本月底前还款，如有任何疑问欢迎随时致电我们的客服热线95555，祝您生活愉快，工作顺利。",
    "您好，感谢您今天接听电话，根据刚才的沟通，您的欠款为3000元，如周五前未处理，"
    "可申请分期还款，祝您生活愉快。",
    "If you are unhappy with how we handled this, you can complain to us, and if you are "
    "still not satisfied you may contact your local Trading Standards office, or the Financial "
    "Ombudsman Service, thank you.",
    "您好，您的账户目前逾期30天，欠款金额为1500元，为避免产生更多罚息，请您尽快安排还款，"
    "如有困难可以申请分期，祝您生活愉快。",
    "Hi. Call us. Thanks.",
    "OK. Thanks. Will do.",
    "好的。收到。谢谢。",
    "好的。谢谢。再见。",
    "Yes. Friday. 10am. Thanks.",
]


@pytest.mark.parametrize("text", LAWFUL, ids=range(len(LAWFUL)))
def test_lawful_long_sentences_and_short_replies_pass(every_layer: Screener, text: str) -> None:
    assert every_layer.screen(text, channel="sms").verdict == PASS


def test_a_batch_gives_each_text_what_it_gives_alone(every_layer: Screener) -> None:
    texts = [text for text, _clause in DILUTED] + FRAGMENTED + LAWFUL
    alone = [every_layer.screen(text) for text in texts]
    assert every_layer.screen_many(texts) == alone
