"""The demo mailbox: deterministic, threaded like real mail, varied, and big when asked."""

import ast
import email
import email.policy
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail import demo
from mail.demo import SUPPORT_ADDRESS, SUPPORT_NAME, customers, generate, iter_messages

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # the documented default
REPLY_PREFIXES = ("Re: ", "RE: ", "AW: ")
DATE_LINE = re.compile(rb"^Date: (.+?)\r$", re.MULTILINE)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def is_ours(message: EmailMessage) -> bool:
    return SUPPORT_ADDRESS in str(message["From"])


def thread_roots(messages: list[EmailMessage]) -> dict[str, list[EmailMessage]]:
    """Messages grouped by the first message of their thread, following In-Reply-To."""
    by_id = {m["Message-ID"]: m for m in messages}
    threads: dict[str, list[EmailMessage]] = defaultdict(list)
    for m in messages:
        root = m
        while root["In-Reply-To"] in by_id:
            root = by_id[root["In-Reply-To"]]
        threads[root["Message-ID"]].append(m)
    return threads


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


@pytest.fixture(scope="module")
def raw() -> list[bytes]:
    return generate()


@pytest.fixture(scope="module")
def messages(raw: list[bytes]) -> list[EmailMessage]:
    return [parse(b) for b in raw]


@pytest.fixture(scope="module")
def threads(messages: list[EmailMessage]) -> dict[str, list[EmailMessage]]:
    return thread_roots(messages)


# --- determinism ---------------------------------------------------------------------------


def test_same_arguments_give_the_same_bytes(raw: list[bytes]) -> None:
    assert generate() == raw
    assert list(iter_messages()) == raw
    assert generate(now=NOW) == raw  # the default now is fixed, not the clock


def test_another_seed_gives_another_mailbox(raw: list[bytes]) -> None:
    other = generate(seed=8)
    assert other != raw
    assert {parse(b)["Message-ID"] for b in other}.isdisjoint(parse(b)["Message-ID"] for b in raw)


def test_now_moves_the_whole_mailbox() -> None:
    later = datetime(2031, 3, 4, 9, 30, tzinfo=UTC)
    dates = [parse(b)["Date"].datetime for b in generate(conversations=40, now=later)]
    assert max(dates) <= later
    assert min(dates) >= later - timedelta(days=60)


def test_customers_are_deterministic_too() -> None:
    assert customers() == customers()
    assert customers(seed=1) != customers(seed=2)


# --- shape of the default run -----------------------------------------------------------


def test_default_run_has_about_300_conversations(threads: dict[str, list[EmailMessage]]) -> None:
    assert 280 <= len(threads) <= 320


def test_every_first_message_starts_a_new_subject(messages: list[EmailMessage]) -> None:
    firsts = [m for m in messages if not m["In-Reply-To"]]
    fresh = [m for m in firsts if not str(m["Subject"]).startswith(REPLY_PREFIXES)]
    assert len(fresh) == 300  # one per conversation asked for


def test_dates_ascend_within_the_last_60_days(messages: list[EmailMessage]) -> None:
    dates = [m["Date"].datetime for m in messages]
    assert dates == sorted(dates)
    assert dates[0] >= NOW - timedelta(days=60)
    assert dates[-1] <= NOW
    assert len({d.utcoffset() for d in dates}) >= 5  # each sender's own time zone


def test_recent_days_are_busier_than_old_ones(threads: dict[str, list[EmailMessage]]) -> None:
    starts = [t[0]["Date"].datetime for t in threads.values()]
    recent = sum(1 for d in starts if d > NOW - timedelta(days=20))
    old = sum(1 for d in starts if d <= NOW - timedelta(days=40))
    assert recent > old * 1.3


def test_weekdays_are_busier_than_weekends(messages: list[EmailMessage]) -> None:
    weekend = sum(1 for m in messages if m["Date"].datetime.weekday() >= 5)
    assert weekend < len(messages) * 0.2


def test_about_two_and_a_half_messages_per_conversation(
    messages: list[EmailMessage], threads: dict[str, list[EmailMessage]]
) -> None:
    assert 2.0 <= len(messages) / len(threads) <= 3.0


