"""What the phrase matchers cost to build: every process that reads mail compiles them once
(a first sync of 10,000 messages once spent a sixth of its time there)."""

from __future__ import annotations

from mail.signals import CHURN_RULES, DEFAULT, PhraseMatcher


def test_the_sales_scan_pattern_writes_each_rule_a_few_times_at_most() -> None:
    # Rules that can start with many letters (a list of paid features, a rival's name) are
    # written once outside the letters' branches, not once in every branch (the pattern was
    # 9.5 times the rules' own text then, and took 2-3 s to compile).
    matcher = PhraseMatcher(DEFAULT.matcher.rules)
    assert not list(matcher.hits("hello"))
    written = sum(len(rule.pattern) for rule in matcher.rules)
    assert len(matcher._lower.pattern) < 5 * written


def test_the_case_folding_scan_is_compiled_only_for_a_text_that_needs_it() -> None:
    matcher = PhraseMatcher(CHURN_RULES)
    assert [hit.words for hit in matcher.hits("Please CANCEL our subscription.")] == [
        "CANCEL our subscription"
    ]
    assert matcher._folding is None
    # "İ" lower-cases to two characters: positions in the lowered text would be off.
    found = list(matcher.hits("İ: please cancel our subscription."))
    assert matcher._folding is not None
    assert [(hit.words, hit.start) for hit in found] == [("cancel our subscription", 10)]
