"""Saved-reply variables: filling in, fallbacks, escapes, first names from display names, the
problems shown to the agent, and replies holding a placeholder never sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mail import templates
from mail.compose import ComposeError, Identity, compose_reply
from mail.templates import Context, first_name, generalize, render, unresolved
from storage.models import Address, Conversation, Status

CONTEXT = Context(
    customer_name="Emily Sullivan",
    customer_company="Acme",
    agent_name="Dana Whitfield",
    subject="Re: Fwd: Export is broken",
)


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("Jane Doe", "Jane"),
        ('"Doe, Jane"', "Jane"),
        ("Doe, Jane Mary", "Jane"),
        ("Dr. Jane Doe", "Jane"),
        ("Prof. Dr. Hans Müller", "Hans"),
        ("Mrs Jane Doe", "Jane"),
        ("Jane Doe, PhD", "Jane"),
        ("Jane Doe, Jr.", "Jane"),
        ("JANE DOE", "Jane"),
        ("jane doe", "Jane"),
        ("'Søren Ødegaard'", "Søren"),
        ("Jean-luc Picard", "Jean-luc"),
        ("Jane (Acme Corp) Doe", "Jane"),
        ("“Jane Doe”", "Jane"),
        ("Rhys O'Brien", "Rhys"),
        ("Dr. Doe", None),  # a title and a surname: no first name to trust
        ("J. Doe", None),  # an initial
        ("J.R. Doe", None),
        ("jane.doe@example.com", None),  # an address is never mined for a name
        ("", None),
        ("   ", None),
        ("42", None),
    ],
)
def test_first_name_from_display_names(display_name: str, expected: str | None) -> None:
    assert first_name(display_name) == expected


def test_variables_fill_in() -> None:
    rendered = render(
        "Hi {customer.first_name}, {customer.name} of {customer.company} about "
        "{conversation.subject}. {agent.first_name} ({agent.name})",
        CONTEXT,
    )
    assert rendered.text == (
        "Hi Emily, Emily Sullivan of Acme about Export is broken. Dana (Dana Whitfield)"
    )
    assert rendered.problems == ()


def test_fallback_used_only_without_a_value() -> None:
    template = "Hi {customer.first_name|there}, {customer.plan|your plan}"
    assert render(template, CONTEXT).text == "Hi Emily, your plan"
    nameless = Context(customer_name="support@acme.test", agent_name="Dana")
    assert render(template, nameless).text == "Hi there, your plan"
    # An empty fallback is a choice: nothing, and no problem.
    assert render("Hi{customer.plan|}!", CONTEXT) == templates.Rendered("Hi!", ())


def test_braces_escape_and_prose_braces_stay() -> None:
    rendered = render('Use {{customer.name}} in JSON {"a": 1} or {this}', CONTEXT)
    assert rendered.text == 'Use {customer.name} in JSON {"a": 1} or {this}'
    assert rendered.problems == ()


def test_a_missing_value_without_fallback_is_a_problem_kept_in_the_text() -> None:
    rendered = render("Hi {customer.first_name}, welcome to {customer.plan}!", CONTEXT)
    assert rendered.text == "Hi Emily, welcome to {customer.plan}!"
    (problem,) = rendered.problems
    assert problem.variable == "customer.plan"
    assert problem.reason == templates.NO_VALUE
    assert rendered.text[problem.start : problem.end] == "{customer.plan}"


def test_an_unknown_variable_is_a_problem_even_with_a_fallback() -> None:
    rendered = render("Hi {customer.frist_name|there} and {customer.company}", CONTEXT)
    assert rendered.text == "Hi {customer.frist_name|there} and Acme"
    (problem,) = rendered.problems
    assert (problem.variable, problem.reason) == ("customer.frist_name", templates.UNKNOWN)
    assert rendered.text[problem.start : problem.end] == "{customer.frist_name|there}"


def test_problem_offsets_follow_earlier_substitutions() -> None:
    rendered = render("{customer.name}: {colleague.first_name} {nope.x}", CONTEXT)
    assert [rendered.text[p.start : p.end] for p in rendered.problems] == [
        "{colleague.first_name}",
        "{nope.x}",
    ]


def test_values_are_cleaned_and_never_expanded_again() -> None:
    hostile = Context(customer_name="Eve\x1b[31m {agent.name}\nX", agent_name="Dana")
    rendered = render("{customer.name}", hostile)
    assert rendered.text == "Eve {agent.name} X"
    assert "\x1b" not in rendered.text and "\n" not in rendered.text


def test_colleague_variables_for_handoffs() -> None:
    context = Context(
        customer_name="Emily Sullivan",
        agent_name="Dana",
        colleague_name="Pete Lindqvist",
        colleague_description="plans and larger teams",
    )
    rendered = render("{colleague.first_name} looks after {colleague.description}", context)
    assert rendered.text == "Pete looks after plans and larger teams"


def test_unresolved_finds_placeholders_not_prose() -> None:
    assert unresolved("Hi {customer.first_name|there}, see {customer.plan}") == [
        "{customer.first_name|there}",
        "{customer.plan}",
    ]
    assert unresolved('Prices {in EUR}, JSON {"a": 1}, set {x} and {}') == []


def test_generalize_turns_names_into_variables() -> None:
    text = "Hi Emily,\n\nEmily's board is back. Emilys and EmilyX stay.\n\nDana"
    assert generalize(text, CONTEXT) == (
        "Hi {customer.first_name|there},\n\n{customer.first_name|there}'s board is back. "
        "Emilys and EmilyX stay.\n\n{agent.first_name}"
    )
    same = Context(customer_name="Dana Scully", agent_name="Dana Whitfield")
    assert generalize("Hi Dana", same) == "Hi Dana"


def _conversation() -> Conversation:
    moment = datetime(2026, 11, 20, tzinfo=UTC)
    return Conversation(
        id=1,
        subject="Export",
        customer=Address("emily@acme.test", "Emily Sullivan"),
        status=Status.OPEN,
        message_count=0,
        first_message_at=moment,
        last_message_at=moment,
        last_customer_message_at=None,
        awaiting_reply=True,
        preview="",
        flagged_count=0,
    )


def test_a_reply_holding_a_placeholder_is_never_composed() -> None:
    identity = Identity("support@acme.test", "Acme")
    rendered = render("Hi {customer.first_name}, your plan is {customer.plan}.", CONTEXT)
    with pytest.raises(ComposeError, match=r"\{customer\.plan\}"):
        compose_reply(_conversation(), [], identity, rendered.text)
    # Braces in prose do not block a reply.
    composed = compose_reply(_conversation(), [], identity, "Use {this} or {{that}}.")
    assert b"Use {this} or {{that}}." in composed.raw
