from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heed.screening.engine.lexicon import (
    Entry,
    ExceptionPhrase,
    LexiconError,
    load_lexicon,
    parse_phrase_file,
)
from heed.screening.engine.screener import AccountFacts, Screener

# One message per category and language, and one evasion of it (RULES.md §Content).
CAUGHT = [
    # Round 18 (training_v21 and the red-team audit): idioms, slurs, third parties, leverage.
    ("P1", "Pay by Friday or we will end you."),
    ("P1", "再不还钱你死定了"),
    ("P17", "Go back to your own country if you can't pay your bills."),
    ("P10", "Could you settle your daughter's account? The amount is £1,150."),
    ("P16", "Your passport number is on our file. Imagine if that leaked."),
    ("P2", "你爸妈都七十多了，要是老人家受了惊吓可就不好说了。"),
    # Hyphenated words: the Latin view joins them (motherinlaw), and so do the patterns.
    ("P9", "Your mother-in-law might be interested to know about this."),
    ("P16", "Your in-laws don't know yet, do they?"),
    ("P2", "The school pick-up is at 3, and we know where the nursery is."),
    ("P3", "Even a ten-year-old could pay a bill on time."),
    ("P1", "再不还钱，小心我弄死你。"),
    ("P1", "再不还钱弄.死.你"),
    ("P1", "Pay today or we will break your legs."),
    ("P1", "I will k i l l you"),
    ("P2", "我们会去你孩子的学校找他。"),
    ("P2", "We know which school your kids go to."),
    ("P3", "你这个老赖"),
    ("P3", "你个老lai，赶紧还钱"),
    ("P3", "煞笔，还钱。"),
    ("P3", "你就是個老賴！"),
    ("P3", "Pay up, you deadbeat."),
    ("P3", "you s h i t, pay now"),
    ("P4", "我是派出所的民警，你欠的钱必须今天还。"),
    ("P4", "This is Officer Johnson from the police department."),
    ("P6", "附件是您的逮捕令，请尽快处理。"),
    ("P6", "Attached is your arrest warrant."),
    ("P7", "再不还钱你就等着坐牢吧。"),
    ("P7", "你就等著坐 牢吧"),
    ("P7", "You will go to jail if you don't pay today."),
    ("P9", "不还钱就爆你通讯录。"),
    ("P9", "不还钱就bao你通讯录"),
    ("P9", "We will tell your employer about this debt."),
    ("P10", "作为他的紧急联系人，请您替他还款。"),
    ("P10", "Ask your parents to pay the balance for you."),
    ("P11", "不还钱就每十分钟给你打一次电话。"),
    ("P11", "We'll call you every ten minutes until you pay."),
    ("P12", "信用卡套现也要把钱还上。"),
    ("P12", "Take out a payday loan and pay us today."),
    ("P13", "逾期要另外收取500元催收费。"),
    ("P13", "A collection fee of $300 will be added to your balance."),
    ("P14", "您好，您有一个快递包裹未签收，请回电。"),
    ("P14", "There has been a family emergency. Call this number immediately."),
    ("P15", "不还钱就让你上征信黑名单，一辈子都贷不了款。"),
    ("P15", "You will be blacklisted for life."),
    ("P16", "把你的裸照发给你的联系人。"),
    ("P16", "We'll share your medical records with your employer."),
    ("P17", "还不起就去死吧。"),
    ("P17", "If you can't pay, just kill yourself."),
    ("P18", "明天给你家门口送花圈。"),
    ("P18", "We will put up a banner outside your office."),
    # Wording added in lexicon 2026.11.30-1 (general forms, not the training sentences).
    ("P1", "钱你可以拖，刀可不长眼。"),
    ("P1", "People who mess me around end up in A&E."),
    ("P2", "你家人的平安，取决于你今天的态度。"),
    ("P2", "Would hate for anything to happen to your kids."),
    ("P4", "我是公安局的，你的情况我们已经掌握了。"),
    ("P4", "This is HMRC enforcement calling about your loan."),
    ("P7", "你这种情况够判三年了。"),
    ("P7", "Ignore this and you could be doing time."),
    ("P9", "我们把你的欠款截图发到你们村的微信群。"),
    ("P9", "We've copied your HR department on this email."),
    ("P11", "你不接是吧？我们二十个号码轮流打。"),
    ("P11", "We'll text you fifty times a day."),
    ("P12", "房租先别交了，先把我们这边还上。"),
    ("P12", "Skip the rent this month. Landlords can wait."),
    ("P13", "我们跑你老家的油费都得算到你账上。"),
    ("P17", "欠这么多还不上，换我早就找根绳子了。"),
    ("P18", "下周一我们带人去你们公司，当着你同事的面跟你算账。"),
    ("P18", "We're organising a protest outside your shop."),
    # Lexicon 2026.11.30-23/-24: violence against someone spoken of; a third person's debt
    # stated to someone else; payment asked of relatives, employers and landlords; personal
    # data held over the debtor (general forms, not the training sentences).
    ("P1", "Tell him we will break his legs."),
    ("P1", "你们家以后不会太平。"),
    ("P9", "麻烦您转告一声，他的信用卡已经逾期两个月了。"),
    ("P9", "我们会把你的逾期记录同步给你的单位和同事。"),
    ("P9", "Maybe your landlord should see your arrears statement."),
    ("P10", "你是他表哥，先帮他把这笔钱还上吧。"),
    ("P10", "Could you hold it back from her wages and send it to us?"),
    ("P10", "As her parent you are best placed to settle it."),
    ("P16", "你的身份证号和家庭住址我们都已掌握。"),
    ("P16", "Your date of birth and home address will be circulated to your neighbours."),
    ("P2", "你老婆在哪上班我们也知道。"),
]

