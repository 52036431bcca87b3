"""Composing replies: addressing, threading headers, quoting and encoding, read back with the
stdlib's parser; hostile values from the customer's mail never inject a header."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.compose import (
    Composed,
    ComposeError,
    Identity,
    compose_reply,
    header_safe,
    reply_subject,
    validate_address,
)
from mail.ingest import Ingestor
from storage import conversations, messages
from storage.db import Store
from storage.models import Address, Conversation, Message, Status
from tests.conftest import SUPPORT, later, mail

IDENTITY = Identity(SUPPORT, "Acme Support")
CUSTOMER = "zoe@northwind.test"
BASE_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References"]
MIME_HEADERS = ["Content-Type", "Content-Transfer-Encoding", "MIME-Version"]


def thread(store: Store, *raws: bytes) -> tuple[Conversation, list[Message]]:
    report = Ingestor(store, [SUPPORT]).ingest(raws)
    (conversation_id,) = report.conversations
    return conversations.get(store, conversation_id), messages.messages_of(store, conversation_id)


def our_reply(**kwargs: object) -> bytes:
    defaults: dict[str, object] = {
        "sender": f"Acme Support <{SUPPORT}>",
        "to": f"Zoë Müller <{CUSTOMER}>",
        "subject": "Re: Export is broken",
        "body": "Which browser do you use?\n",
        "message_id": "<r1@acme.test>",
        "in_reply_to": "<m1@northwind.test>",
        "references": "<m1@northwind.test>",
        "date": later(1),
    }
    defaults.update(kwargs)
    return mail(**defaults)  # type: ignore[arg-type]


def parsed(composed: Composed) -> EmailMessage:
    msg = email.message_from_bytes(composed.raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return [
        line.split(b":", 1)[0].decode("ascii")
        for line in head.split(b"\r\n")
        if not line.startswith((b" ", b"\t"))
    ]


def assert_well_formed(raw: bytes) -> None:
    """CRLF line endings only, and no line over RFC 5322's 998 bytes."""
    assert b"\r\n\r\n" in raw
    lines = raw.split(b"\r\n")
    assert all(b"\r" not in line and b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 998


def body_of(composed: Composed) -> str:
    content = parsed(composed).get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # the parser keeps the wire's CRLF


# -- threading and addressing -------------------------------------------------------------


def test_reply_answers_the_latest_customer_message(store: Store) -> None:
    conversation, messages_ = thread(
        store,
        mail(),
        our_reply(),
        mail(
            subject="Re: Export is broken",
            body="Firefox 131.\n",
            message_id="<m2@northwind.test>",
            in_reply_to="<r1@acme.test>",
            references="<m1@northwind.test> <r1@acme.test>",
            date=later(2),
        ),
    )
    composed = compose_reply(conversation, messages_, IDENTITY, "Thanks, fixed.", now=later(3))

    msg = parsed(composed)
    assert header_names(composed.raw) == BASE_HEADERS + MIME_HEADERS
    assert msg["From"] == f"Acme Support <{SUPPORT}>"
    assert msg["To"] == f"Zoë Müller <{CUSTOMER}>"
    assert msg["Subject"] == "Re: Export is broken"
    assert msg["Date"].datetime == later(3)
    assert msg["In-Reply-To"] == "<m2@northwind.test>"
    assert msg["References"].split() == [
        "<m1@northwind.test>",
        "<r1@acme.test>",
        "<m2@northwind.test>",
    ]
    assert msg["Message-ID"] == f"<{composed.message_id}>"
    assert composed.message_id.endswith("@acme.test")
    assert (msg.get_content_type(), msg.get_content_charset()) == ("text/plain", "utf-8")
    assert msg["Content-Transfer-Encoding"] == "7bit"
    assert body_of(composed) == "Thanks, fixed.\n"
    assert composed.in_reply_to == "m2@northwind.test"
    assert composed.references == ("m1@northwind.test", "r1@acme.test", "m2@northwind.test")
    assert composed.envelope_from == SUPPORT
    assert composed.recipients == (CUSTOMER,)
    assert composed.to == (Address(CUSTOMER, "Zoë Müller"),)
    assert_well_formed(composed.raw)


def test_each_reply_gets_a_fresh_message_id(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    first = compose_reply(conversation, messages_, IDENTITY, "One.")
    second = compose_reply(conversation, messages_, IDENTITY, "Two.")
    assert first.message_id != second.message_id
    assert parsed(first)["Date"].datetime.tzinfo is not None


def test_the_sent_reply_threads_back_into_its_conversation(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(conversation, messages_, IDENTITY, "On it.", now=later(1))
    report = Ingestor(store, [SUPPORT]).ingest([composed.raw])
    assert report.conversations == {conversation.id}
    stored = messages.messages_of(store, conversation.id)[-1]
    assert stored.is_ours
    assert stored.message_id == composed.message_id
    assert stored.in_reply_to == "m1@northwind.test"


def test_reply_to_is_honoured(store: Store) -> None:
    conversation, messages_ = thread(
        store, mail(extra={"Reply-To": "Northwind Billing <Billing@Northwind.test>"})
    )
    composed = compose_reply(conversation, messages_, IDENTITY, "Sure.")
    assert parsed(composed)["To"] == "Northwind Billing <billing@northwind.test>"
    assert composed.recipients == ("billing@northwind.test",)


def test_reply_to_pointing_at_us_falls_back_to_from(store: Store) -> None:
    conversation, messages_ = thread(store, mail(extra={"Reply-To": SUPPORT}))
    composed = compose_reply(conversation, messages_, IDENTITY, "Sure.")
    assert composed.recipients == (CUSTOMER,)


def test_conversation_we_started_goes_to_our_first_recipient(store: Store) -> None:
    conversation, messages_ = thread(
        store, our_reply(subject="Your renewal", in_reply_to=None, references=None)
    )
    composed = compose_reply(conversation, messages_, IDENTITY, "A reminder.")
    msg = parsed(composed)
    assert msg["To"] == f"Zoë Müller <{CUSTOMER}>"
    assert msg["In-Reply-To"] == "<r1@acme.test>"
    assert msg["References"] == "<r1@acme.test>"
    assert msg["Subject"] == "Re: Your renewal"


def test_support_address_is_never_a_recipient(store: Store) -> None:
    conversation, messages_ = thread(
        store,
        mail(
            to=f"{SUPPORT}, team@northwind.test",
            extra={"Reply-To": f"{SUPPORT}, Zoë <{CUSTOMER}>", "Cc": SUPPORT},
        ),
    )
    composed = compose_reply(
        conversation,
        messages_,
        IDENTITY,
        "Sure.",
        cc=["Support@ACME.test", "Team@northwind.test"],
        bcc=[SUPPORT.upper(), CUSTOMER],
    )
    assert composed.recipients == (CUSTOMER, "team@northwind.test")
    msg = parsed(composed)
    assert SUPPORT not in f"{msg['To']} {msg['Cc']}".lower()
    assert msg["To"] == f"Zoë <{CUSTOMER}>"
    assert msg["Cc"] == "team@northwind.test"
    assert composed.bcc == ()


def test_mail_from_the_support_address_counts_as_ours(store: Store) -> None:
    """Even when the store did not know the address, we never answer ourselves."""
    conversation, messages_ = thread(store, mail(), our_reply())
    unmarked = [dataclasses.replace(m, is_ours=False) for m in messages_]
    composed = compose_reply(conversation, unmarked, IDENTITY, "Hello.")
    assert composed.in_reply_to == "m1@northwind.test"
    assert composed.recipients == (CUSTOMER,)


def test_thread_order_does_not_matter(store: Store) -> None:
    conversation, messages_ = thread(
        store,
        mail(),
        mail(message_id="<m2@northwind.test>", in_reply_to="<m1@northwind.test>", date=later(2)),
    )
    composed = compose_reply(conversation, list(reversed(messages_)), IDENTITY, "Hello.")
    assert composed.in_reply_to == "m2@northwind.test"


def test_no_address_to_reply_to_is_an_error(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    nobody = [
        dataclasses.replace(m, sender=Address("not an address"), reply_to=()) for m in messages_
    ]
    with pytest.raises(ComposeError, match="no valid customer address"):
        compose_reply(dataclasses.replace(conversation, customer=None), nobody, IDENTITY, "Hi.")


def test_conversation_customer_is_the_last_resort(store: Store) -> None:
    conversation, _ = thread(store, mail())
    composed = compose_reply(conversation, [], IDENTITY, "Hi.")
    assert composed.recipients == (CUSTOMER,)
    assert composed.in_reply_to is None
    assert composed.references == ()
    assert header_names(composed.raw) == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        *MIME_HEADERS,
    ]


# -- subject --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Export is broken", "Re: Export is broken"),
        ("Re: Export is broken", "Re: Export is broken"),
        ("Re: Re: RE: Export is broken", "Re: Export is broken"),
        ("AW: Export is broken", "Re: Export is broken"),
        ("Fwd: Re: Export is broken", "Re: Export is broken"),
        ("Re[2]: Export is broken", "Re: Export is broken"),
        ("SV: VS: Export is broken", "Re: Export is broken"),
        ("Antw: WG: Export is broken", "Re: Export is broken"),
        ("RIF: R: Export is broken", "Re: Export is broken"),
        ("Réf : TR: Export is broken", "Re: Export is broken"),
        ("re：Export is broken", "Re: Export is broken"),
        ("re: EXPORT is Broken", "Re: EXPORT is Broken"),
        ("Regarding the export", "Re: Regarding the export"),
        ("", "Re: (no subject)"),
        ("Re: ", "Re: (no subject)"),
        ("   ", "Re: (no subject)"),
    ],
)
def test_reply_subject_does_not_stack(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_stored_reply_subject_is_not_stacked(store: Store) -> None:
    conversation, messages_ = thread(store, mail(subject="AW: Re: Rechnung für Oktober"))
    composed = compose_reply(conversation, messages_, IDENTITY, "Hallo.")
    assert parsed(composed)["Subject"] == "Re: Rechnung für Oktober"
    assert composed.subject == "Re: Rechnung für Oktober"
    assert b"Rechnung f\xc3\xbcr" not in composed.raw  # RFC 2047 encoded, not raw UTF-8


# -- body, quoting, signature, encoding -----------------------------------------------------


def test_nothing_is_quoted_by_default(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(conversation, messages_, IDENTITY, "Fixed now.")
    assert body_of(composed) == "Fixed now.\n"
    assert "wrote:" not in body_of(composed)


def test_quote_last_quotes_the_new_text_of_the_customer_message(store: Store) -> None:
    conversation, messages_ = thread(
        store,
        mail(),
        our_reply(),
        mail(
            subject="Re: Export is broken",
            body="Firefox 131.\n\nOn Mon, 2 Nov 2026, Acme Support wrote:\n> Which browser?\n",
            message_id="<m2@northwind.test>",
            in_reply_to="<r1@acme.test>",
            date=later(2),
        ),
    )
    composed = compose_reply(conversation, messages_, IDENTITY, "Thanks!", quote_last=True)
    assert body_of(composed) == (
        "Thanks!\n"
        "\n"
        f"On Mon, 02 Nov 2026 11:00:00 +0000, Zoë Müller <{CUSTOMER}> wrote:\n"
        "> Firefox 131.\n"
    )


def test_quote_keeps_blank_lines_without_trailing_space(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(
        conversation, messages_, IDENTITY, "Fixed.", quote_last=True, now=later(1)
    )
    assert body_of(composed).endswith(
        "wrote:\n> Hi,\n>\n> the CSV export fails with a 500 error.\n>\n> Zoë\n"
    )
    assert parsed(composed)["Content-Transfer-Encoding"] == "quoted-printable"


def test_quote_falls_back_to_the_body_text(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    no_new_text = [dataclasses.replace(m, new_text="") for m in messages_]
    composed = compose_reply(conversation, no_new_text, IDENTITY, "Fixed.", quote_last=True)
    assert "> the CSV export fails with a 500 error." in body_of(composed)


def test_signature_is_appended_after_the_delimiter(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    identity = Identity(SUPPORT, "Dana at Acme", signature="Dana\r\nAcme Support\n\n")
    composed = compose_reply(conversation, messages_, identity, "Fixed.", quote_last=True)
    body = body_of(composed)
    assert body.endswith("> Zoë\n\n-- \nDana\nAcme Support\n")
    assert body.startswith("Fixed.\n\nOn ")
    assert parsed(composed)["From"] == f"Dana at Acme <{SUPPORT}>"


def test_no_signature_no_delimiter(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(conversation, messages_, IDENTITY, "Fixed.")
    assert "-- " not in body_of(composed)


def test_ascii_signature_stays_7bit_with_its_trailing_space(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    identity = Identity(SUPPORT, "Acme Support", signature="Acme Support")
    composed = compose_reply(conversation, messages_, identity, "Fixed.")
    assert parsed(composed)["Content-Transfer-Encoding"] == "7bit"
    assert composed.raw.endswith(b"Fixed.\r\n\r\n-- \r\nAcme Support\r\n")


def test_non_ascii_body_is_quoted_printable_and_decodes_back(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    body = "Grüße, Zoë — ça marche ✓\n\n日本語のテキスト\n\nDana"
    composed = compose_reply(conversation, messages_, IDENTITY, body)
    msg = parsed(composed)
    assert msg["Content-Transfer-Encoding"] == "quoted-printable"
    assert msg.get_content_charset() == "utf-8"
    assert body_of(composed) == body + "\n"
    assert composed.raw.isascii()
    assert_well_formed(composed.raw)


def test_long_lines_are_kept_as_written(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    long_line = " ".join(["word"] * 400)  # 1999 characters, one line
    composed = compose_reply(conversation, messages_, IDENTITY, f"Log:\n{long_line}\nEnd.")
    assert parsed(composed)["Content-Transfer-Encoding"] == "quoted-printable"
    assert body_of(composed) == f"Log:\n{long_line}\nEnd.\n"
    assert_well_formed(composed.raw)


def test_lines_up_to_998_stay_7bit(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(conversation, messages_, IDENTITY, "x" * 998)
    assert parsed(composed)["Content-Transfer-Encoding"] == "7bit"
    assert body_of(composed) == "x" * 998 + "\n"
    assert_well_formed(composed.raw)


def test_line_endings_and_trailing_space_are_normalized(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(conversation, messages_, IDENTITY, "One\r\nTwo\rThree  \n\n \t\n")
    assert body_of(composed) == "One\nTwo\nThree\n"
    assert composed.raw.endswith(b"One\r\nTwo\r\nThree\r\n")


@pytest.mark.parametrize("body", ["", "   ", "\n\n\t \r\n", "\x00\x1b"])
def test_empty_reply_is_refused(store: Store, body: str) -> None:
    conversation, messages_ = thread(store, mail())
    with pytest.raises(ComposeError, match="empty reply"):
        compose_reply(conversation, messages_, IDENTITY, body)


def test_control_characters_in_the_body_are_dropped(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(conversation, messages_, IDENTITY, "Fixed\x00 now\x1b[2J.\x07")
    assert body_of(composed) == "Fixed now.\n"


# -- Cc and Bcc -----------------------------------------------------------------------------


def test_cc_is_a_header_and_bcc_only_a_recipient(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    composed = compose_reply(
        conversation,
        messages_,
        IDENTITY,
        "Looping in the team.",
        cc=["Ops Team <Ops@Northwind.test>", "zoe@NORTHWIND.test"],
        bcc=["audit@acme.test", "ops@northwind.test", "Audit@Acme.test"],
    )
    msg = parsed(composed)
    assert msg["Cc"] == "Ops Team <ops@northwind.test>"
    assert msg["Bcc"] is None
    assert b"audit" not in composed.raw.lower()
    assert header_names(composed.raw) == [
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        *MIME_HEADERS,
    ]
    assert composed.recipients == (CUSTOMER, "ops@northwind.test", "audit@acme.test")
    assert composed.cc == (Address("ops@northwind.test", "Ops Team"),)
    assert composed.bcc == (Address("audit@acme.test"),)


@pytest.mark.parametrize(
    "bad",
    [
        "a@b.com, evil@x.com",
        "a@b.com,evil@x.com",
        "a@b.com; evil@x.com",
        "a@b.com\r\nBcc: x@y.com",
        "a@b.com\nBcc: x@y.com",
        "Name <a@b.com>\r\nBcc: x@y.com",
        "a@b.com\x00",
        "\x1b[31ma@b.com",
        "Doe, John <j@x.test>",
        "<a<b>@x.test>",
        "a>b@x.test",
        "evil <a@b.com> <c@d.com>",
        "noatsign.example.com",
        "a@localhost",
        "a@@b.com",
        "@b.com",
        "a@.com",
        "a@b..com",
        "a..b@x.test",
        ".a@x.test",
        "a b@x.test",
        '"unterminated <a@x.test>',
        "",
        "   ",
        "a@-b.com",
        "x" * 65 + "@x.test",
    ],
)
def test_bad_cc_or_bcc_is_refused(store: Store, bad: str) -> None:
    conversation, messages_ = thread(store, mail())
    with pytest.raises(ComposeError):
        compose_reply(conversation, messages_, IDENTITY, "Hi.", cc=[bad])
    with pytest.raises(ComposeError):
        compose_reply(conversation, messages_, IDENTITY, "Hi.", bcc=[bad])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@b.com", Address("a@b.com")),
        ("  A@B.Com  ", Address("a@b.com")),
        ("<a@b.com>", Address("a@b.com")),
        ("Zoë Müller <Zoe@Northwind.test>", Address("zoe@northwind.test", "Zoë Müller")),
        ('"Doe, John" <j@x.test>', Address("j@x.test", "Doe, John")),
        ('"Say \\"hi\\"" <j@x.test>', Address("j@x.test", 'Say "hi"')),
        ("first.last+tag@sub.example.co.uk", Address("first.last+tag@sub.example.co.uk")),
        ("x@bücher.de", Address("x@xn--bcher-kva.de")),
    ],
)
def test_validate_address_accepts_one_mailbox(text: str, expected: Address) -> None:
    assert validate_address(text) == expected


def test_validate_address_errors_name_the_problem() -> None:
    with pytest.raises(ComposeError, match="exactly one @"):
        validate_address("a@b.com, evil@x.com")
    with pytest.raises(ComposeError, match="line break or control character"):
        validate_address("a@b.com\r\nBcc: x@y.com")
    with pytest.raises(ComposeError, match="double quotes"):
        validate_address("Doe, John <j@x.test>")


def test_invalid_support_address_is_an_error(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    with pytest.raises(ComposeError):
        compose_reply(conversation, messages_, Identity("support", "Acme"), "Hi.")


# -- hostile values from the customer's mail ------------------------------------------------


def test_header_safe_makes_one_clean_line() -> None:
    assert header_safe("Hi\r\nBcc: evil@x.com") == "Hi Bcc: evil@x.com"
    assert header_safe("a\x00b\x1b[31mc\x07\td\u202ee") == "abc de"
    assert "\n" not in header_safe("a\u2028b\x85c\x0bd")


def hostile_thread(store: Store) -> tuple[Conversation, list[Message]]:
    conversation, messages_ = thread(
        store,
        mail(),
        our_reply(),
        mail(
            subject="Re: Export is broken",
            message_id="<m2@northwind.test>",
            references="<m1@northwind.test> <r1@acme.test>",
            date=later(2),
        ),
    )
    latest = dataclasses.replace(
        messages_[-1],
        message_id="m2@northwind.test\r\nBcc: evil@x.com",
        sender=Address(CUSTOMER, "Zoë\r\nBcc: evil@x.com\x00\x1b[31m"),
        reply_to=(Address("evil@x.com\r\nBcc: other@x.com", "Evil\r\nCc: a@b.c"),),
        references=(
            "m1@northwind.test",
            "r1@acme.test>\r\nBcc: evil@x.com",
            "<x@y>\nX-Injected: yes",
            "bad id@x",
            "a@b@c",
            "z" * 400 + "@long.test",
            "ünïcode@x.test",
            "deadbeef@synthetic.frontdesk.invalid",
        ),
    )
    hostile = dataclasses.replace(conversation, subject="Hi\r\nBcc: evil@x.com\x00\x1b]0;title\x07")
    return hostile, [*messages_[:-1], latest]


def test_hostile_values_never_inject_a_header(store: Store) -> None:
    conversation, messages_ = hostile_thread(store)
    identity = Identity(SUPPORT, "Acme\r\nBcc: evil@x.com", signature="Sig\x1b[2J")
    composed = compose_reply(conversation, messages_, identity, "Hi.", quote_last=True)

    assert header_names(composed.raw) == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "References",
        *MIME_HEADERS,
    ]
    assert_well_formed(composed.raw)
    msg = parsed(composed)
    assert msg["Bcc"] is None and msg["Cc"] is None and msg["X-Injected"] is None
    assert msg["Subject"] == "Re: Hi Bcc: evil@x.com"
    assert msg["From"].addresses[0].display_name == "Acme Bcc: evil@x.com"
    assert msg["From"].addresses[0].addr_spec == SUPPORT
    # The invalid Reply-To is dropped; the From, cleaned, is used instead.
    (to,) = msg["To"].addresses
    assert (to.addr_spec, to.display_name) == (CUSTOMER, "Zoë Bcc: evil@x.com")
    assert composed.recipients == (CUSTOMER,)
    # The answered message's own id is not a valid id once cleaned: no In-Reply-To.
    assert composed.in_reply_to is None
    assert composed.references == ("m1@northwind.test",)
    assert "\x1b" not in body_of(composed) and "\x00" not in body_of(composed)


def test_hostile_values_of_any_length_keep_lines_short(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    long_word = "y" * 3000
    customer = dataclasses.replace(
        messages_[-1],
        sender=Address(CUSTOMER, long_word),
        references=tuple(f"{i}.{'r' * 200}@refs.test" for i in range(40)),
    )
    composed = compose_reply(
        dataclasses.replace(conversation, subject=f"Re: {long_word} {'é' * 3000}"),
        [customer],
        Identity(SUPPORT, "n" * 3000),
        "Hi.",
        cc=[f'"{long_word}" <ops@northwind.test>'],
    )
    assert_well_formed(composed.raw)
    assert header_names(composed.raw) == [*BASE_HEADERS[:2], "Cc", *BASE_HEADERS[2:], *MIME_HEADERS]
    assert parsed(composed)["Subject"] == f"Re: {long_word} {'é' * 3000}"


def test_references_keep_the_first_and_the_last_twenty(store: Store) -> None:
    conversation, messages_ = thread(store, mail())
    ids = [f"ref{i}@x.test" for i in range(30)]
    customer = dataclasses.replace(
        messages_[-1], references=(*ids, "ref3@x.test", "m1@northwind.test")
    )
    composed = compose_reply(conversation, [customer], IDENTITY, "Hi.")
    assert composed.references == ("ref0@x.test", *ids[-19:], "m1@northwind.test")
    assert parsed(composed)["References"].split() == [f"<{r}>" for r in composed.references]


def test_synthetic_ids_are_not_referenced(store: Store) -> None:
    conversation, messages_ = thread(store, mail(message_id=None, references="<m0@northwind.test>"))
    assert messages_[-1].message_id.endswith(".frontdesk.invalid")
    composed = compose_reply(conversation, messages_, IDENTITY, "Hi.")
    assert composed.in_reply_to is None
    assert composed.references == ("m0@northwind.test",)
    assert b".frontdesk.invalid" not in composed.raw
    assert parsed(composed)["In-Reply-To"] is None


ANY_TEXT = st.text(st.characters(codec=None), max_size=300)
ALLOWED_HEADERS = {*BASE_HEADERS, "Cc", *MIME_HEADERS}


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    subject=ANY_TEXT,
    name=ANY_TEXT,
    addr=ANY_TEXT,
    message_id=ANY_TEXT,
    reference=ANY_TEXT,
    body=ANY_TEXT,
    identity_name=ANY_TEXT,
)
def test_any_text_gives_a_well_formed_reply_or_a_compose_error(
    subject: str,
    name: str,
    addr: str,
    message_id: str,
    reference: str,
    body: str,
    identity_name: str,
) -> None:
    """Whatever the customer's mail held (lone surrogates too), the reply has only our headers,
    each once, in short ASCII lines; or composing fails with a ComposeError, never a crash."""
    customer = Address(addr, name)
    conversation = Conversation(
        1, subject, customer, Status.OPEN, 1, later(0), later(0), later(0), True, "", 0
    )
    message = Message(
        id=1,
        conversation_id=1,
        message_id=message_id,
        sender=customer,
        to=(Address(SUPPORT),),
        cc=(),
        reply_to=(customer,),
        subject=subject,
        date=later(0),
        date_flagged=False,
        received_at=later(0),
        in_reply_to=None,
        references=(reference,),
        is_ours=False,
        body_text=body,
        new_text=body,
        html_only=False,
        parse_error=None,
    )
    identity = Identity(SUPPORT, identity_name, signature=identity_name)
    try:
        composed = compose_reply(conversation, [message], identity, f"Hi {body}", quote_last=True)
    except ComposeError:
        return
    names = header_names(composed.raw)
    assert set(names) <= ALLOWED_HEADERS
    assert len(names) == len(set(names))
    assert composed.raw.isascii()
    assert_well_formed(composed.raw)
    assert parsed(composed)["Bcc"] is None
