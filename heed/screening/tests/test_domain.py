"""The in-domain classifier learns from sentences as well as whole messages: the screener
classifies sentence by sentence, while the labelled messages are labelled whole."""

from __future__ import annotations

from heed.screening.engine.domain import (
    LAWFUL,
    SENTENCES_PER_MESSAGE,
    DomainClassifier,
    sentence_examples,
    train_domain,
)
from heed.screening.engine.evaluation import LabelledMessage, training_messages
from heed.screening.selectors import DOMAIN_THRESHOLD

LAWFUL_CALL = (
    "Agent: This is Robin from Eastbrook Finance. Is that right? "
    "Your balance is £37.90. Would you like a payment plan?"
)
THREAT = (
    "Hello Dan. Your balance is £420.15. Pay by Friday or we will break your legs. "
    "We know where your kids go to school."
)


def _message(number: int, text: str, categories: frozenset[str] = frozenset()) -> LabelledMessage:
    expected = "block" if categories else "pass"
    return LabelledMessage(f"t{number}", "en", categories, None, expected, text)


def test_lawful_sentences_and_the_strongest_violating_ones_become_examples() -> None:
    first = train_domain(training_messages(), sentences=False)
    items = [
        _message(1, LAWFUL_CALL),
        _message(2, THREAT, frozenset({"P2", "P1"})),
        _message(3, "Pay today or we will break your legs.", frozenset({"P1"})),  # one sentence
        _message(4, "Is that right?"),  # a message text already: no second copy
    ]
    texts, labels = sentence_examples(items, first)
    lawful = [t for t, label in zip(texts, labels, strict=True) if label == LAWFUL]
    violating = [t for t, label in zip(texts, labels, strict=True) if label != LAWFUL]
    assert lawful == [
        "Agent: This is Robin from Eastbrook Finance.",
        "Your balance is £37.90.",
        "Would you like a payment plan?",
    ]
    # The message's label is its first category; its two strongest sentences carry it.
    assert len(violating) == SENTENCES_PER_MESSAGE == 2
    assert set(labels) == {LAWFUL, "P1"}
    assert "Pay by Friday or we will break your legs." in violating
    assert "Hello Dan." not in violating
    assert "Pay today or we will break your legs." not in texts


def test_sentence_examples_lower_the_scores_of_unseen_lawful_sentences(
    domain_model: DomainClassifier,
) -> None:
    # Lawful lines of the kind long texts are full of, written for this test: none occurs
    # anywhere in the training data, not even inside a message.
    lines = [
        "Does that sound fair to you?",
        "Sorry, could you say that again?",
        "Let me just check that for you.",
        "Would now be a convenient moment to chat?",
        "Shall I read that back to you?",
        "Okay, and what about your outgoings?",
        "Right, I can see that on the system.",
        "没问题，我这边帮您记一下。",
        "好的，您稍等，我查一下。",
        "那您看这个方案可以吗？",
        "嗯，我理解您的意思。",
    ]
    messages = training_messages()
    everything = "\n".join(m.text for m in messages)
    assert not [line for line in lines if line in everything]
    plain = [score for _category, score in train_domain(messages, sentences=False).predict(lines)]
    with_sentences = [score for _category, score in domain_model.predict(lines)]
    assert sum(with_sentences) < 0.7 * sum(plain)
    held = sum(score >= DOMAIN_THRESHOLD for score in with_sentences)
    assert held <= sum(score >= DOMAIN_THRESHOLD for score in plain)