MUST_PASS = [
    "Please upload your ID card photo in the app to complete verification.",
    "您的身份证复印件我们已收到，谢谢配合。",
    "At the end you will receive a letter confirming the plan.",
    "如您对账单金额有异议，您也有权通过法律途径维护自身权益。",
    "您好，您在XX银行的借款已逾期3天，应还金额1250.00元，请通过官方APP还款。",
    "温馨提示：本公司不会以公安、法院名义联系您，谨防冒充公检法的诈骗电话。",
    "如遇冒充警察要求转账的电话，请立即拨打110报警。",
    "惊悉您的父亲去世，我们深表哀悼，本月将暂停一切联系。",
    "已为您执行自动扣款，扣款金额500元，感谢您的配合。",
    "我们不会起诉您，希望能和您协商一个还款方案。",
    "If you dispute this debt, please let us know in writing within 30 days.",
    "We never ask for gift cards. If someone claiming to be the police asks, it is a scam.",
    "We are sorry for your loss. We will pause contact for 30 days.",
    "Our collectors have the skill to help you find a plan that works.",
    "She'll call you back tomorrow, he'll be in the office then.",
    "We will not contact your employer or family about this debt.",
    "If you think we made a mistake, you can complain to your state attorney general.",
    "",
    # False positives found in 2026.11 (lexicon 2026.11.30-1): homophones inside common words,
    # identity checks, KYC requests, advice not to borrow, no-fee statements, idioms.
    "请问您是否是这个号码的机主？",
    "在讨论账户之前，麻烦您核对一下出生日期，好吗？",
    "请上传身份证照片完成实名认证。",
    "请将身份证照片发到官方邮箱。",
    "请您发送身份证照片给客服核实。",
    "请不要向其他平台借款来还款。",
    "如有疑问可致电我司法务专线。",
    "您好，这里是客服小张，打死我也没想到今天来电这么多，让您久等了。",
    "近期有不法分子冒充我司发送催收短信，建议您将陌生号码拉入黑名单。",
    "需要如实告知您：公司已批准对该笔欠款采取分期方式处理。",
    "我们会为您开具加盖公章的结清证明。",
    "There is no settlement fee.",
    "There's no late fee and no legal action on this account.",
    "We killed the late fee as a courtesy: it has been waived.",
    "Thanks for sending the police report you filed about the identity theft.",
    "Tip: you can blacklist spam numbers on your phone.",
    "I'm sorry about our agent. I've logged a formal complaint for you.",
    "Please don't borrow from friends or family to pay us.",
    "We'll post you a leaflet about free debt advice.",
    "We have a copy of your ID on file from your application.",
    "It would be a shame if you missed out on this discount.",
    "Our calls start at 8am.",
    # Lexicon 2026.11.30-2 to -4.
    "法院已作出生效判决，您仍可联系我们商量还款安排。",
    "以后我们寄纸质账单给您，您挑合适的时间查收。",
    "您有权向人民法院起诉，也可以向金融监管部门投诉。",
    "您说打死也不会再碰网贷了，我特别理解。",
    "您反映的那个骚扰号码我们已加入黑名单。",
    "关于您投诉的催收员一事，我们已经立案调查，涉事员工已停岗。",
    "拍身份证的时候注意别曝光过度，上面的字要清楚。",
    "您家人刚才来电，我们未透露任何信息，只请其转告您回电。",
    "关于您孩子的学费问题，请优先保障孩子上学，我们的还款可以往后排。",
    "我们不会向您的家人、同事或通讯录联系人透露您的欠款信息。",
    "我们的催收员严禁使用“老赖”等侮辱性称呼，如遇到请投诉。",
    "I'll shoot you an email with the plan details.",
    "Do seize the opportunity if the offer is affordable.",
    "Thank you for letting us know about your diagnosis. We'll pause contact for 30 days.",
    "We will not share your information with your contacts, your employer or on social media.",
    "Our agents are trained never to use labels like 'deadbeat'.",
    # 2026.11.30-7/-8: speaker labels, own mail, contacts with us, reassurance, waived fees.
    "Agent: Thanks for holding. Customer: No problem.",
    "Agent: Could we look at what you can afford each month?",
    "An enforcement agent may attend only after a court order; there is none on this account.",
    "All of your contacts with us are recorded for quality.",
    "You can message us on Facebook or call us.",
    "Calling from Harlow Recoveries on behalf of City Hospital about your bill.",
    "我们家三代都是贵行的老客户。",
    "如您正在精神科住院治疗，可申请暂停催收。",
    "我们的纸质通知已通过快递寄出，如未收到请回电。",
    "本月的逾期手续费已为您全部免除。",
    "我们已按您的要求把该号码加入外呼黑名单。",
    "You asked about arrest. Owing money is not a crime in this country.",
    # A negation inside a pattern's reach (2026.11.30-24), and a list of what will not happen.
    "我们会严格保护您的身份证号和住址，不会公开。",
    "您的照片将加密保存，仅用于身份核验，不会对外公开。",
    "While the plan is in place we will not add fees or start court proceedings.",
]