def test_most_conversations_have_an_answer_but_not_the_newest(
    threads: dict[str, list[EmailMessage]],
) -> None:
    older = [t for t in threads.values() if t[0]["Date"].datetime < NOW - timedelta(days=3)]
    answered = [t for t in older if any(is_ours(m) for m in t)]
    assert 0.85 <= len(answered) / len(older) < 1.0  # a few forgotten ones, as in real life
    fresh = [t for t in threads.values() if t[0]["Date"].datetime > NOW - timedelta(days=2)]
    assert len(fresh) >= 5
    assert sum(1 for t in fresh if any(is_ours(m) for m in t)) < len(fresh) / 2


def test_some_customers_wrote_again_after_our_answer(
    threads: dict[str, list[EmailMessage]],
) -> None:
    waiting_again = [t for t in threads.values() if not is_ours(t[-1]) and any(map(is_ours, t))]
    assert len(waiting_again) >= 10


# --- every message is sound -------------------------------------------------------------


def test_every_message_parses_without_defects(raw: list[bytes]) -> None:
    for b in raw:
        message = parse(b)
        defects = [d for part in message.walk() for d in part.defects]
        assert not defects, (message["Message-ID"], defects)
        for name in ("From", "To", "Date", "Subject", "Message-ID", "MIME-Version"):
            assert message[name], (name, message["Message-ID"])
        for part in message.walk():
            if part.get_content_maintype() != "multipart":
                part.get_content()  # decodes: charset and transfer encoding agree


def test_wire_format_is_crlf_with_ascii_headers(raw: list[bytes]) -> None:
    for b in raw:
        assert b"\n" not in b.replace(b"\r\n", b"")
        head = b.split(b"\r\n\r\n", 1)[0]
        assert head.isascii()
        assert max(len(line) for line in b.split(b"\r\n")) <= 998


def test_message_ids_are_unique_and_look_right(messages: list[EmailMessage]) -> None:
    ids = [m["Message-ID"] for m in messages]
    assert len(set(ids)) == len(ids)
    for m in messages:
        domain = "trellis.app" if is_ours(m) else "mail." + m["From"].addresses[0].domain
        assert re.fullmatch(rf"<[0-9a-f]+@{re.escape(domain)}>", m["Message-ID"])


def test_replies_point_at_earlier_messages(messages: list[EmailMessage]) -> None:
    seen: set[str] = set()
    replies = 0
    for m in messages:
        if m["In-Reply-To"]:
            replies += 1
            references = str(m["References"]).split()
            assert m["In-Reply-To"] in seen
            assert references[-1] == m["In-Reply-To"]
            assert set(references) <= seen
            assert str(m["Subject"]).startswith(REPLY_PREFIXES)
        seen.add(m["Message-ID"])
    assert replies > 300


def test_a_few_follow_ups_lost_their_threading_headers(messages: list[EmailMessage]) -> None:
    orphans = [
        m for m in messages if not m["In-Reply-To"] and str(m["Subject"]).startswith(REPLY_PREFIXES)
    ]
    follow_ups = [m for m in messages if not is_ours(m) and m["In-Reply-To"]]
    assert 1 <= len(orphans) <= 0.05 * len(follow_ups)
    assert not any(is_ours(m) for m in orphans)


def test_our_replies_quote_the_customer_and_are_signed(messages: list[EmailMessage]) -> None:
    ours = [m for m in messages if is_ours(m)]
    assert len(ours) > 100
    names = {str(m["From"].addresses[0].display_name) for m in ours}
    assert names == {SUPPORT_NAME, "Dana at Trellis"}
    for m in ours:
        text = plain_text(m)
        assert re.search(r"^On .+ wrote:$", text, re.MULTILINE), m["Message-ID"]
        assert "\n> " in text
        assert re.search(r"^(— )?(Dana|Sam)$", text, re.MULTILINE), text[:400]


