"""Customer satisfaction: the token names one conversation and resists tampering; a reply ends
with three mailto: links that parse back to the rating address and subjects; a rating mail
synced from the real Dovecot is filed in the conversation it rates and recorded with its
comment, a forged one is not; the period's figures (newest rating counts) by hand; the JSON
and CSV of `frontdesk report`; and the Reports panel, on screen."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from mail import csat
from mail.compose import Identity, compose_reply
from mail.config import AccountConfig, Config, ConfigError, CsatConfig, parse_config
from mail.ingest import Ingestor
from mail.send import queue_reply
from mail.sync import SyncEngine, SyncSettings
from storage import conversations, events, messages, metrics, outbox, ratings, waits
from storage.db import Store
from storage.models import Status
from storage.ratings import rating_secret
from storage.timeutil import to_epoch
from tests.conftest import SUPPORT, T0, ImapAccount, later, mail
from tests.support.tui import Clock, make_app, run_async, screen_text, settle, team_config
from tui.commands.report import csv_rows, report_json, summary
from tui.screens.reports import ReportsScreen, Section

SECRET = bytes(range(32))
CONFIG = Config(account=AccountConfig(email=SUPPORT, name="Acme"), csat=CsatConfig(enabled=True))
_LINK = re.compile(r"^(Good|OK|Bad): <(mailto:[^>]+)>$", re.MULTILINE)


def question(number: int, at: datetime) -> bytes:
    return mail(
        sender=f"Customer {number} <c{number}@customer.test>",
        subject=f"Question {number}",
        message_id=f"<q{number}@customer.test>",
        date=at,
    )


def ask(store: Store, number: int, at: datetime = T0) -> int:
    """A customer's question, stored: its conversation's id."""
    Ingestor(store, [SUPPORT]).ingest([question(number, at)])
    return int(store.scalar("SELECT conversation_id FROM messages ORDER BY id DESC LIMIT 1"))


def rating_mail(
    store: Store, conversation_id: int, rating: str, comment: str, at: datetime, number: int
) -> bytes:
    """What a customer's mail program sends from the rating link: our subject and body."""
    token = csat.token(rating_secret(store), conversation_id)
    return mail(
        sender=f"Customer {number} <c{number}@customer.test>",
        subject=csat.rating_subject(rating, token),
        body=f"> Anything to add?\n\n{comment}\n",
        message_id=f"<r{number}-{at.timestamp():.0f}@customer.test>",
        date=at,
    )


def body_text(sent: EmailMessage) -> str:
    part = sent.get_body()
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def links(text: str) -> dict[str, tuple[str, str, str]]:
    """The rating links of a reply's text: label → (address, subject, body), parsed back."""
    found = {}
    for label, uri in _LINK.findall(text):
        parts = urlsplit(uri)
        query = parse_qs(parts.query, strict_parsing=True)
        assert parts.scheme == "mailto"
        found[label] = (parts.path, query["subject"][0], query["body"][0])
    return found


# -- the token --------------------------------------------------------------------------------


def test_a_token_names_its_conversation_and_survives_a_mangled_subject() -> None:
    token = csat.token(SECRET, 42)
    assert re.fullmatch(r"fd-42-[a-z2-7]{16}", token)
    assert csat.token(SECRET, 42) == token  # stable
    assert csat.conversation_of(SECRET, f"Rating: good [{token}]") == 42
    assert csat.conversation_of(SECRET, f"AW: RATING: GOOD {token.upper()}") == 42
    assert csat.token(SECRET, 43) != token


def test_a_tampered_token_names_no_conversation() -> None:
    token = csat.token(SECRET, 42)
    mac = token.rsplit("-", 1)[1]
    flipped = ("b" if mac[0] == "a" else "a") + mac[1:]
    assert csat.conversation_of(SECRET, f"Rating: good [fd-43-{mac}]") is None  # another number
    assert csat.conversation_of(SECRET, f"Rating: good [fd-42-{flipped}]") is None
    assert csat.conversation_of(bytes(32), f"Rating: good [{token}]") is None  # another store
    assert csat.conversation_of(SECRET, "Rating: good [fd-42-short]") is None


def test_the_store_keeps_one_secret(store: Store) -> None:
    first = rating_secret(store)
    assert len(first) == 32
    assert rating_secret(store) == first


# -- the links in a reply ---------------------------------------------------------------------