@pytest.mark.parametrize(("category", "text"), CAUGHT)
def test_category_is_caught_with_a_span_in_the_original_text(
    screener: Screener, category: str, text: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    findings = [f for f in result.findings if f.category == category]
    assert findings, result
    for finding in findings:
        assert text[finding.start : finding.end] == finding.match
        assert finding.rule
        assert 0 < finding.confidence <= 1


@pytest.mark.parametrize("text", MUST_PASS)
def test_lawful_message_passes(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert (result.verdict, result.findings) == ("pass", ())


def test_span_points_at_the_evasion_as_written(screener: Screener) -> None:
    text = "你这个老🐶赖，还钱"
    [finding] = screener.screen(text).findings
    assert (finding.category, finding.start, finding.end, finding.match) == ("P3", 3, 6, "老🐶赖")


def test_pinyin_substitution_is_found_with_its_rule(screener: Screener) -> None:
    [finding] = screener.screen("你个老lai").findings
    assert (finding.match, finding.rule) == ("老lai", "pinyin:zh:P3:老赖")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("你就是个loser", "loser"),
        ("你就是个LOSER吧，赶紧还钱", "LOSER"),
        ("這個l0ser還不還錢", "l0ser"),
        ("你就是个ｌｏｓｅｒ", "ｌｏｓｅｒ"),
    ],
)
def test_an_english_insult_in_a_chinese_message_is_caught_by_the_english_phrase(
    screener: Screener, text: str, match: str
) -> None:
    """Code-switching needs no Chinese copy of an English word: English phrases run on the
    Latin view of every text (Chinese messages included), look-alikes and case folded."""
    [finding] = screener.screen(text).findings
    assert (finding.category, finding.match, finding.rule) == ("P3", match, "lex:en:P3:loser")


def test_english_word_is_not_read_as_pinyin(screener: Screener) -> None:
    assert screener.screen("We made a plan").verdict == "pass"


