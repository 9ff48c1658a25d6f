"""Red-team audit, three smaller classes: who a call transcript's labels make exempt (G03), the
account's facts applied to a classifier's finding in a gated category (G16, F07), and single-
stroke radicals written between ideographs as fillers (G06)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from heed.screening.engine.classifier_gates import classifier_gate
from heed.screening.engine.domain import DomainClassifier
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.normalize import build_views
from heed.screening.engine.screener import (
    AccountFacts,
    Screener,
    customer_spans,
    gate_holds,
    speaker_spans,
)

# --- G03: speaker labels ------------------------------------------------------------------------

OPENING = "Agent: Hi, this is Mia from Eastgate Recoveries.\nCustomer: Yes?\n"
ZH_OPENING = "坐席：您好，我是恒信金融的客服。\n客户：嗯。\n"


@pytest.mark.parametrize(
    "line",
    [
        "Colleague: Your manager is getting a copy of your passport photo today.",
        "Supervisor: Pay by Friday or we will break your legs.",
        "Field agent: Pay now, you worthless deadbeat.",
        "同事：你这个老赖，今天不还就弄死你。",
        "主管：再不还钱就把你的照片发到你公司群。",
    ],
)
def test_a_second_collector_s_line_is_screened_like_the_agent_s(
    screener: Screener, line: str
) -> None:
    text = (ZH_OPENING if "：" in line else OPENING) + line
    for channel in ("call", None):
        result = screener.screen(text, channel=channel)
        assert result.verdict == "block", (line, channel)
        assert all(text.index(line) <= f.start for f in result.findings)


def test_only_the_debtor_s_own_labels_are_exempt(screener: Screener) -> None:
    for label in ("Customer", "Debtor", "Client", "Caller", "Borrower", "Account holder"):
        text = f"Agent: Hello, Eastgate Recoveries.\n{label}: You idiots, I will kill you!\n"
        result = screener.screen(text, channel="call")
        assert (result.verdict, result.findings) == ("pass", ()), label
    for label in ("客户", "债务人", "借款人", "来电人", "客户本人"):
        text = f"坐席：您好。\n{label}：你们这帮傻逼，滚！\n"
        assert screener.screen(text, channel="call").verdict == "pass", label


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("Friend", "Listen, you deadbeat, pay today or we will kill you."),
        ("Guarantor", "Pay up by Monday or we'll break your legs."),
        ("Brother", "If you don't pay we will burn your house down."),
        ("客户哥哥", "你这个老赖，再不还钱就弄死你。"),
        ("朋友", "再不还钱，就打断你的腿。"),
    ],
)
def test_a_collector_s_threat_under_a_third_party_s_label_reaches_a_person(
    screener: Screener, label: str, words: str
) -> None:
    chinese = not label.isascii()
    opening, agent, colon = (ZH_OPENING, "坐席", "：") if chinese else (OPENING, "Agent", ": ")
    result = screener.screen(f"{opening}{label}{colon}{words}", channel="call")
    assert result.verdict == "review", label
    assert all(f.rule.endswith("|speaker:third_party") for f in result.findings)
    # The same words with the agent's label block.
    assert screener.screen(f"{opening}{agent}{colon}{words}", channel="call").verdict == "block"


@pytest.mark.parametrize(
    "line",
    [
        "客户妹妹：他欠了多少？我帮他还了吧，你们别一直打了。",
        "Mother: Can I pay it for him? Please stop calling his work, his HR department is upset.",
        "Spouse: You people are ringing every day. I'll cover it myself.",
        "紧急联系人：我替他还一部分，别再找他了。",
    ],
)
def test_a_relative_s_own_words_stay_lawful(screener: Screener, line: str) -> None:
    text = (ZH_OPENING if "：" in line else OPENING) + line + "\n"
    text += "坐席：谢谢您，您没有代为还款的义务。" if "：" in line else "Agent: Thank you."
    result = screener.screen(text, channel="call")
    assert (result.verdict, result.findings) == ("pass", ()), line


def test_a_bare_customer_label_does_not_hide_the_agent_s_next_line(screener: Screener) -> None:
    # The agent's words follow their labels: a bare "Customer:" says nothing.
    for text in (
        "Agent: Hi, it's Mia.\nCustomer:\nPay today, you deadbeat, or we will kill you.\n"
        "Agent: Bye.",
        "坐席：您好。\n客户：\n你这个老赖，再不还钱就弄死你。\n坐席：好的。",
        "[00:01] Agent: Hello.\n[00:04] Customer:\nPay up or we'll break your legs.\n",
    ):
        assert screener.screen(text, channel="call").verdict == "block", text
    # A transcript laid out with every label on its own line: the turn is under its label.
    blocks = "Agent:\nHello, Eastgate Recoveries.\nCustomer:\nGet lost, you idiot.\nAgent:\nBye."
    [(start, end)] = customer_spans(blocks)
    assert blocks[start:end] == "Customer:\nGet lost, you idiot.\n"
    assert screener.screen(blocks, channel="call").verdict == "pass"


def test_speaker_spans_sort_the_labels() -> None:
    text = (
        "Agent: Hello.\nCustomer: Hi.\nColleague: Pay now.\nFriend: Who is this?\n"
        "Partner: Hm.\nAgent: Bye."
    )
    customer, third_party = speaker_spans(text)
    assert [text[a:b] for a, b in customer] == ["Customer: Hi.\n"]
    assert [text[a:b] for a, b in third_party] == ["Friend: Who is this?\n"]
    # Without a collector's label nothing is split.
    assert speaker_spans("Customer: Hi.\nFriend: Pay now.") == ([], [])


# --- G16 / F07: classifier findings in gated categories --------------------------------------


class _StubDomain:
    """A domain model that names a category for sentences containing a key."""

    def __init__(self, categories: dict[str, str]) -> None:
        self.categories = categories

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        for text in texts:
            category = next((c for key, c in self.categories.items() if key in text), "lawful")
            found.append((category, 0.9 if category != "lawful" else 0.99))
        return found


NOTHING = AccountFacts()
EVERYTHING = AccountFacts(
    litigation_approved=True,
    litigation_filed=True,
    judgment_obtained=True,
    lawyer_instructed=True,
    fees_in_contract=True,
    reports_to_credit_bureau=True,
)
STUB = {
    "taken at source": "P8",
    "拍卖": "P8",
    "counsel": "P5",
    "surcharge": "P13",
    "外出的费用": "P13",
    "lend you money": "P15",
    "people you work for": "P10",
}
GATED = [
    ("Starting next month part of your pay will be taken at source.", "P8", "lawsuit"),
    ("你那套房子下个月就要被拿去拍卖了。", "P8", "lawsuit"),
    ("Our in-house counsel has signed off on your file.", "P5", "lawyer"),
    ("A recovery surcharge of 40 percent now applies to your account.", "P13", "fee"),
    ("这次外出的费用三百元记在你账上。", "P13", "fee"),
]


@pytest.fixture(scope="module")
def stubbed() -> Screener:
    return Screener(load_lexicon(), domain=_StubDomain(STUB), domain_threshold=0.6)


@pytest.mark.parametrize(("text", "category", "gate"), GATED)
def test_facts_that_make_a_classifier_s_gated_finding_false_block_it(
    stubbed: Screener, text: str, category: str, gate: str
) -> None:
    result = stubbed.screen(text, facts=NOTHING)
    [finding] = result.findings
    assert (result.verdict, finding.category) == ("block", category)
    assert finding.rule == f"classifier:domain|gate:{gate}"


@pytest.mark.parametrize(("text", "category", "gate"), GATED)
def test_facts_that_make_a_classifier_s_gated_finding_true_pass_it(
    stubbed: Screener, text: str, category: str, gate: str
) -> None:
    result = stubbed.screen(text, facts=EVERYTHING)
    assert (result.verdict, result.findings) == ("pass", ())
    [suppressed] = result.suppressed
    assert (suppressed.finding.category, suppressed.reason) == (category, f"gate:{gate}:facts_hold")


@pytest.mark.parametrize(("text", "category", "gate"), GATED)
def test_without_facts_a_classifier_s_gated_finding_asks_for_review(
    stubbed: Screener, text: str, category: str, gate: str
) -> None:
    result = stubbed.screen(text)
    [finding] = result.findings
    assert (result.verdict, finding.rule) == ("review", "classifier:domain")


def test_mixed_facts_and_ungated_categories_leave_the_classifier_s_finding_to_a_person(
    stubbed: Screener,
) -> None:
    # A lawyer instructed but no suit: a P8-like sentence may claim either, so a person looks.
    lawyer_only = AccountFacts(lawyer_instructed=True)
    assert stubbed.screen(GATED[0][0], facts=lawyer_only).verdict == "review"
    # Time-barred: no suit or enforcement is lawful, but a lawyer may be instructed.
    barred = AccountFacts(lawyer_instructed=True, judgment_obtained=True, time_barred=True)
    assert stubbed.screen(GATED[2][0], facts=barred).verdict == "review"
    # P15 and P10 have no default gate: most of their statements are never lawful.
    for text in (
        "Expect nobody to lend you money ever again.",
        "Please ask the people you work for to sort it.",
    ):
        for facts in (NOTHING, EVERYTHING):
            assert stubbed.screen(text, facts=facts).verdict == "review", (text, facts)


def test_a_classifier_finding_below_its_blocking_score_stays_review() -> None:
    # 0.85 would let a lexicon hit block; a classifier's guess of the category needs 0.9.
    class Unsure(_StubDomain):
        def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
            return [(category, 0.85) for category, _p in super().predict(texts)]

    unsure = Screener(load_lexicon(), domain=Unsure(STUB), domain_threshold=0.6)
    assert unsure.screen(GATED[0][0], facts=NOTHING).verdict == "review"
    assert unsure.screen(GATED[0][0], facts=EVERYTHING).verdict == "pass"


def test_the_category_s_gates_decide_together() -> None:
    def holds(facts: AccountFacts) -> Callable[[str], bool]:
        return lambda gate: gate_holds(gate, facts)

    assert classifier_gate("P8", holds(NOTHING)) == ("lawsuit", False)
    assert classifier_gate("P8", holds(EVERYTHING)) == ("lawsuit", True)
    assert classifier_gate("P8", holds(AccountFacts(litigation_approved=True))) is None
    assert classifier_gate("P13", holds(AccountFacts(fees_in_contract=True))) == ("fee", True)
    assert classifier_gate("P15", holds(NOTHING)) is None
    assert classifier_gate("P3", holds(NOTHING)) is None


def test_the_trained_classifier_s_gated_findings_follow_the_facts(
    domain_model: DomainClassifier,
) -> None:
    screener = Screener(load_lexicon(), domain=domain_model, domain_threshold=0.6)
    texts = [
        "Your house will be put on the market to cover the debt.",
        "你名下的房产我们会申请拍卖。",
        "Your balance is now $4,800 including our collection charge.",
    ]
    assert [r.verdict for r in screener.screen_many(texts, facts=NOTHING)] == ["block"] * 3
    assert [r.verdict for r in screener.screen_many(texts, facts=EVERYTHING)] == ["pass"] * 3
    assert [r.verdict for r in screener.screen_many(texts)] == ["review"] * 3


# --- G06: stroke fillers between ideographs ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("再不还钱就弄丶死丶你", "P1", "弄丶死丶你"),
        ("不还钱？那就弄丨死丨你", "P1", "弄丨死丨你"),
        ("明天还不上就打丿断丿你的腿", "P1", "打丿断丿你的腿"),
        ("你个老乛赖，还钱", "P3", "老乛赖"),
        ("你就是个傻亅逼", "P3", "傻亅逼"),
        ("老乚乚赖赶紧还钱", "P3", "老乚乚赖"),
        ("再拖就曝丷光你", "P9", "曝丷光"),
        ("再不还钱就弄⼂死⼂你", "P1", "弄⼂死⼂你"),  # Kangxi radical ⼂ (U+2F02), NFKC 丶
    ],
)
def test_stroke_fillers_between_ideographs_do_not_hide_a_phrase(
    screener: Screener, text: str, category: str, match: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    finding = next(f for f in result.findings if f.category == category)
    assert finding.match == match
    assert text[finding.start : finding.end] == match


@pytest.mark.parametrize(
    "text",
    [
        "专访丨王经理：如何合理安排分期还款",
        "小雨丶：您好，我想咨询一下还款日期。",
        "丨 本月账单已出，请按时还款。",
        "温馨提示丶您的账单已结清，感谢使用。",
    ],
)
def test_stroke_characters_used_as_marks_stay_lawful(screener: Screener, text: str) -> None:
    assert screener.screen(text).verdict == "pass"


def test_texts_without_stroke_fillers_get_no_second_reading() -> None:
    assert build_views("你好，请按时还款。").cjk_alternates == ()
    assert build_views("丶开头和结尾丶").cjk_alternates == ()
    (reading,) = build_views("老丶赖").cjk_alternates
    assert reading.text == "老赖"
    assert reading.original_span(0, 2) == (0, 3)
