"""A context marker clears a hit only where it governs it (red-team audit 2026-12, class G02:
each violation below passed because an anti-fraud, privacy, no-obligation, bereavement, hedge
or "not a crime" marker stood in its sentence). Lawful look-alikes that lean on the same markers
keep passing (classes F03, F04, F06 were false positives)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import Screener

LAUNDERED: list[tuple[str, set[str]]] = [
    # a contrast or concession between the marker and the hit ends the marker's reach
    (
        "Strictly speaking you have no obligation, yet as his mother the decent thing is to "
        "pay his $2,400 today.",
        {"P10"},
    ),
    (
        "Technically you have no obligation, yet as her father the right thing is to pay her "
        "£1,500 this week.",
        {"P10"},
    ),
    ("您虽然没有义务，作为母亲您还是先帮他把3000元垫上吧。", {"P10"}),
    ("尽管您没有还款义务，作为他哥哥您还是帮他把2000元垫上吧。", {"P10"}),
    # a payment demand outside the marker's clause is the message
    ("您没有义务代为还款，作为家人帮一把，今天转3000到这个账户。", {"P10"}),
    # an exception to a privacy promise names the audience
    ("We will not share your medical records with anyone other than your boss.", {"P16"}),
    ("We will never share your medical records with anyone except your employer.", {"P16"}),
    ("We won't disclose your medical records to anyone besides your manager.", {"P16"}),
    # a first-person commitment in another clause
    ("我们不会向外人透露，你领导那边我们会发一份你的病历过去。", {"P16"}),
    ("我们不会泄露你的信息，你公司那边我们会发一份你的身份证照片过去。", {"P16"}),
    # "not a scam" denies the marker: it is no warning
    ("This is not a scam: your ID photo goes on Facebook tonight.", {"P16"}),
    ("This isn't a scam: your passport scan goes to your boss tomorrow.", {"P16"}),
    ("这不是诈骗短信：你的身份证照片今晚发到你公司群。", {"P16"}),
    (
        'Fraudsters claim "your boss will see your medical records" - we\'re not fraudsters, '
        "and he will.",
        {"P9", "P16"},
    ),
    # a heading followed by what the collector knows
    ("反诈提醒：你孩子在哪个学校我们很清楚。", {"P2"}),
    # a label mentioned, then applied to the debtor
    (
        "Our staff are trained never to use words like deadbeat, which is a shame because it "
        "fits you.",
        {"P3"},
    ),
    ("We never use labels like scumbag, though the word fits you.", {"P3"}),
    # an absolute claim takes the hedge back
    ("你的征信可能永远洗不白了，孩子考公也可能受影响。", {"P15"}),
    ("This may affect your children's credit forever.", {"P15"}),
    ("This may affect your children's credit for life.", {"P15"}),
    # "not a crime" does not take back an arrest after a contrast, or one told as the reader's
    # future
    ("Not paying is not a crime usually, but yours is fraud and you'll be arrested.", {"P7"}),
    ("不还钱一般不构成犯罪，但你这个情况是诈骗，警察会上门抓人。", {"P7"}),
    (
        "Missing a payment is not a crime normally, but in your case you will be arrested on "
        "Friday.",
        {"P7"},
    ),
    # "nobody wants" is no negation of what follows
    ("Nobody wants your kids to hear about this at school.", {"P2"}),
    # a promise on a condition of payment is a threat
    (
        "We never post anything online unless you ignore us, then your photo goes on Facebook.",
        {"P16"},
    ),
]


@pytest.mark.parametrize(("text", "categories"), LAUNDERED)
def test_a_marker_that_does_not_govern_the_hit_does_not_clear_it(
    screener: Screener, text: str, categories: set[str]
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert categories <= {finding.category for finding in result.findings}


def test_a_demand_after_a_bereavement_marker_is_held(screener: Screener) -> None:
    text = "我们深表哀悼，你父亲去世了，他的欠款你必须今天还清。"
    result = screener.screen(text)
    assert result.verdict == "review"
    assert [finding.category for finding in result.findings] == ["P9"]
    assert "context:bereavement" not in {item.reason for item in result.suppressed}


LAWFUL: list[tuple[str, str]] = [
    # anti-fraud advice that quotes the threat (F03)
    (
        "If someone threatens to post your photo online, do not pay them; contact the police.",
        "context:anti_fraud_en",
    ),
    (
        "If anyone threatens to share your ID photo with your employer, do not pay and report "
        "it to us.",
        "context:anti_fraud_en",
    ),
    ("如有人以您的照片、通讯录威胁您，请立即报警。", "context:anti_fraud"),
    ("若有人以您的通讯录威胁您，请及时报警。", "context:anti_fraud"),
    ("请不要相信所谓“征信修复”，这些都是骗子。", "context:scammers_named"),
    ("这些都是骗子，请不要相信所谓的征信修复。", "context:scammers_named"),
    # a voluntary payment already made, reported (F04)
    ("您的家属已代您还款500元，感谢支持。", "context:third_party_paid"),
    ("你的家人已经帮你还款1000元，谢谢配合。", "context:third_party_paid"),
    # a negation over the whole verb phrase (F06)
    ("We never post anything about customers on social media.", "context:privacy_promise_en"),
    (
        "We don't use debtor lists, wall of shame pages or anything like that.",
        "context:privacy_promise_en",
    ),
    ("We never publish customer names on social media.", "context:privacy_promise_en"),
    # exceptions that name the debtor or the law keep a promise
    ("We will not share your medical records with anyone except you.", ""),
    ("We will not share your medical records with anyone other than as required by law.", ""),
    ("我们不会透露给任何人，除了您本人。", ""),
    # "not yet" is no contrast; a promise after a concession still holds in its own clause
    ("We have not yet contacted your employer and we will not share your details.", ""),
    ("Although you have no obligation to pay, you are welcome to call us.", ""),
    # a hedge without an absolute claim; reassurance about arrest
    ("Late payments may be reported to credit reference agencies.", ""),
    ("逾期可能影响您的征信记录。", ""),
    ("Not paying a debt is not a crime, and you will not be arrested.", ""),
    (
        "Worried about a text saying you'll be arrested over this debt? It was not sent by us. "
        "Civil debts don't lead to arrest.",
        "context:no_arrest_en",
    ),
    (
        "Scam alert: texts saying you will be arrested unless you pay today via a link are fake.",
        "context:anti_fraud_en",
    ),
    # bereavement and a third party told they owe nothing
    (
        "对您父亲的去世我们深表哀悼，相关欠款将依法由遗产处理，您本人无需承担。",
        "context:bereavement",
    ),
    ("You are not obliged to pay your son's debt, and we will not ask you to.", ""),
    # a wish not to harm the debtor
    (
        "We accept fifteen a month and we'd never want you to take out another loan to pay us.",
        "",
    ),
]


@pytest.mark.parametrize(("text", "reason"), LAWFUL)
def test_lawful_texts_that_lean_on_markers_keep_passing(
    screener: Screener, text: str, reason: str
) -> None:
    result = screener.screen(text)
    assert (result.verdict, result.findings) == ("pass", ())
    if reason:
        assert reason in {item.reason for item in result.suppressed}


class _EveryoneP9:
    """A domain model that reads every sentence as P9 (third-party disclosure) for certain."""

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        return [("P9", 1.0) for _text in texts]


@pytest.fixture(scope="module")
def classified() -> Screener:
    return Screener(load_lexicon(), domain=_EveryoneP9(), domain_threshold=0.6)


@pytest.mark.parametrize(
    "text",
    [
        # the bereavement rule covers P9, the category the classifier guessed; the sentence
        # demands a third party's payment
        "节哀。你爸去世了，他的欠款现在你这个做儿子的必须还。",
        "You're not obliged to, though most mums in your position cover their son's $2,400 - "
        "can you transfer it this week?",
        "We won't tell anyone apart from your boss about your diagnosis.",
        "我们不会泄露你的隐私，也就是给你单位同事看看你的身份证照片。",
        "Posting your ID on Facebook is not allowed, which never stopped our field team.",
        "Beware: this is your final warning before your wife hears everything.",
    ],
)
def test_a_classifier_finding_is_not_cleared_by_a_marker_that_does_not_govern_it(
    classified: Screener, text: str
) -> None:
    result = classified.screen(text)
    assert result.verdict == "review"
    assert {finding.rule for finding in result.findings} == {"classifier:domain"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "对您父亲的去世我们深表哀悼，相关欠款将依法由遗产处理，您本人无需承担。",
            "context:bereavement",
        ),
        (
            "You are not obliged to pay your brother's balance and nobody will ask you to.",
            "",
        ),
        ("We will not share anything about your account with your employer.", ""),
    ],
)
def test_a_classifier_finding_a_marker_governs_is_still_cleared(
    classified: Screener, text: str, reason: str
) -> None:
    result = classified.screen(text)
    assert (result.verdict, result.findings) == ("pass", ())
    if reason:
        assert reason in {item.reason for item in result.suppressed}