def test_kill_inside_skill_is_not_a_threat(screener: Screener) -> None:
    assert screener.screen("skilled staff will kill time").verdict == "pass"
    assert screener.screen("I will kill you").verdict == "block"


LAWSUIT = "如果本周不还款，我们将起诉您。"


def test_gated_lawsuit_without_account_asks_for_review(screener: Screener) -> None:
    result = screener.screen(LAWSUIT)
    assert result.verdict == "review"
    assert [(f.category, f.match) for f in result.findings] == [("P8", "起诉您")]
    assert result.findings[0].rule.endswith("|gate:lawsuit")


def test_gated_lawsuit_passes_when_litigation_approved_and_not_time_barred(
    screener: Screener,
) -> None:
    result = screener.screen(LAWSUIT, facts=AccountFacts(litigation_approved=True))
    assert (result.verdict, result.findings) == ("pass", ())
    assert [s.reason for s in result.suppressed] == ["gate:lawsuit:facts_hold"]


def test_gated_lawsuit_blocks_on_time_barred_debt(screener: Screener) -> None:
    facts = AccountFacts(litigation_approved=True, time_barred=True)
    assert screener.screen(LAWSUIT, facts=facts).verdict == "block"


def test_gated_lawsuit_blocks_when_litigation_not_approved(screener: Screener) -> None:
    assert screener.screen(LAWSUIT, facts=AccountFacts()).verdict == "block"


def test_a_suit_filed_or_a_judgment_makes_a_lawsuit_statement_true(screener: Screener) -> None:
    # A judgment implies a suit filed, and a suit filed implies litigation approved (as
    # selectors.account_facts reads an account); a time-barred debt still blocks.
    for facts in (AccountFacts(litigation_filed=True), AccountFacts(judgment_obtained=True)):
        assert screener.screen(LAWSUIT, facts=facts).verdict == "pass"
    barred = AccountFacts(judgment_obtained=True, time_barred=True)
    assert screener.screen(LAWSUIT, facts=barred).verdict == "block"
    summons = "传票会由法院送达给您。"
    assert screener.screen(summons).verdict == "review"
    assert screener.screen(summons, facts=AccountFacts()).verdict == "block"
    assert screener.screen(summons, facts=AccountFacts(judgment_obtained=True)).verdict == "pass"


def test_lawyer_claim_depends_on_lawyer_instructed(screener: Screener) -> None:
    text = "Your account has been referred to our attorney."
    assert screener.screen(text).verdict == "review"
    assert screener.screen(text, facts=AccountFacts(lawyer_instructed=True)).verdict == "pass"
    assert screener.screen(text, facts=AccountFacts()).verdict == "block"


@pytest.mark.parametrize(
    "text",
    [
        "A lawyer will contact you.",
        "Our solicitor will be in touch.",
        "Our legal team will contact you about this.",
        "律师明天会给你打电话。",
        "律師馬上會和您聯繫。",
    ],
)
def test_a_lawyer_announced_as_coming_is_a_lawyer_claim(screener: Screener, text: str) -> None:
    result = screener.screen(text, facts=AccountFacts())
    assert result.verdict == "block"
    assert [f.category for f in result.findings] == ["P5"]
    assert screener.screen(text, facts=AccountFacts(lawyer_instructed=True)).verdict == "pass"


@pytest.mark.parametrize(
    "text",
    [
        "You may wish to speak to a lawyer.",
        "If you want, a lawyer can explain your rights.",
        "You can contact a solicitor for free advice.",
        "如有需要，您可以咨询律师。",
    ],
)
def test_pointing_to_legal_advice_is_not_a_lawyer_claim(screener: Screener, text: str) -> None:
    assert screener.screen(text, facts=AccountFacts()).verdict == "pass"


def test_seizure_needs_a_judgment(screener: Screener) -> None:
    text = "We will garnish your wages next week."
    assert screener.screen(text, facts=AccountFacts()).verdict == "block"
    assert screener.screen(text, facts=AccountFacts(judgment_obtained=True)).verdict == "pass"


