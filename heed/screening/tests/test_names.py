"""Lawful text that carries a person's name — a salutation, a greeting, an approved template
rendered for a debtor — and everyday lawful collection sentences pass with every layer on. The
names and sentences here appear in no training file (``heed/screening/data/``), so this checks
what the classifiers do with wording they never saw."""

from __future__ import annotations

import itertools

from heed.screening import outgoing
from heed.screening.demo import APPROVED
from heed.screening.engine.evaluation import training_messages
from heed.screening.engine.screener import Screener

EN_FIRST = (
    "Anjali",
    "Mohammed",
    "Ngozi",
    "Tamsin",
    "Fatima",
    "Ishaan",
    "Sofia",
    "Zara",
    "Thandiwe",
)
EN_LAST = (
    "Przybylski",
    "Nguyen",
    "Obradovic",
    "Kowalski",
    "Garcia",
    "Singh",
    "Turner",
    "Szymanski",
    "Kim",
)
ZH_NAMES = ("欧阳娜娜", "上官婉", "司马光明", "慕容雪", "皇甫明", "夏侯杰", "公孙丽", "宇文博")
EN_FORMS = (
    "Dear {first} {last},",
    "Hi {first} {last},",
    "{first} {last}",
    "Good morning {first} {last}.",
)
ZH_FORMS = ("尊敬的{name}：", "{name}您好，", "{name}", "客户姓名：{name}")


def test_training_files_do_not_hold_the_names_used_here() -> None:
    texts = " ".join(message.text for message in training_messages())
    for name in (*EN_FIRST, *EN_LAST, *ZH_NAMES):
        assert name not in texts


def test_salutations_and_names_pass(every_layer: Screener) -> None:
    texts = [
        form.format(first=first, last=last)
        for form, first, last in itertools.product(EN_FORMS, EN_FIRST, EN_LAST)
    ]
    texts += [form.format(name=name) for form, name in itertools.product(ZH_FORMS, ZH_NAMES)]
    held = [
        (text, [finding.rule for finding in result.findings])
        for text, result in zip(texts, every_layer.screen_many(texts), strict=True)
        if result.verdict != "pass"
    ]
    assert held == []


def test_demo_templates_rendered_for_many_debtors_pass(every_layer: Screener) -> None:
    names = itertools.cycle(
        [f"{first} {last}" for first, last in zip(EN_FIRST, reversed(EN_LAST), strict=True)]
    )
    zh_names = itertools.cycle(ZH_NAMES)
    rendered: list[str] = []
    for _code, _name, channel, language, audience, region, subject, body in APPROVED:
        assert (
            outgoing.template_problems(
                body=f"{subject}\n{body}", channel=channel, audience=audience, region=region
            )
            == {}
        )
        for amount in ("1,250.00 GBP", "84,310.07 CNY", "99.10 USD", "5,000.00 USD"):
            values = dict(
                outgoing.SAMPLE_VALUES,
                debtor_name=next(names) if language == "en" else next(zh_names),
                amount=amount,
                callback_number="0800 123 4567",
            )
            rendered.append(outgoing.render(f"{subject}\n{body}" if subject else body, values))
    held = [
        (text[:40], [(finding.category, finding.match) for finding in result.findings])
        for text, result in zip(rendered, every_layer.screen_many(rendered), strict=True)
        if result.verdict != "pass"
    ]
    assert held == []


EVERYDAY = (
    "Please call us back.",
    "Please call us back when you can.",
    "Thank you for your payment.",
    "We can offer a payment plan.",
    "Please contact us to discuss your options.",
    "Your account is overdue.",
    "This is a reminder about your account.",
    "If you have already paid, please ignore this message.",
    "You can reply to this e-mail with any questions.",
    "Our office is open Monday to Friday, 9am to 6pm.",
    "We are here to help.",
    "Let us know what you can afford.",
    "We received your message.",
    "Your next instalment is due on Friday.",
    "Please keep this letter for your records.",
    "If you are in financial difficulty, free advice is available.",
    "We will not call you at work if you tell us it is inconvenient.",
    "You have the right to dispute this debt.",
    "Please confirm your address.",
    "Thanks for speaking with me today.",
    "We have put your account on hold while we look into your complaint.",
    "I am calling about a personal business matter.",
    "Please have them call me back.",
    "We agreed on a plan of 50 GBP a month.",
    "Your payment was received and your balance is now 120 USD.",
    "We will write to you with a summary of our call.",
    "Could you let me know a good time to call?",
    "Is this still the best number to reach you?",
    "We can pause collection while you get advice.",
    "Please do not send cash by post.",
    "请您回电。",
    "感谢您的还款。",
    "我们可以为您提供分期还款方案。",
    "请联系我们了解您的选择。",
    "您的账户已逾期。",
    "这是关于您账户的提醒。",
    "如您已还款，请忽略本短信。",
    "如有疑问，请回复本邮件。",
    "我们的工作时间是周一至周五九点到六点。",
    "我们愿意帮助您。",
    "请告诉我们您能承受的还款金额。",
    "我们已收到您的信息。",
    "您的下一期还款日是周五。",
    "请妥善保存本函件。",
    "如您有经济困难，可以申请延期。",
    "您有权对本笔债务提出异议。",
    "请确认您的地址。",
    "感谢您今天的沟通。",
    "您的投诉正在处理中，我们已暂停催收。",
    "我们约定每月还款五百元。",
    "您的还款已到账，剩余欠款一百二十元。",
    "我们会把本次通话的要点发给您。",
    "请问什么时间方便给您打电话？",
    "这个号码还能联系到您吗？",
    "请勿通过非官方渠道转账。",
)


def test_everyday_sentences_are_not_held(every_layer: Screener) -> None:
    """Measured when this was written: 3 of these 55 held before ``lawful_common_v1.csv`` and
    the 0.65 review threshold, 1 after ("We will write to you with a summary of our call.").
    With training_v11, the sentence examples and the 0.60 threshold: 2 ("Please call us back.",
    "Please confirm your address."), and 1 after ``lawful_common_v2.csv`` ("Please confirm your
    address." as P14 at 0.91: the prize and parcel pretexts of the training sets ask for it)."""
    training = {message.text for message in training_messages()}
    assert not training & set(EVERYDAY)
    held = [
        text
        for text, result in zip(EVERYDAY, every_layer.screen_many(list(EVERYDAY)), strict=True)
        if result.verdict != "pass"
    ]
    assert len(held) <= 1, held