def test_customers_quote_us_in_their_own_clients_styles(messages: list[EmailMessage]) -> None:
    texts = [plain_text(m) for m in messages if not is_ours(m) and m["In-Reply-To"]]
    styles = {
        "gmail": r"^On \w{3}, .+ at .+ wrote:$",
        "outlook": r"^(-----Original Message-----|_{32}|Von: .+)$",
        "apple": r"^On .+, at \d+:\d\d( [AP]M)?, .+ wrote:$",
        "thunderbird": r"^On \d+/\d+/\d+ \d+:\d\d.*, .+ wrote:$",
        "mobile": r"^Sent from my (iPhone|Galaxy)$",
    }
    for style, pattern in styles.items():
        assert any(re.search(pattern, t, re.MULTILINE) for t in texts), style


# --- the mix ---------------------------------------------------------------------------


def test_mime_variety(messages: list[EmailMessage]) -> None:
    def has_plain(m: EmailMessage) -> bool:
        return any(p.get_content_type() == "text/plain" and not p.is_attachment() for p in m.walk())

    alternative = [
        m
        for m in messages
        if any(p.is_multipart() and p.get_content_subtype() == "alternative" for p in m.walk())
    ]
    html_only = [m for m in messages if not has_plain(m)]
    assert 0.15 <= len(alternative) / len(messages) <= 0.4
    assert 0.02 <= len(html_only) / len(messages) <= 0.1
    assert any(
        'dir="ltr"' in p.get_content()
        for m in alternative
        for p in m.walk()
        if p.get_content_type() == "text/html"
    )
    assert any("MsoNormal" in plain_text(m) for m in html_only)


def test_attachments_including_awkward_names(messages: list[EmailMessage]) -> None:
    with_files = [m for m in messages if any(True for _ in m.iter_attachments())]
    assert 0.03 <= len(with_files) / len(messages) <= 0.1
    names = [a.get_filename() or "" for m in with_files for a in m.iter_attachments()]
    assert "../../invoice<2026>.pdf" in names
    assert any(not n.isascii() for n in names)
    types = {a.get_content_type() for m in with_files for a in m.iter_attachments()}
    assert {"image/png", "application/pdf"} <= types
    png = next(
        a for m in with_files for a in m.iter_attachments() if a.get_content_type() == "image/png"
    )
    assert png.get_content().startswith(b"\x89PNG\r\n\x1a\n")


def test_charsets_and_encoded_headers(raw: list[bytes], messages: list[EmailMessage]) -> None:
    charsets = {p.get_content_charset() for m in messages for p in m.walk()}
    assert {"iso-8859-1", "windows-1252"} & charsets
    assert "utf-8" in charsets
    assert any(not str(m["Subject"]).isascii() for m in messages)
    assert any(b"=?" in b.split(b"\r\n\r\n", 1)[0] for b in raw)  # RFC 2047 on the wire
    names = {m["From"].addresses[0].display_name for m in messages}
    assert "Zoë Müller" in names
    assert sum(1 for n in names if not n.isascii()) >= 10


def test_reply_to_and_cc_appear_now_and_then(messages: list[EmailMessage]) -> None:
    reply_to = [m for m in messages if m["Reply-To"]]
    assert reply_to
    assert all(m["Reply-To"].addresses[0] != m["From"].addresses[0] for m in reply_to)
    assert 0 < sum(1 for m in messages if m["Cc"]) < len(messages) * 0.2


def test_an_outage_brings_several_customers_within_an_hour(messages: list[EmailMessage]) -> None:
    outage = re.compile(r"\b(down|502|outage|not loading)\b", re.IGNORECASE)
    firsts = [m for m in messages if not m["In-Reply-To"] and outage.search(str(m["Subject"]))]
    best = 0
    for m in firsts:
        start = m["Date"].datetime
        senders = {
            str(o["From"].addresses[0].addr_spec)
            for o in firsts
            if timedelta(0) <= o["Date"].datetime - start <= timedelta(hours=1)
        }
        best = max(best, len(senders))
    assert best >= 3


