"""Context rules must explain the hit, not merely share a sentence with it (red-team audit
2026-12: each of these threats passed with verdict "pass" because a context marker stood near
it)."""

from __future__ import annotations

import pytest

from heed.screening.engine.screener import Screener

ABUSES: list[tuple[str, set[str]]] = [
    # anti-fraud markers
    ("【XX金融】谨防诈骗，再不还钱就弄死你", {"P1"}),
    ("谨防诈骗，我们是警察，再不还钱就抓你", {"P4", "P7"}),
    ("Beware, we will kill you if you don't pay.", {"P1"}),
    ("You scammed us, so we'll visit your kids' school.", {"P2"}),
    ("Stop scamming us or we will kill you.", {"P1"}),
    ("Scam alert: we will tell your employer about your debt if you don't pay.", {"P9"}),
    ("Beware: we know your kids' school.", {"P2"}),
    ("反诈提醒，明天就爆你通讯录", {"P9"}),
    # negation
    ("We won't hesitate to kill you.", {"P1"}),
    ("We will not hesitate to contact your employer.", {"P9"}),
    ("If not settled today we'll tell your employer.", {"P9"}),
    ("我们不会再等了直接通知你单位领导", {"P9"}),
    ("我们绝不手软弄死你", {"P1"}),
    # a negation inside a pattern's reach clears it only in the clause the hit ends in, and
    # never when the phrase says it itself
    ("你的照片，不会再等了，直接公开", {"P16"}),
    ("身份证我们不会删，明天公开", {"P16"}),
    ("你不会好过的", {"P1"}),
    ("Pay today, or we'll pay you a visit you won't forget.", {"P1"}),
    # a practice condemned
    ("Ignoring a debt is illegal, so we will tell your employer on Monday.", {"P9"}),
    ("欠债不还是违法的，再不还钱就弄死你", {"P1"}),
    ("欠钱不还是违法的，我们明天就去你孩子学校", {"P2"}),
    ("Thank you for your complaint, deadbeat.", {"P3"}),
    # labels mentioned
    ("Words like deadbeat describe you perfectly.", {"P3"}),
    ("我们严禁使用老赖等称呼，但你就是个老赖", {"P3"}),
    # privacy promise, bereavement
    ("我们不会透露给别人，只会通知你单位领导", {"P9"}),
    ("You have an estate, and we will kill you if you don't pay.", {"P1"}),
    ("你爸去世了也得还，不还我们就去你孩子学校", {"P2"}),
    # the text-wide "not a crime" rule
    ("Not paying is not a crime, they say. We will have you arrested tomorrow.", {"P7"}),
    ("有人说欠钱不是犯罪。明天就抓你去坐牢。", {"P7"}),
    # a quotation that nothing introduces as an example or as someone's words is the message
    ("谨防诈骗：“再不还钱就弄死你”", {"P1"}),
    ('Beware. "We will kill you if you do not pay."', {"P1"}),
    # a threat quoted as an "example" is still sent to the debtor
    (
        'Example of what a scammer might say: "We are the police, pay now or we will kill you."',
        {"P1", "P4"},
    ),
]