def test_the_reply_ends_with_three_mailto_links_that_parse_back(store: Store) -> None:
    conversation_id = ask(store, 1)
    config = dataclasses.replace(CONFIG, csat=CsatConfig(enabled=True, address="rate@acme.test"))
    item = queue_reply(store, config, conversation_id, "Fixed now.", now=later(1))
    sent = email.message_from_bytes(
        outbox.get(store, item.id).raw, _class=EmailMessage, policy=email.policy.default
    )
    text = body_text(sent)

    footer = text.split("\n-- \n", 1)[1]
    assert footer.startswith("How did we do?")
    token = csat.token(rating_secret(store), conversation_id)
    assert links(footer) == {
        label: ("rate@acme.test", f"Rating: {word} [{token}]", "> " + CsatConfig().comment_prompt
                + "\r\n\r\n")
        for label, word in (("Good", "good"), ("OK", "ok"), ("Bad", "bad"))
    }  # fmt: skip
    headers = "".join(f"{name}: {value}\n" for name, value in sent.items())
    assert "fd-" not in headers and "mailto" not in headers


def test_no_links_unless_enabled_and_the_signature_comes_first(store: Store) -> None:
    conversation_id = ask(store, 1)
    plain = dataclasses.replace(CONFIG, csat=CsatConfig())
    assert csat.rating_line(store, plain, conversation_id) == ""
    composed = compose_reply(
        conversations.get(store, conversation_id),
        messages.messages_of(store, conversation_id),
        Identity(SUPPORT, "Acme", signature="Dana"),
        "Done.",
        rating_line=csat.rating_line(store, CONFIG, conversation_id),
    )
    text = composed.raw.decode()
    assert text.index("-- \r\nDana\r\n\r\nHow did we do?") < text.index("Good: <mailto:support@")
    assert "mailto:" not in text.split("\r\n\r\n", 1)[0]  # never in the headers


def test_the_config_refuses_a_bad_rating_address_and_empty_words() -> None:
    with pytest.raises(ConfigError, match=r"csat\.address"):
        parse_config({"csat": {"address": "two@a.test, three@b.test"}})
    with pytest.raises(ConfigError, match=r"csat\.good"):
        parse_config({"csat": {"good": " "}})
    assert parse_config({"csat": {"enabled": True}}).csat.enabled


# -- ratings coming back ----------------------------------------------------------------------


def sync(store: Store, account: ImapAccount) -> None:
    SyncEngine(
        store,
        account.endpoint(),
        account.password,
        [SUPPORT],
        SyncSettings(close_older_than=None, retry_delay=0.01),
    ).run_once()


def append(account: ImapAccount, raw: bytes) -> None:
    client = account.client()
    try:
        client.append("INBOX", raw)
    finally:
        client.logout()


@pytest.mark.dovecot
def test_a_synced_rating_is_filed_in_its_conversation_with_its_comment(
    store: Store, imap_account: ImapAccount
) -> None:
    append(imap_account, question(1, T0))
    sync(store, imap_account)
    (conversation,) = conversations.queue(store, "all")
    item = queue_reply(store, CONFIG, conversation.id, "Fixed now.", now=later(1))
    sent = email.message_from_bytes(
        outbox.get(store, item.id).raw, _class=EmailMessage, policy=email.policy.default
    )
    _, subject, body = links(body_text(sent))["Bad"]
    # What the customer's mail program sends: the link's subject (a little mangled, as some
    # clients do), its body, and the customer's words under the quoted prompt.
    rating = mail(
        sender="Customer 1 <c1@customer.test>",
        subject="Re: " + subject.upper().replace("[", "").replace("]", ""),
        body=body.replace("\r\n", "\n") + "Still broken on Safari.\n",
        message_id="<rating1@customer.test>",
        date=later(2),
    )
    append(imap_account, rating)
    sync(store, imap_account)

    assert [c.id for c in conversations.queue(store, "all")] == [conversation.id]
    (recorded,) = ratings.ratings_of(store, conversation.id)
    assert (recorded.rating, recorded.comment) == ("bad", "Still broken on Safari.")
    assert recorded.customer == "Customer 1"
    thread = messages.messages_of(store, conversation.id)
    assert thread[-1].id == recorded.message_row_id and not thread[-1].is_ours


