"""Lawful text that carries a person's name — a salutation, a greeting, an approved template
rendered for a debtor — passes with every layer on. The names here appear in no training file
(``heed/screening/data/``), so this checks what the classifiers do with names they never saw."""

from __future__ import annotations

import itertools

import pytest

from heed.screening import outgoing
from heed.screening.demo import APPROVED
from heed.screening.engine.classifier import ColdClassifier
from heed.screening.engine.domain import train_domain
from heed.screening.engine.evaluation import training_messages
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import Screener
from heed.screening.selectors import CLASSIFIER_PATH, CLASSIFIER_THRESHOLD, DOMAIN_THRESHOLD

EN_FIRST = ("Priya", "Mohammed", "Chloe", "Daniel", "Fatima", "Lucas", "Sofia", "Zara", "Nadia")
EN_LAST = ("Patel", "Nguyen", "Okafor", "Kowalski", "Garcia", "Singh", "Turner", "Hughes", "Kim")
ZH_NAMES = ("欧阳娜娜", "上官婉", "司马光明", "慕容雪", "皇甫明", "夏侯杰", "公孙丽", "宇文博")
EN_FORMS = (
    "Dear {first} {last},",
    "Hi {first} {last},",
    "{first} {last}",
    "Good morning {first} {last}.",
)
ZH_FORMS = ("尊敬的{name}：", "{name}您好，", "{name}", "客户姓名：{name}")


@pytest.fixture(scope="module")
def every_layer() -> Screener:
    return Screener(
        load_lexicon(),
        classifier=ColdClassifier.load(CLASSIFIER_PATH),
        classifier_threshold=CLASSIFIER_THRESHOLD,
        domain=train_domain(training_messages()),
        domain_threshold=DOMAIN_THRESHOLD,
    )


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