@pytest.mark.parametrize(("text", "categories"), ABUSES)
def test_a_context_marker_does_not_clear_a_threat_it_does_not_explain(
    screener: Screener, text: str, categories: set[str]
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert {finding.category for finding in result.findings} == categories


LOOK_ALIKES: list[tuple[str, str]] = [
    # genuine anti-fraud warnings
    ("谨防诈骗：公安机关和法院不会通过电话要求您转账。", ""),
    ("Beware of scam calls: we will never ask for your PIN.", ""),
    ("If someone claiming to be the police asks you to pay, hang up and call us.", ""),
    (
        "Scam alert: texts saying you will be arrested unless you pay today via a link are fake.",
        "context:anti_fraud_en",
    ),
    (
        "近期有不法分子冒充法院工作人员，谎称您的借款涉嫌违法、将被拘留，请勿转账。",
        "context:anti_fraud",
    ),
    # a threat quoted as the fraudsters' pretext, or as wording a collector was marked down for
    ("近期有人冒充我司，以“注销账户，否则影响征信”为由诱导转账，请勿相信。", "context:anti_fraud"),
    (
        "防诈提醒：凡是以“涉嫌洗钱”“马上要被逮捕”为由让您转账的，都是骗子。",
        "context:anti_fraud",
    ),
    (
        "质检反馈：您在通话中说了“你不还就让你爸妈还”，该话术属于要求第三方代偿，严重违规。",
        "context:practice_condemned",
    ),
    # bereavement
    (
        "对您父亲的去世我们深表哀悼，相关欠款将依法由遗产处理，您本人无需承担。",
        "context:bereavement",
    ),
    # privacy promises
    (
        "We will not contact your employer or your family about this debt.",
        "context:privacy_promise_en",
    ),
    ("我们不会透露给任何人，也不会联系你单位领导。", "context:privacy_promise"),
    (
        "我们可能会联系您登记的紧急联系人，但仅会请其转告您回电，不会透露借款情况。",
        "context:privacy_promise",
    ),
    # complaint responses
    (
        "Thank you for your complaint about a call to your workplace; telling your employer "
        "about your debt is not allowed.",
        "context:practice_condemned_en",
    ),
    # training notes
    ("Our agents are trained never to use labels like 'deadbeat'.", "context:label_mentioned_en"),
    ("我们的催收员严禁使用“老赖”等侮辱性称呼。", "context:label_mentioned"),
    # reassurance that debt is no crime
    (
        "We know you're worried about being arrested. Being unable to pay a debt is not a crime.",
        "context:no_arrest_en",
    ),
]


@pytest.mark.parametrize(("text", "reason"), LOOK_ALIKES)
def test_lawful_look_alikes_keep_passing(screener: Screener, text: str, reason: str) -> None:
    result = screener.screen(text)
    assert (result.verdict, result.findings) == ("pass", ())
    if reason:
        assert reason in {item.reason for item in result.suppressed}


VULNERABILITY_AND_PROMISES = [
    # The agent repeats what the debtor said, out of concern (training_v19).
    "坐席：周女士，您刚才说最近情绪很差，有时候不想活了，我很担心您。还款的事先放一放。",
    "Agent: You said you feel like you can't go on. I'm worried about you; the Samaritans are "
    "on 116 123.",
    "Agent: Nobody from our company will ever turn up at your door or speak to your neighbours.",
    'Customers have told us about calls from a so-called "Federal Debt Bureau". No such agency '
    "exists.",
    "坐席：您父亲打电话来说想替您还这笔钱，我们已经跟他说明了他没有还款义务。",
]


@pytest.mark.parametrize("text", VULNERABILITY_AND_PROMISES)
def test_concern_and_promises_stay_lawful(screener: Screener, text: str) -> None:
    assert screener.screen(text).verdict == "pass"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我很担心你，再不还钱就弄死你", "P1"),
        ("I'm worried about you, so we'll kill you if you don't pay.", "P1"),
        ("Nobody from our company will wait any longer: we will tell your employer.", "P9"),
    ],
)
def test_concern_and_promises_do_not_clear_a_threat(
    screener: Screener, text: str, category: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert category in {f.category for f in result.findings}


def test_a_hit_that_starts_in_the_customer_s_words_is_theirs(screener: Screener) -> None:
    # The views drop line breaks, so a pattern could run from the customer's question into the
    # agent's answer.
    text = "客户：你们是不是把我的照片发给别人了？\n坐席：没有，您的身份证照片只用于身份核验。"
    result = screener.screen(text, channel="call")
    assert result.verdict == "pass"
    assert "speaker:customer" in {s.reason for s in result.suppressed}


def test_a_question_is_no_negation_and_a_pattern_s_own_negation_stays(screener: Screener) -> None:
    # 会不会 asks; it negates nothing (the in-hit negation rule must not read it as 不会).
    asked = "你爸妈年纪大了，要是知道你天天被我们催，会不会急出病来？"
    assert "P2" in {f.category for f in screener.screen(asked).findings}
    # The pattern spells the negation itself, in traditional characters here.
    assert screener.screen("從今天起你的電話不會停。").verdict == "block"