@pytest.mark.dovecot
def test_a_forged_token_is_an_ordinary_message_and_says_why(
    store: Store, imap_account: ImapAccount
) -> None:
    append(imap_account, question(1, T0))
    append(imap_account, question(2, T0))
    sync(store, imap_account)
    first, second = sorted(c.id for c in conversations.queue(store, "all"))
    token = csat.token(rating_secret(store), first)
    # Customer 2 rates conversation 1 by changing the number in their own link.
    forged = token.replace(f"fd-{first}-", f"fd-{second}-")
    append(
        imap_account,
        mail(
            sender="Customer 2 <c2@customer.test>",
            subject=f"Rating: bad [{forged}]",
            message_id="<forged@customer.test>",
            date=later(2),
        ),
    )
    sync(store, imap_account)

    assert store.scalar("SELECT count(*) FROM ratings") == 0
    landed = int(
        store.scalar(
            "SELECT conversation_id FROM messages WHERE message_id = 'forged@customer.test'"
        )
    )
    assert landed not in (first, second)  # threaded as any message: a new conversation
    (refused,) = [e for e in events.events_for(store, landed) if e.kind == csat.REFUSED_EVENT]
    assert "token does not match" in refused.detail


def test_a_rating_needs_one_rating_word_and_may_come_percent_encoded(store: Store) -> None:
    conversation_id = ask(store, 1)
    token = csat.token(rating_secret(store), conversation_id)
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(
                sender="Customer 1 <c1@customer.test>",
                subject=f"good or bad? [{token}]",
                message_id="<undecided@customer.test>",
                date=later(1),
            ),
            mail(
                sender="Customer 1 <c1@customer.test>",
                subject=f"Rating%3A%20okay%20%5B{token}%5D",  # a client that left it encoded
                message_id="<encoded@customer.test>",
                date=later(2),
            ),
        ]
    )
    (counted,) = ratings.ratings_of(store, conversation_id)
    assert counted.rating == "ok"
    undecided = int(
        store.scalar(
            "SELECT conversation_id FROM messages WHERE message_id = ?",
            ("undecided@customer.test",),
        )
    )
    (refused,) = [e for e in events.events_for(store, undecided) if e.kind == csat.REFUSED_EVENT]
    assert "no one rating" in refused.detail


# -- the figures ------------------------------------------------------------------------------


@pytest.fixture
def rated(store: Store) -> Store:
    """Four conversations rated over ten days from T0 (day d is T0 + d days):
    1: good on day 1, then bad with a comment on day 3 (the newest counts);
    2: ok with a comment on day 2; 3: good on day 5; 4: good on day 12, after the period."""
    day = [T0 + timedelta(days=d) for d in range(13)]
    ids = [ask(store, n, T0 - timedelta(days=1)) for n in (1, 2, 3, 4)]
    Ingestor(store, [SUPPORT]).ingest(
        [
            rating_mail(store, ids[0], "good", "", day[1], 1),
            rating_mail(store, ids[0], "bad", "Broke again [bold]today[/bold]", day[3], 1),
            rating_mail(store, ids[1], "ok", "Slow, but it works.", day[2], 2),
            rating_mail(store, ids[2], "good", "", day[5], 3),
            rating_mail(store, ids[3], "good", "", day[12], 4),
        ]
    )
    return store


def test_satisfaction_counts_each_conversations_newest_rating_in_the_period(rated: Store) -> None:
    figures = ratings.satisfaction(rated, T0, T0 + timedelta(days=10))
    assert (figures.ratings, figures.good, figures.ok, figures.bad) == (3, 1, 1, 1)
    assert figures.percent_satisfied == pytest.approx(100 / 3)
    assert [(c.rating, c.comment) for c in figures.comments] == [
        ("bad", "Broke again [bold]today[/bold]"),  # newest first
        ("ok", "Slow, but it works."),
    ]
    assert figures.comments[0].customer == "Customer 1"
    # Before the change of mind, conversation 1 was a good one.
    early = ratings.satisfaction(rated, T0, T0 + timedelta(days=2))
    assert (early.ratings, early.good, early.percent_satisfied) == (1, 1, 100.0)
    none = ratings.satisfaction(rated, T0 - timedelta(days=30), T0)
    assert (none.ratings, none.percent_satisfied, none.comments) == (0, None, ())


def test_the_report_json_and_csv_carry_the_satisfaction(rated: Store) -> None:
    period = metrics.Period(T0, T0 + timedelta(days=10))
    report = metrics.report(rated, period, policy=None, owners={}, now=period.end)
    doc = report_json(report)["satisfaction"]
    assert set(doc) == {"ratings", "good", "ok", "bad", "percent_satisfied", "comments"}
    assert (doc["ratings"], doc["good"], doc["ok"], doc["bad"]) == (3, 1, 1, 1)
    assert doc["percent_satisfied"] == 33.3
    assert [set(c) for c in doc["comments"]] == [
        {"conversation_id", "customer", "rating", "comment", "rated_at"}
    ] * 2
    assert doc["comments"][1]["comment"] == "Slow, but it works."
    assert "Satisfaction: 33% good of 3 ratings (1 good, 1 ok, 1 bad)" in summary(report)
    rows = list(csv_rows(report_json(report)))
    assert ("satisfaction", "", "percent_satisfied", 33.3) in rows
    assert ("rating_comment", doc["comments"][0]["conversation_id"], "rating", "bad") in rows