def test_two_customers_ask_for_help_one_of_them_twice(messages: list[EmailMessage]) -> None:
    helps = [m for m in messages if m["Subject"] == "Help" and not m["In-Reply-To"]]
    by_sender: dict[str, set[date]] = defaultdict(set)
    for m in helps:
        by_sender[m["From"].addresses[0].addr_spec].add(m["Date"].datetime.date())
    assert len(by_sender) == 2
    assert sorted(len(days) for days in by_sender.values()) == [1, 2]


def test_message_sizes_are_realistic(raw: list[bytes]) -> None:
    sizes = [len(b) for b in raw]
    assert 1024 <= statistics.median(sizes) <= 20 * 1024
    assert max(sizes) < 200 * 1024


def test_customers_cover_every_tier() -> None:
    people = customers()
    assert len(people) == 120
    assert len({c.email for c in people}) == 120
    by_tier = defaultdict(list)
    for c in people:
        by_tier[c.tier].append(c)
    assert set(by_tier) == {"vip", "trial", "paying", "free", "lapsed", "unknown"}
    assert all(c.mrr is not None and c.mrr >= 1500 and c.company for c in by_tier["vip"])
    assert len(by_tier["vip"]) < len(people) * 0.1
    assert all(c.plan in (None, "Starter", "Team", "Business", "Enterprise") for c in people)
    for c in by_tier["trial"]:
        assert c.trial_ends is not None
        assert NOW.date() - timedelta(days=3) <= c.trial_ends <= NOW.date() + timedelta(days=14)
    assert all(c.company is None for c in by_tier["free"])
    companies = defaultdict(set)
    for c in people:
        if c.company:
            companies[c.company].add(c.email.split("@")[1])
    assert all(len(domains) == 1 for domains in companies.values())
    assert max(sum(1 for c in people if c.company == name) for name in companies) >= 3
    assert {"Zoë Müller", "José Núñez", "李娜", "Łukasz Wójcik", "Søren Ødegaard"} <= {
        c.name for c in people
    }


def test_the_demo_writes_from_its_customers(messages: list[EmailMessage]) -> None:
    known = {c.email for c in customers()}
    senders = {m["From"].addresses[0].addr_spec for m in messages if not is_ours(m)}
    assert senders <= known
    assert len(senders) > 60


# --- scale and edges --------------------------------------------------------------------


def test_iter_messages_is_lazy() -> None:
    stream = iter_messages(conversations=100_000)
    assert isinstance(stream, Iterator)
    assert parse(next(stream))["Message-ID"]  # the first message comes without the other 249,999


def test_5000_conversations_scale_and_stay_sorted() -> None:
    count, last = 0, datetime.min.replace(tzinfo=UTC)
    for b in iter_messages(conversations=5000):
        count += 1
        match = DATE_LINE.search(b)
        assert match is not None
        when = parsedate_to_datetime(match.group(1).decode("ascii"))
        assert when >= last
        last = when
    assert 10_000 <= count <= 15_000


def test_customer_count_scales_with_conversations() -> None:
    people = customers(count=2000)
    assert len({c.email for c in people}) == 2000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    conversations=st.integers(0, 40),
    days=st.integers(1, 90),
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
)
def test_any_small_mailbox_is_sound(
    seed: int, conversations: int, days: int, now: datetime
) -> None:
    parsed = [parse(b) for b in generate(seed, conversations, days, now)]
    orphans = [
        m for m in parsed if not m["In-Reply-To"] and str(m["Subject"])[:4] in REPLY_PREFIXES
    ]
    assert len(thread_roots(parsed)) == conversations + len(orphans)
    assert len({m["Message-ID"] for m in parsed}) == len(parsed)
    dates = [m["Date"].datetime for m in parsed]
    assert dates == sorted(dates)
    assert all(now - timedelta(days=days) <= d <= now for d in dates)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        next(iter_messages(days=0))
    with pytest.raises(ValueError):
        generate(conversations=-1)


def test_only_the_standard_library_is_imported() -> None:
    tree = ast.parse(Path(demo.__file__).read_text(encoding="utf-8"))
    modules = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {m.split(".")[0] for m in modules} - {"__future__"}
    assert roots <= sys.stdlib_module_names