def test_fee_blocks_without_account_and_passes_when_in_contract(screener: Screener) -> None:
    text = "A collection fee of $300 will be added to your balance."
    assert screener.screen(text).verdict == "block"
    assert screener.screen(text, facts=AccountFacts(fees_in_contract=True)).verdict == "pass"


def test_credit_reporting_is_gated_but_blacklist_for_life_always_blocks(
    screener: Screener,
) -> None:
    reporting = "This debt will be reported to the credit bureaus."
    assert screener.screen(reporting).verdict == "review"
    facts = AccountFacts(reports_to_credit_bureau=True)
    assert screener.screen(reporting, facts=facts).verdict == "pass"
    assert screener.screen("You will be blacklisted for life.", facts=facts).verdict == "block"


def test_always_category_ignores_facts(screener: Screener) -> None:
    facts = AccountFacts(litigation_approved=True, lawyer_instructed=True, judgment_obtained=True)
    assert screener.screen("你这个老赖", facts=facts).verdict == "block"


def test_low_confidence_hit_asks_for_review(screener: Screener) -> None:
    result = screener.screen("后果自负。")
    assert result.verdict == "review"
    assert [f.confidence for f in result.findings] == [0.6]


def test_negation_is_scoped_to_the_clause(screener: Screener) -> None:
    assert screener.screen("我们不会联系你的单位领导。").verdict == "pass"
    assert screener.screen("If you don't pay we will tell your employer.").verdict == "block"


def test_added_phrase_and_exception_change_the_result() -> None:
    extra = Entry("P3", "zh", "铁公鸡", source="ui:1")
    screener = Screener(load_lexicon(extra_entries=[extra]))
    assert screener.screen("你这个铁公鸡").verdict == "block"
    exception = ExceptionPhrase("铁公鸡基金", "zh", frozenset({"P3"}), "ui:2")
    screener = Screener(load_lexicon(extra_entries=[extra], extra_exceptions=[exception]))
    result = screener.screen("欢迎了解铁公鸡基金产品")
    assert result.verdict == "pass"
    assert [s.reason for s in result.suppressed] == ["ui:2"]


def test_lexicon_files_parse_and_name_a_version() -> None:
    lexicon = load_lexicon()
    assert lexicon.version
    assert len(lexicon.content_hash) == 16
    categories = {(e.category, e.language) for e in lexicon.entries}
    for number in range(1, 19):
        assert (f"P{number}", "zh") in categories
        assert (f"P{number}", "en") in categories


def test_malformed_lexicon_line_names_file_and_line() -> None:
    with pytest.raises(LexiconError, match="zh/P1.txt:2: unknown gate 'nope'"):
        parse_phrase_file("# c\n弄死\tgate=nope\n", category="P1", language="zh", name="zh/P1.txt")


def test_within_sentence_option_keeps_a_pattern_inside_one_sentence() -> None:
    # The views drop punctuation, so without the option the gap runs on into the next sentence.
    line = "re:蓝鲸.{0,12}白鹭"
    for options, across in (("conf=0.7", True), ("within=sentence conf=0.7", False)):
        entries = parse_phrase_file(
            f"{line}\t{options}\n", category="P9", language="zh", name="zh/P9.txt"
        )
        assert entries[0].within == ("sentence" if not across else "")
        screener = Screener(load_lexicon(extra_entries=entries))
        inside = screener.screen("蓝鲸今天见到了白鹭。")
        assert [(f.category, f.match) for f in inside.findings] == [("P9", "蓝鲸今天见到了白鹭")]
        two = screener.screen("蓝鲸今天来了。明天见白鹭。")
        assert bool(two.findings) is across


def test_unknown_within_value_names_file_and_line() -> None:
    with pytest.raises(LexiconError, match="en/P9.txt:1: unknown within 'clause'"):
        parse_phrase_file(
            "re:your son\twithin=clause\n", category="P9", language="en", name="en/P9.txt"
        )


def test_raw_scan_counts_plain_matches() -> None:
    assert load_lexicon().raw_scan("你这个老赖") >= 1


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("老赖傻逼你 sSbB h i t弄死.-$!@*'’ａｂ煞笔lai通讯录\n，。")),
        max_size=40,
    )
)
def test_any_text_screens_with_spans_inside_the_original(text: str) -> None:
    result = _SCREENER.screen(text)
    assert result.verdict in {"block", "review", "pass"}
    for finding in result.findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.match


