"""Properties of parse_message on any input: it never raises, keeps the raw bytes unchanged, and
lets no escape sequence or control character into a text field."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.parse import parse_message
from storage.models import Address, IncomingMessage

CORPUS = Path(__file__).parent / "corpus"
RECEIVED = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)

# Multi-line fields may keep \n and \t; one-line fields keep neither.
UNSAFE_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNSAFE_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

SEEDS = [
    (CORPUS / name).read_bytes()
    for name in ("nested_multipart.eml", "hostile_attachments.eml", "reply_gmail.eml")
]

PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def one_line_fields(message: IncomingMessage) -> list[str]:
    addresses: list[Address] = [*message.to, *message.cc, *message.reply_to]
    if message.sender is not None:
        addresses.append(message.sender)
    fields = [message.subject, message.message_id, *message.references, *message.warnings]
    fields += [message.in_reply_to or "", message.parse_error or ""]
    fields += [part for address in addresses for part in (address.addr, address.name)]
    for attachment in message.attachments:
        fields += [
            attachment.filename,
            attachment.original_filename,
            attachment.content_type,
            attachment.content_id,
            attachment.part_path,
        ]
    return fields


def assert_well_formed(raw: bytes, message: IncomingMessage) -> None:
    assert isinstance(message, IncomingMessage)
    assert message.raw == raw
    assert message.message_id
    assert message.date.tzinfo is not None
    for value in one_line_fields(message):
        assert UNSAFE_IN_LINE.search(value) is None, repr(value)
    for value in (message.body_text, message.new_text):
        assert UNSAFE_IN_TEXT.search(value) is None, repr(value[:200])
    for attachment in message.attachments:
        assert attachment.filename
        assert "/" not in attachment.filename
        assert "\\" not in attachment.filename
        assert len(attachment.filename.encode()) <= 200


@PROPERTY_SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_keep_the_raw(raw: bytes) -> None:
    assert_well_formed(raw, parse_message(raw, RECEIVED))


# Bytes that mean something to a MIME parser: line ends, boundaries, encoded words, escapes.
SYNTAX_BYTES = [b"\n", b"\r\n", b"\n\n", b"--", b"=?", b"?=", b"\x1b[", b"\x1b]", b":", b'"']


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    """A valid message from the corpus with a few bytes inserted, deleted or flipped."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        position = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["insert", "delete", "flip", "splice"]))
        if action == "insert":
            data[position:position] = draw(
                st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from(SYNTAX_BYTES))
            )
        elif action == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=64))]
        elif action == "flip" and position < len(data):
            data[position] ^= draw(st.integers(min_value=1, max_value=255))
        elif action == "splice":  # part of the message repeated elsewhere: boundaries, headers
            start = draw(st.integers(min_value=0, max_value=len(data)))
            data[position:position] = data[start : start + 200]
    return bytes(data)


@PROPERTY_SETTINGS
@given(mutated_messages())
def test_mutated_multipart_messages_never_raise_and_keep_the_raw(raw: bytes) -> None:
    assert_well_formed(raw, parse_message(raw, RECEIVED))


HOSTILE_PIECES = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b[2J",
        "\x1b]8;;http://evil.test\x1b\\",
        "\x1b]0;title\x07",
        "\x1b]unterminated",
        "\x1b",
        "\x9b1m",
        "\x9d",
        "\x07",
        "\x00",
        "\r",
        "\x85",
        "\u202e",
        "\u2066",
        "\u2028",
        "Zoë",
        "“",
        "日本",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_PIECES, st.text(max_size=6)), max_size=8).map("".join)


@st.composite
def hostile_messages(draw: st.DrawFn) -> bytes:
    """Well-formed messages whose names, subject, filename and body carry hostile text, raw or
    inside RFC 2047 / RFC 2231 encodings."""

    def encoded(text: str) -> str:
        data = text.encode("utf-8", "surrogatepass")
        style = draw(st.sampled_from(["raw", "q", "b"]))
        if style == "q":
            return "=?utf-8?q?" + "".join(f"={byte:02X}" for byte in data) + "?="
        if style == "b":
            return f"=?utf-8?b?{base64.b64encode(data).decode()}?="
        return text.replace("\n", " ")

    name, subject, filename = draw(HOSTILE_TEXT), draw(HOSTILE_TEXT), draw(HOSTILE_TEXT)
    body = draw(HOSTILE_TEXT)
    quoted_filename = "".join(f"%{byte:02X}" for byte in filename.encode("utf-8", "surrogatepass"))
    text = (
        f"From: {encoded(name)} <zoe@northwind.test>\n"
        f"To: {encoded(name)} <support@acme.test>\n"
        f"Subject: {encoded(subject)}\n"
        f"Message-ID: <{draw(HOSTILE_TEXT).replace('>', '')}@x.test>\n"
        f"References: <{draw(HOSTILE_TEXT).replace('>', '')}@x.test>\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
        f"--b\nContent-Type: text/html; charset=utf-8\nContent-Disposition: inline\n\n<p>{body}</p>\n"
        f"--b\nContent-Type: application/{draw(HOSTILE_TEXT)}\n"
        f"Content-Disposition: attachment; filename*=utf-8''{quoted_filename}\n\nxx\n"
        f"--b\nContent-Type: application/pdf\n"
        f'Content-Disposition: attachment; filename="{encoded(filename)}"\n\nxx\n--b--\n'
    )
    return text.encode("utf-8", "surrogatepass")


@PROPERTY_SETTINGS
@given(hostile_messages())
def test_hostile_text_never_reaches_a_field(raw: bytes) -> None:
    assert_well_formed(raw, parse_message(raw, RECEIVED))