# -- the Reports panel ------------------------------------------------------------------------


@pytest.mark.usefixtures("utc_local_time")
@run_async
async def test_the_reports_panel_shows_the_share_and_comments_as_text(
    rated: Store, tmp_path: Path
) -> None:
    assert rated.path is not None
    app = make_app(rated.path, tmp_path, clock=Clock(T0 + timedelta(days=10)), demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "r")  # the last 28 days: every rating but day 12's
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        panel = app.screen.query_one("#section-satisfaction", Section)
        assert panel.display
        shown = panel.plain()
        assert shown.startswith("33% good of 3 ratings")
        assert "Broke again [bold]today[/bold]" in shown
        for _ in range(60):  # j scrolls down to the panel, at the end
            if "Broke again" in screen_text(app):
                break
            await pilot.press("j")
            await settle(pilot, rounds=1)
        assert "Broke again [bold]today[/bold]" in screen_text(app)  # literally, not bold


@pytest.mark.usefixtures("utc_local_time")
@run_async
async def test_no_panel_without_ratings_or_csat(store: Store, tmp_path: Path) -> None:
    ask(store, 1)
    assert store.path is not None
    enabled = dataclasses.replace(team_config(), csat=CsatConfig(enabled=True))
    for config, shown in ((team_config(), False), (enabled, True)):
        app = make_app(store.path, tmp_path, config=config, demo=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("g", "r")
            await settle(pilot)
            panel = app.screen.query_one("#section-satisfaction", Section)
            assert panel.display is shown
            if shown:
                assert panel.plain() == "no ratings in this period"


def test_a_rating_asks_nothing_of_us_but_a_bad_one_with_words_does(store: Store) -> None:
    first, second = ask(store, 1), ask(store, 2)
    answered = T0 + timedelta(minutes=30)
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(
                sender=SUPPORT, to=f"c{n}@customer.test", subject=f"Re: Question {n}",
                message_id=f"<a{n}@support.test>", in_reply_to=f"<q{n}@customer.test>",
                references=f"<q{n}@customer.test>", date=answered,
            )
            for n in (1, 2)
        ]
    )  # fmt: skip
    for conversation_id in (first, second):
        conversations.set_status(
            store, conversation_id, Status.CLOSED, actor="Dana", at=T0 + timedelta(hours=1)
        )
    Ingestor(store, [SUPPORT]).ingest(
        [
            rating_mail(store, first, "good", "", T0 + timedelta(hours=2), 1),
            rating_mail(store, second, "bad", "Still broken.", T0 + timedelta(hours=2), 2),
        ]
    )
    assert ratings.satisfaction(store, T0, T0 + timedelta(days=1)).ratings == 2
    # A click on "Good" leaves the conversation closed and starts no wait for a reply.
    assert conversations.get(store, first).status == Status.CLOSED
    waits.refresh(store)
    started = "SELECT started_at FROM waits WHERE conversation_id = ? ORDER BY started_at"
    assert [r[0] for r in store.conn.execute(started, (first,))] == [to_epoch(T0)]
    # "Bad" with words is something a human should read: it reopens and waits for us.
    assert conversations.get(store, second).status == Status.OPEN
    assert [r[0] for r in store.conn.execute(started, (second,))] == [
        to_epoch(T0),
        to_epoch(T0 + timedelta(hours=2)),
    ]


def test_a_rating_counts_only_from_someone_who_wrote_in_the_conversation(store: Store) -> None:
    first = ask(store, 1)
    ask(store, 2)
    # Customer 2 sends a rating naming conversation 1 (a number given again after a merge, or
    # a link passed around): not counted, an ordinary message, and the journal says why.
    Ingestor(store, [SUPPORT]).ingest(
        [rating_mail(store, first, "bad", "Terrible", T0 + timedelta(hours=1), 2)]
    )
    assert ratings.satisfaction(store, T0, T0 + timedelta(days=1)).ratings == 0
    refused = store.conn.execute(
        "SELECT conversation_id, json_extract(detail, '$.reason') FROM events WHERE kind = ?",
        (csat.REFUSED_EVENT,),
    ).fetchall()
    assert [reason for _, reason in refused] == [f"its sender never wrote in conversation {first}"]
    assert refused[0][0] != first  # filed as an ordinary message, not in the one it named