_SCREENER = Screener(load_lexicon())


def test_pinyin_with_tone_marks_is_read_as_pinyin(screener: Screener) -> None:
    text = "再拖下去就是 zuò láo 的事了"
    [finding] = screener.screen(text).findings
    assert (finding.category, finding.match, finding.rule) == ("P7", "zuò láo", "pinyin:zh:P7:坐牢")


REASSURED = (
    "We know you're worried about being arrested. Being unable to pay a debt is not a crime."
)


def test_a_text_that_says_default_is_no_crime_makes_arrest_wording_lawful(
    screener: Screener,
) -> None:
    result = screener.screen(REASSURED)
    assert result.verdict == "pass"
    assert "context:no_arrest_en" in {s.reason for s in result.suppressed}
    # Without the reassurance the same wording is still a finding.
    assert screener.screen("We know you're worried about being arrested.").verdict == "block"
    # Only P7 is made lawful: a threat of another category in the same text still blocks.
    threat = REASSURED + " But we will tell your employer."
    assert {f.category for f in screener.screen(threat).findings} == {"P9"}


def test_a_text_wide_rule_applies_in_long_transcripts_too(screener: Screener) -> None:
    # Many context markers: markers are then looked up by position, near each hit; a text-wide
    # rule must still see a marker far from the hit.
    line = "Line {}: we will not call after 9pm, no one will visit."
    filler = " ".join(line.format(number) for number in range(40))
    text = f"Are you worried about being arrested? {filler} Debt is not a crime."
    assert screener.screen(text).verdict == "pass"
    assert screener.screen(text.replace("Debt is not a crime.", "")).verdict == "block"


CALL = (
    "Agent: Good morning, this is Dana from Northgate Recoveries.\n"
    "Customer: You stupid bastard, I will kill you if you ring me again!\n"
    "Agent: I'm sorry you feel that way. Would a smaller monthly payment help?\n"
)


def test_a_call_transcript_screens_what_the_collector_says_not_the_customer(
    screener: Screener,
) -> None:
    for channel in ("call", None):
        result = screener.screen(CALL, channel=channel)
        assert (result.verdict, result.findings) == ("pass", ())
        assert {s.reason for s in result.suppressed} == {"speaker:customer"}
    threat = CALL + "Agent: Pay today or I'll break your legs.\n"
    assert [f.category for f in screener.screen(threat, channel="call").findings] == ["P1"]


def test_the_customer_s_words_make_nothing_the_collector_says_lawful(
    screener: Screener,
) -> None:
    text = "Customer: Owing money is not a crime!\nAgent: You will be arrested tomorrow."
    assert [f.category for f in screener.screen(text, channel="call").findings] == ["P7"]
    # Said by the collector, the same reassurance makes the arrest wording lawful.
    said = "Agent: Worried about being arrested? Owing money is not a crime.\nCustomer: Thanks."
    result = screener.screen(said, channel="call")
    assert result.verdict == "pass"
    assert "context:no_arrest_en" in {s.reason for s in result.suppressed}


def test_speaker_labels_do_not_hide_anything_in_a_message_that_is_sent(
    screener: Screener,
) -> None:
    # An SMS, e-mail or letter is the collector's words, whatever labels it carries.
    for channel in ("sms", "email", "letter"):
        assert screener.screen(CALL, channel=channel).verdict == "block"


def test_customer_lines_need_both_kinds_of_label() -> None:
    from heed.screening.engine.screener import customer_spans

    assert customer_spans("Customer: Mr Lee\nAccount: 4471\nYou idiot, pay up.") == []
    text = "坐席：您好。\n客户：滚！别烦我。\n还说什么？\n坐席：好的，打扰了。"
    [(start, end)] = customer_spans(text)
    assert text[start:end] == "客户：滚！别烦我。\n"
    stamped = "[00:01] Agent: Hello.\n[00:04] Customer: Get lost, idiot.\n00:09 Agent: Bye."
    [(start, end)] = customer_spans(stamped)
    assert stamped[start:end] == "[00:04] Customer: Get lost, idiot.\n"


def test_an_unlabelled_line_after_the_customer_s_turn_is_screened(screener: Screener) -> None:
    from heed.screening.engine.screener import customer_spans

    # Nobody can tell who said an unlabelled line: it is screened, never taken for the customer's.
    for text in (
        "Agent: Hello.\nCustomer: Fine.\nWe will kill you if you don't pay.",
        "Agent: Hello.\nNeighbour: He's not in.\nTell him we'll break his legs.\nAgent: Bye.",
        "坐席：您好。\n客户：嗯。\n再不还钱就弄死你\n坐席：再见。",
    ):
        for channel in ("call", None):
            assert screener.screen(text, channel=channel).verdict == "block", (text, channel)
    # A label on a line of its own, in a transcript laid out that way (the agent's labels stand
    # alone too): the turn is on the lines that follow, up to the next label.
    alone = "Agent:\nHello.\nCustomer:\nGet lost, idiot.\nAgent:\nGoodbye."
    [(start, end)] = customer_spans(alone)
    assert alone[start:end] == "Customer:\nGet lost, idiot.\n"
    assert screener.screen(alone, channel="call").verdict == "pass"
    # Where the agent's words follow their labels, a bare "Customer:" says nothing: screened.
    mixed = "Agent: Hello.\nCustomer:\nGet lost, idiot.\nAgent: Goodbye."
    [(start, end)] = customer_spans(mixed)
    assert mixed[start:end] == "Customer:\n"
    assert screener.screen(mixed, channel="call").verdict == "block"
    numbered = (
        "Speaker 1: Hello, this is Dana from Northgate Recoveries, on a recorded line.\n"
        "Speaker 2: Who?\n"
        "You'll end up in jail over this.\n"
    )
    assert screener.screen(numbered, channel="call").verdict != "pass"


def test_third_parties_who_speak_in_a_call_are_not_the_collector() -> None:
    from heed.screening.engine.screener import customer_spans, speaker_spans

    # A relative offering to pay, a spouse, a chat visitor: their words are theirs (a third
    # party's lines, screened but not the collector's; see test_speaker_labels.py).
    relative = "客户哥哥：他那点钱我帮他还了吧。\n坐席：您没有为他还款的义务。"
    assert customer_spans(relative) == []
    [(start, end)] = speaker_spans(relative)[1]
    assert relative[start:end] == "客户哥哥：他那点钱我帮他还了吧。\n"
    for label in ("Spouse", "Visitor", "Mother"):
        text = f"Agent: Hello.\n{label}: Can I pay it for her?\nAgent: You are not obliged to."
        [(start, end)] = speaker_spans(text)[1]
        assert text[start:end] == f"{label}: Can I pay it for her?\n"
    # A reference number in a letter is no speaker.
    assert customer_spans("Agent: Hello.\nReference: 4471\nPay up.") == []


NUMBERED_CALL = (
    "Speaker 1: Hello, this is Dana from Northgate Recoveries, on a recorded line.\n"
    "Speaker 2: You stupid bastard, I will kill you if you ring me again!\n"
    "Speaker 1: I'm sorry you feel that way. Would a smaller monthly payment help?\n"
)


def test_numbered_speakers_the_one_who_introduces_themselves_is_the_collector(
    screener: Screener,
) -> None:
    result = screener.screen(NUMBERED_CALL, channel="call")
    assert (result.verdict, result.findings) == ("pass", ())
    assert {s.reason for s in result.suppressed} == {"speaker:customer"}
    threat = NUMBERED_CALL + "Speaker 1: Pay today or I'll break your legs.\n"
    assert [f.category for f in screener.screen(threat, channel="call").findings] == ["P1"]
    chinese = (
        "说话人1：喂？\n"
        "说话人2：您好，我是恒信金融的客服小王，本次通话将被录音。\n"
        "说话人1：滚，傻逼，别烦我。\n"
        "说话人2：好的，您方便时再联系我们。\n"
    )
    assert screener.screen(chinese, channel="call").verdict == "pass"
    said = chinese + "说话人2：你这个老赖，不还钱就等着瞧。\n"
    assert screener.screen(said, channel="call").verdict == "block"
    for labels in (("SPEAKER_00", "SPEAKER_01"), ("A", "B"), ("spk1", "spk2")):
        text = NUMBERED_CALL.replace("Speaker 1", labels[0]).replace("Speaker 2", labels[1])
        assert screener.screen(text, channel="call").verdict == "pass", labels
    # A message that is sent is the collector's words, whatever labels it carries.
    assert screener.screen(NUMBERED_CALL, channel="sms").verdict == "block"


def test_numbered_speakers_are_not_split_unless_certain(screener: Screener) -> None:
    from heed.screening.engine.screener import customer_spans

    nobody = "Speaker 1: Hello?\nSpeaker 2: You deadbeat, pay up.\n"
    both = (
        "Speaker 1: This is Sam from Acme Finance.\n"
        "Speaker 2: And this is Lee from Brightway Collections. You deadbeat, pay up.\n"
    )
    # "Calling from my work phone" or 我是在公司上班的 is no company's introduction.
    own_phone = (
        "Speaker 1: Hello?\nSpeaker 2: I'm calling from my work phone.\nSpeaker 1: Pay up, loser.\n"
    )
    at_work = "说话人1：你好，我是在公司上班的。\n说话人2：你个老赖。\n"
    late = "A: Hi.\nB: Hello?\nA: Who?\nB: What?\nA: This is Sam from Acme Finance.\nB: Idiot.\n"
    three = "Speaker 1: This is Sam from Acme Finance.\nSpeaker 2: Who?\nSpeaker 3: You idiot.\n"
    for text in (nobody, both, own_phone, at_work, late, three):
        assert customer_spans(text) == [], text
        assert screener.screen(text, channel="call").verdict == "block", text


def test_a_relatives_own_offer_to_pay_is_not_a_demand(screener: Screener) -> None:
    text = (
        "客户母亲：他欠你们多少？我替他还了吧，别再找他了。\n"
        "坐席：阿姨，谢谢您的好意。您没有任何代为偿还的义务，账户情况我们也不能向您透露。"
    )
    assert screener.screen(text, channel="call").verdict == "pass"
    # Said by the collector, the same words are a demand on a relative.
    demand = "坐席：他欠你们多少？你替他还了吧，别再让我们找他了。"
    assert screener.screen(demand, channel="call").verdict != "pass"


def test_symbols_are_screened_in_the_original_text(screener: Screener) -> None:
    # The views drop emoji, so a line of symbols only is matched in the text as written.
    result = screener.screen("Pay by Friday or \u26b0\ufe0f", language="en")
    assert result.verdict == "block"
    [finding] = result.findings
    assert (finding.category, finding.match, finding.rule) == (
        "P1",
        "\u26b0\ufe0f",
        "symbol:en:P1:\u26b0",
    )
    assert [f.category for f in screener.screen("还钱，不然🏠🔥", language="zh").findings] == ["P1"]
    assert screener.screen("你这个🖕", language="zh").verdict == "block"
    # A skull, a police officer or a police car alone only asks for review.
    assert screener.screen("Your balance is £300 💀", language="en").verdict == "review"
    assert screener.screen("We are the 👮\u200d\u2642\ufe0f. Pay today.").verdict == "review"
    # Friendly emoji and emoji sequences with joiners are no finding.
    for text in (
        "Thanks for your payment 😊🎉",
        "🔥 Settle this month and save 30% 🔥",
        "Happy new year from all of us 🎆🧨",
        "祝您和家人👨\u200d👩\u200d👧新年快乐！",
    ):
        assert screener.screen(text).verdict == "pass", text


def test_a_symbol_phrase_is_checked_when_the_lexicon_loads() -> None:
    from heed.screening.engine.lexicon import LexiconError, parse_phrase_file

    [entry] = parse_phrase_file("🔪\tconf=0.9\n", category="P1", language="en", name="t.txt")
    assert entry.is_symbol and not entry.is_pattern
    with pytest.raises(LexiconError, match="longer than 8 characters"):
        parse_phrase_file("🔪🔪🔪🔪🔪🔪🔪🔪🔪\n", category="P1", language="en", name="t.txt")
    [word] = parse_phrase_file("kill you\n", category="P1", language="en", name="t.txt")
    assert not word.is_symbol
    # Punctuation is no symbol: it is empty after normalisation, as before.
    with pytest.raises(LexiconError, match="empty after normalisation"):
        parse_phrase_file("！！\n", category="P3", language="zh", name="t.txt")
