"""mail.parse.parse_message: raw RFC 5322 bytes to a normalized, sanitized IncomingMessage."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mail.parse import MAX_REFERENCES, decode_words, parse_message
from storage.models import IncomingMessage
from tests.conftest import T0, mail

CORPUS = Path(__file__).parent / "corpus"
RECEIVED = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HEAD = (
    b"From: Zoe Mueller <zoe@northwind.test>\n"
    b"To: support@acme.test\n"
    b"Subject: Export is broken\n"
    b"Date: Tue, 3 Nov 2026 10:00:00 +0000\n"
    b"Message-ID: <m1@northwind.test>\n"
    b"MIME-Version: 1.0\n"
)


def parse(raw: bytes, received_at: datetime = RECEIVED) -> IncomingMessage:
    return parse_message(raw, received_at)


def parse_corpus(name: str) -> IncomingMessage:
    return parse((CORPUS / name).read_bytes())


def with_header(name: bytes, value: bytes) -> bytes:
    """A plain message whose header `name` is `value` (replacing the default one, if any)."""
    lines = [line for line in HEAD.split(b"\n") if not line.lower().startswith(name.lower() + b":")]
    return b"\n".join(lines).rstrip(b"\n") + b"\n" + name + b": " + value + b"\n\nHello\n"


def multipart(ctype: bytes, body: bytes) -> bytes:
    return HEAD + b"Content-Type: " + ctype + b"\n\n" + body


# --- headers: RFC 2047 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        pytest.param("=?utf-8?q?Caf=C3=A9_au_lait?=", "Café au lait", id="q-utf8"),
        pytest.param("=?UTF-8?B?Q2Fmw6kgYXUgbGFpdA==?=", "Café au lait", id="b-utf8"),
        pytest.param("=?iso-8859-1?q?Caf=E9?=", "Café", id="q-latin1"),
        pytest.param("=?windows-1252?q?=93quoted=94?=", "“quoted”", id="q-cp1252"),
        pytest.param("=?utf-8*en?q?hello?=", "hello", id="rfc2231-language"),
        pytest.param("Re: [#123] =?utf-8?q?Zo=C3=AB?= asks", "Re: [#123] Zoë asks", id="mixed"),
    ],
)
def test_encoded_words_are_decoded(encoded: str, decoded: str) -> None:
    assert decode_words(encoded) == decoded


def test_adjacent_encoded_words_are_joined_without_the_space_between_them() -> None:
    assert decode_words("=?utf-8?q?Export_?= =?utf-8?q?fails?=") == "Export fails"
    assert decode_words("=?utf-8?b?RXhwb3J0?=  \t =?utf-8?b?ZmFpbHM=?=") == "Exportfails"


def test_space_between_an_encoded_word_and_plain_text_is_kept() -> None:
    assert decode_words("=?utf-8?q?Zo=C3=AB?= Mueller") == "Zoë Mueller"


@pytest.mark.parametrize("encoding", ["q", "b"])
def test_a_character_split_across_adjacent_encoded_words_is_rejoined(encoding: str) -> None:
    data = "日本語の件名".encode()
    halves = (data[:7], data[7:])  # the cut falls inside 語
    if encoding == "b":
        words = [f"=?utf-8?b?{base64.b64encode(half).decode()}?=" for half in halves]
    else:
        words = ["=?utf-8?q?" + "".join(f"={b:02X}" for b in half) + "?=" for half in halves]
    assert decode_words(" ".join(words)) == "日本語の件名"


@pytest.mark.parametrize(
    "broken",
    [
        "=?utf-8?q?never_closed",
        "=?utf-8?x?unknown-encoding?=",
        "=??q?no-charset?=",
        "=?utf-8?q?has space?=",
        "=?utf-8?b?!!!?=",
    ],
)
def test_broken_encoded_words_are_left_literal(broken: str) -> None:
    assert decode_words(f"Order {broken} status") == f"Order {broken} status"


def test_encoded_word_with_unknown_charset_is_still_decoded() -> None:
    assert decode_words("=?x-foo?q?Caf=C3=A9?=") == "Café"
    assert decode_words("=?x-foo?q?Caf=E9?=") == "Café"


def test_encoded_subject_is_decoded_and_unfolded() -> None:
    raw = HEAD.replace(
        b"Subject: Export is broken",
        b"Subject: =?utf-8?q?Export_f=C3=BCr?=\n =?utf-8?q?_M=C3=A4rz?=\n\tfails",
    )
    assert parse(raw + b"\nHello\n").subject == "Export für März fails"


def test_reply_prefixes_stay_in_the_subject() -> None:
    assert parse(mail(subject="Re: AW: Export is broken")).subject == "Re: AW: Export is broken"


# --- addresses --------------------------------------------------------------------------------


def test_display_names_with_commas_in_quotes_stay_one_address() -> None:
    message = parse(
        with_header(b"To", b'"Doe, Jane" <jane@contoso.test>, "Smith, Bob" <bob@x.test>')
    )
    assert [(a.addr, a.name) for a in message.to] == [
        ("jane@contoso.test", "Doe, Jane"),
        ("bob@x.test", "Smith, Bob"),
    ]


@pytest.mark.parametrize(
    ("value", "addr", "name"),
    [
        pytest.param(b"zoe@northwind.test", "zoe@northwind.test", "", id="bare"),
        pytest.param(b"<zoe@northwind.test>", "zoe@northwind.test", "", id="bracketed"),
        pytest.param(
            b"Zoe Mueller <zoe@northwind.test>", "zoe@northwind.test", "Zoe Mueller", id="name"
        ),
        pytest.param(
            b'"Mueller, Zoe" <zoe@northwind.test>',
            "zoe@northwind.test",
            "Mueller, Zoe",
            id="quoted",
        ),
        pytest.param(
            b'"Zoe \\"Z\\" Mueller" <zoe@northwind.test>',
            "zoe@northwind.test",
            'Zoe "Z" Mueller',
            id="escaped-quotes",
        ),
        pytest.param(
            b"zoe@northwind.test (Zoe Mueller)", "zoe@northwind.test", "Zoe Mueller", id="comment"
        ),
        pytest.param(
            b'"=?utf-8?q?Zo=C3=AB?=" <zoe@northwind.test>',
            "zoe@northwind.test",
            "Zoë",
            id="encoded-in-quotes",
        ),
    ],
)
def test_sender_address_forms(value: bytes, addr: str, name: str) -> None:
    message = parse(with_header(b"From", value))
    assert message.sender is not None
    assert (message.sender.addr, message.sender.name) == (addr, name)


def test_encoded_display_names_are_decoded() -> None:
    message = parse(with_header(b"From", b"=?utf-8?b?Wm/DqyBNw7xsbGVy?= <zoe@northwind.test>"))
    assert message.sender is not None
    assert (message.sender.addr, message.sender.name) == ("zoe@northwind.test", "Zoë Müller")


def test_encoded_display_name_with_a_comma_is_one_address() -> None:
    message = parse(with_header(b"Cc", b"=?utf-8?q?M=C3=BCller=2C_Zo=C3=AB?= <zoe@northwind.test>"))
    assert [(a.addr, a.name) for a in message.cc] == [("zoe@northwind.test", "Müller, Zoë")]


def test_addresses_are_lower_cased() -> None:
    message = parse(with_header(b"From", b"Zoe <Zoe.Mueller@NorthWind.TEST>"))
    assert message.sender is not None
    assert message.sender.addr == "zoe.mueller@northwind.test"


def test_invalid_addresses_are_ignored_with_a_warning() -> None:
    message = parse(with_header(b"To", b"not-an-address, Bob <bob@x.test>, broken@, @nohost"))
    assert [a.addr for a in message.to] == ["bob@x.test"]
    assert any("not-an-address" in warning for warning in message.warnings)


def test_reply_to_is_parsed() -> None:
    message = parse(with_header(b"Reply-To", b"Helpdesk <help@northwind.test>"))
    assert [(a.addr, a.name) for a in message.reply_to] == [("help@northwind.test", "Helpdesk")]


def test_no_from_falls_back_to_sender() -> None:
    raw = HEAD.replace(b"From: Zoe Mueller <zoe@northwind.test>", b"Sender: bot@northwind.test")
    message = parse(raw + b"\nHello\n")
    assert message.sender is not None
    assert message.sender.addr == "bot@northwind.test"


def test_no_from_and_no_sender_gives_no_sender() -> None:
    raw = HEAD.replace(b"From: Zoe Mueller <zoe@northwind.test>\n", b"")
    assert parse(raw + b"\nHello\n").sender is None


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        b"Tue, 3 Nov 2026 11:00:00 +0100",
        b"Tue, 3 Nov 2026 05:00:00 -0500",
        b"Tue, 3 Nov 2026 15:30:00 +0530",
        b"Tue, 3 Nov 2026 10:00:00 GMT",
        b"3 Nov 2026 10:00:00 +0000",
    ],
)
def test_dates_are_normalized_to_utc(value: bytes) -> None:
    message = parse(with_header(b"Date", value))
    assert message.date == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    assert message.date.utcoffset() == timedelta(0)
    assert message.date_flagged is False


def test_missing_date_uses_received_at_and_is_flagged() -> None:
    message = parse(mail(date=None), received_at=T0)
    assert message.date == T0
    assert message.date_flagged is True


@pytest.mark.parametrize(
    "value",
    [
        b"yesterday afternoon",
        b"",
        b"Tue, 32 Nov 2026 10:00:00 +0000",
        b"Tue, 3 Nov 2026 25:61:00 +0000",
        b"Tue, 3 Nov 99999 10:00:00 +0000",
        b"Thu, 1 Jan 1970 00:00:00 +0000",
    ],
)
def test_unparsable_or_absurd_date_uses_received_at_and_is_flagged(value: bytes) -> None:
    message = parse(with_header(b"Date", value))
    assert message.date == RECEIVED
    assert message.date_flagged is True


def test_date_more_than_a_day_in_the_future_is_flagged() -> None:
    message = parse(mail(date=T0 + timedelta(days=1, hours=1)), received_at=T0)
    assert message.date == T0
    assert message.date_flagged is True


def test_date_slightly_in_the_future_is_accepted() -> None:
    # Clock skew: a sender's clock a few hours ahead is not suspicious.
    message = parse(mail(date=T0 + timedelta(hours=3)), received_at=T0)
    assert message.date == T0 + timedelta(hours=3)
    assert message.date_flagged is False


def test_received_at_is_normalized_to_utc() -> None:
    cet = datetime(2026, 11, 4, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    message = parse(mail(), received_at=cet)
    assert message.received_at == datetime(2026, 11, 4, 12, 0, 0, tzinfo=UTC)
    assert message.received_at.utcoffset() == timedelta(0)


# --- body -------------------------------------------------------------------------------------


def test_plain_text_body_is_decoded() -> None:
    message = parse(mail(body="Hi,\n\nthe CSV export fails.\n\nZoë\n"))
    assert message.body_text == "Hi,\n\nthe CSV export fails.\n\nZoë"
    assert message.html_only is False


ALTERNATIVE_PLAIN_FIRST = b"""--alt
Content-Type: text/plain; charset=utf-8

The plain version.
--alt
Content-Type: text/html; charset=utf-8

<p>The <b>HTML</b> version.</p>
--alt--
"""


def test_plain_text_is_preferred_over_html_in_alternative() -> None:
    message = parse(multipart(b'multipart/alternative; boundary="alt"', ALTERNATIVE_PLAIN_FIRST))
    assert message.body_text == "The plain version."
    assert message.html_only is False


def test_plain_text_is_preferred_over_html_even_when_html_comes_first() -> None:
    html_first = b"""--alt
Content-Type: text/html; charset=utf-8

<p>The <b>HTML</b> version.</p>
--alt
Content-Type: text/plain; charset=utf-8

The plain version.
--alt--
"""
    message = parse(multipart(b'multipart/alternative; boundary="alt"', html_first))
    assert message.body_text == "The plain version."


def test_empty_plain_alternative_falls_back_to_the_html() -> None:
    empty_plain = b"""--alt
Content-Type: text/plain; charset=utf-8


--alt
Content-Type: text/html; charset=utf-8

<p>Your order <b>#118</b> has shipped.</p>
--alt--
"""
    message = parse(multipart(b'multipart/alternative; boundary="alt"', empty_plain))
    assert message.body_text == "Your order #118 has shipped."
    assert message.html_only is True


def test_html_only_message_becomes_readable_text() -> None:
    message = parse_corpus("html_only.eml")
    assert message.html_only is True
    assert message.body_text == (
        "Weekly usage\n\n"
        "Hello Zoë,\nhere is your report for week 45.\n\n"
        "  * Exports: 12\n  * Imports: 3\n\n"
        "Change your settings"
    )


@pytest.mark.parametrize(
    "hidden", ["document.cookie", "SCRIPT-IN-BODY", "font-family", "display: none", "Usage report"]
)
def test_html_only_message_drops_script_style_and_head_content(hidden: str) -> None:
    assert hidden not in parse_corpus("html_only.eml").body_text


def test_html_only_message_shows_no_remote_urls() -> None:
    body = parse_corpus("html_only.eml").body_text
    assert "http" not in body
    assert "tracker" not in body


def test_nested_html_divs_are_not_indented() -> None:
    html = b"<div><div>Hi Sam,</div><div><div>the export <b>fails</b>.</div></div></div><div>Zo&euml;</div>"
    message = parse(HEAD + b"Content-Type: text/html; charset=utf-8\n\n" + html)
    assert message.body_text == "Hi Sam,\nthe export fails.\nZoë"


def test_html_is_converted_without_touching_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser opened a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    html = (
        b'<html><head><link rel="stylesheet" href="https://evil.test/a.css">'
        b"<style>@import url(https://evil.test/b.css);</style></head>"
        b'<body background="https://evil.test/bg.png"><p>Order shipped.</p>'
        b'<img src="https://evil.test/pixel.gif"><iframe src="https://evil.test/"></iframe>'
        b"</body></html>"
    )
    message = parse(HEAD + b"Content-Type: text/html; charset=utf-8\n\n" + html)
    assert message.parse_error is None
    assert message.body_text == "Order shipped."


def test_html_fallback_when_the_html_parser_refuses_still_drops_scripts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mail.html as html_module

    def refuse(html: str, config: object) -> str:
        raise ValueError("Document is empty")

    monkeypatch.setattr(html_module, "get_text", refuse)
    html = (
        b"<html><head><title>T</title><style>p {color: red}</style></head><body>"
        b"<p>Order &amp; invoice</p><script>alert('x')</script></body></html>"
    )
    message = parse(HEAD + b"Content-Type: text/html; charset=utf-8\n\n" + html)
    assert message.body_text == "Order & invoice"


def test_text_parts_of_a_mixed_message_are_joined() -> None:
    body = b"""--mix
Content-Type: text/plain

First part.
--mix
Content-Type: text/plain

Second part.
--mix--
"""
    message = parse(multipart(b'multipart/mixed; boundary="mix"', body))
    assert message.body_text == "First part.\n\nSecond part."


def test_crlf_line_endings_become_newlines() -> None:
    raw = HEAD.replace(b"\n", b"\r\n") + b"\r\nLine one\r\nLine two\r\n"
    message = parse(raw)
    assert message.subject == "Export is broken"
    assert message.body_text == "Line one\nLine two"


# --- transfer encodings -----------------------------------------------------------------------


def plain_encoded(encoding: bytes, payload: bytes) -> bytes:
    return (
        HEAD
        + b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
        + encoding
        + b"\n\n"
        + payload
    )


def test_quoted_printable_soft_line_breaks_are_joined() -> None:
    payload = b"The export of the report for M=C3=A4rz fails every time I click the blue =\nbutton =E2=80=93 please help.=\r\n\n"
    message = parse(plain_encoded(b"quoted-printable", payload))
    assert message.body_text == (
        "The export of the report for März fails every time I click the blue button – please help."
    )


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"SGVsbG8gWm/DqyE=\n", id="well-formed"),
        pytest.param(b"SGVsbG8gWm/DqyE\n", id="missing-padding"),
        pytest.param(b"SGVsbG8g\nWm/DqyE=\n", id="wrapped"),
        pytest.param(b"SGVs bG8g!!Wm/D\nqyE=\n", id="invalid-characters"),
        pytest.param(b"SGVsbG8gWm/DqyE=\n=garbage after padding\n", id="trailing-garbage"),
    ],
)
def test_base64_bodies_decode_despite_bad_padding_or_invalid_characters(payload: bytes) -> None:
    assert parse(plain_encoded(b"base64", payload)).body_text == "Hello Zoë!"


def test_base64_attachment_with_missing_padding_keeps_its_full_size() -> None:
    body = b"""--mix
Content-Type: text/plain

See attached.
--mix
Content-Type: application/octet-stream; name="data.bin"
Content-Transfer-Encoding: base64

AAECAwQ
--mix--
"""
    (attachment,) = parse(multipart(b'multipart/mixed; boundary="mix"', body)).attachments
    assert attachment.size == 5  # 00 01 02 03 04


# --- MIME structure ---------------------------------------------------------------------------


def test_nested_mixed_alternative_related_takes_the_plain_alternative() -> None:
    message = parse_corpus("nested_multipart.eml")
    assert message.body_text == (
        "The delivery note is attached; the logo below is our new one. This line is long "
        "enough that the mail client wrapped it with a soft line break."
    )
    assert "HTML alternative" not in message.body_text
    assert "Delivery note for order 7" not in message.body_text
    assert message.warnings == ()


def test_nested_multipart_lists_every_attachment_with_its_part_path() -> None:
    attachments = parse_corpus("nested_multipart.eml").attachments
    assert [(a.part_path, a.content_type, a.filename) for a in attachments] == [
        ("1.2.2", "image/png", "part-1.2.2"),
        ("2", "message/rfc822", "Lieferschein für Auftrag 7.eml"),
        ("3", "application/pdf", "delivery-note.pdf"),
    ]


def test_inline_image_keeps_its_content_id() -> None:
    image = parse_corpus("nested_multipart.eml").attachments[0]
    assert image.inline is True
    assert image.content_id == "logo-1@fabrikam.test"
    assert image.size == 70


def test_attached_message_is_not_mixed_into_the_body() -> None:
    forwarded = parse_corpus("nested_multipart.eml").attachments[1]
    assert forwarded.inline is False
    assert forwarded.original_filename == "Lieferschein für Auftrag 7.eml"


def test_multipart_without_closing_boundary_keeps_the_last_part() -> None:
    body = b"""--b
Content-Type: text/plain

First part.
--b
Content-Type: text/plain

Second part, the sender's client never closed the boundary.
"""
    message = parse(multipart(b'multipart/mixed; boundary="b"', body))
    assert message.body_text == (
        "First part.\n\nSecond part, the sender's client never closed the boundary."
    )
    assert message.parse_error is None


@pytest.mark.parametrize(
    "ctype", [b'multipart/mixed; boundary="never-used"', b"multipart/mixed"], ids=["absent", "none"]
)
def test_multipart_whose_boundary_never_appears_is_shown_as_text(ctype: bytes) -> None:
    body = b"--other\nContent-Type: text/plain\n\nThe text is still here.\n--other--\n"
    message = parse(multipart(ctype, body))
    assert "The text is still here." in message.body_text
    assert any("boundary" in warning for warning in message.warnings)
    assert message.parse_error is None


def test_deeply_nested_multiparts_stop_with_a_warning() -> None:
    body = b"Innermost text.\n"
    for depth in range(60):
        boundary = b"b%d" % depth
        body = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\n\n--'
            + boundary
            + b"\n"
            + body
            + b"\n--"
            + boundary
            + b"--\n"
        )
    message = parse(HEAD + body)
    assert message.parse_error is None
    assert any("too deep" in warning for warning in message.warnings)


def test_content_type_of_a_part_cannot_carry_escape_sequences() -> None:
    body = b"""--b
Content-Type: text/plain

Hi
--b
Content-Type: application/\x1b[31mevil\x07; name="a.bin"

xx
--b
Content-Type: multipart/\x1b]0;x\x07; boundary="zz"

body
--b--
"""
    message = parse(multipart(b'multipart/mixed; boundary="b"', body))
    for attachment in message.attachments:
        assert UNSAFE.search(attachment.content_type) is None
    for warning in message.warnings:
        assert UNSAFE.search(warning) is None


# --- attachments ------------------------------------------------------------------------------


HOSTILE_FILENAMES = [
    ("passwd", "../../etc/passwd"),
    ("x.exe", "C:\\evil\\x.exe"),
    ("report.txt", "report.txt"),
    ("invoicefdp.exe", "invoicefdp.exe"),
    ("€.pdf", "€.pdf"),
    ("Rechnung März.pdf", "Rechnung März.pdf"),
    ("part-9", ""),
]


@pytest.mark.parametrize(("filename", "original"), HOSTILE_FILENAMES)
def test_hostile_attachment_names_are_sanitized(filename: str, original: str) -> None:
    attachments = parse_corpus("hostile_attachments.eml").attachments
    assert (filename, original) in [(a.filename, a.original_filename) for a in attachments]


def test_very_long_attachment_name_is_cut_and_keeps_its_extension() -> None:
    attachments = parse_corpus("hostile_attachments.eml").attachments
    (long_one,) = [a for a in attachments if a.filename.startswith("Quarterly report")]
    assert len(long_one.filename.encode()) <= 200
    assert long_one.filename.endswith(".pdf")
    assert long_one.original_filename.endswith("very long.pdf")


def test_attachment_sizes_are_decoded_sizes() -> None:
    attachments = parse_corpus("hostile_attachments.eml").attachments
    passwd = next(a for a in attachments if a.filename == "passwd")
    assert passwd.size == len(b"root:x:0:0:root:/root:/bin/bash\n")
    assert passwd.content_type == "text/plain"


def test_text_attachment_is_not_shown_as_body() -> None:
    message = parse_corpus("hostile_attachments.eml")
    assert "root:x:0:0" not in message.body_text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(b"filename*=UTF-8''%E2%82%AC.pdf", "€.pdf", id="rfc2231"),
        pytest.param(
            b"filename*0*=UTF-8''Rechnung%20; filename*1*=M%C3%A4rz.pdf",
            "Rechnung März.pdf",
            id="rfc2231-continuation",
        ),
        pytest.param(b"filename*=iso-8859-1'de'%C9t%E9.pdf", "Été.pdf", id="rfc2231-latin1"),
        pytest.param(b'filename="=?utf-8?b?w4l0w6kucGRm?="', "Été.pdf", id="rfc2047"),
        pytest.param(b'filename="=?iso-8859-1?q?=C9t=E9.pdf?="', "Été.pdf", id="rfc2047-latin1"),
        pytest.param(b'filename=""', "part-2", id="empty"),
        pytest.param(b'filename="..\\\\..\\\\boot.ini"', "boot.ini", id="backslash-traversal"),
    ],
)
def test_attachment_name_encodings(params: bytes, expected: str) -> None:
    body = (
        b"--mix\nContent-Type: text/plain\n\nSee attached.\n--mix\n"
        b"Content-Type: application/octet-stream\nContent-Disposition: attachment; "
        + params
        + b"\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n--mix--\n"
    )
    (attachment,) = parse(multipart(b'multipart/mixed; boundary="mix"', body)).attachments
    assert attachment.filename == expected


def test_attachment_name_from_content_type_name_parameter() -> None:
    body = (
        b"--mix\nContent-Type: text/plain\n\nSee attached.\n--mix\n"
        b'Content-Type: application/pdf; name="../order-118.pdf"\n'
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--mix--\n"
    )
    (attachment,) = parse(multipart(b'multipart/mixed; boundary="mix"', body)).attachments
    assert attachment.filename == "order-118.pdf"
    assert attachment.content_type == "application/pdf"


# --- hostile terminal content -----------------------------------------------------------------


def test_hostile_message_fields_are_free_of_escapes_and_controls() -> None:
    message = parse_corpus("hostile_attachments.eml")
    assert message.sender is not None
    one_line_fields = [message.subject, message.sender.name, message.sender.addr]
    one_line_fields += [a.filename for a in message.attachments]
    one_line_fields += [a.original_filename for a in message.attachments]
    for value in one_line_fields:
        assert UNSAFE.search(value) is None, value
        assert "\n" not in value
        assert "\t" not in value
    for value in (message.body_text, message.new_text):
        assert UNSAFE.search(value) is None


def test_hostile_message_keeps_the_visible_text() -> None:
    message = parse_corpus("hostile_attachments.eml")
    assert message.sender is not None
    assert message.sender.name == "Mallory"
    assert message.subject == "Urgent PAY NOW exe.pdf"
    assert message.body_text == (
        "Please see the attached files.\n"
        "Click here to pay.\n"
        "Mirrored: txt.exe and isolated, 8-bit CSI red."
    )


def test_hostile_raw_8bit_subject_is_cleaned() -> None:
    raw = with_header(b"Subject", "Pay \x1b[31mnow\x1b[0m\u202e \u009b2J\u0085!".encode())
    assert parse(raw).subject == "Pay now !"


# --- Message-ID -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [b"<abc.123@northwind.test>", b"  < abc.123@northwind.test >  ", b"abc.123@northwind.test"],
)
def test_message_id_without_angle_brackets(value: bytes) -> None:
    message = parse(with_header(b"Message-ID", value))
    assert message.message_id == "abc.123@northwind.test"
    assert message.synthetic_id is False


def test_missing_message_id_gets_a_synthetic_one() -> None:
    message = parse(mail(message_id=None))
    assert message.synthetic_id is True
    assert message.message_id.endswith("@synthetic.frontdesk.invalid")


def test_synthetic_message_id_is_stable_for_the_same_bytes() -> None:
    raw = mail(message_id=None)
    assert parse(raw).message_id == parse(raw, received_at=RECEIVED + timedelta(days=3)).message_id


def test_synthetic_message_id_differs_for_a_different_body() -> None:
    first = parse(mail(message_id=None, body="The export fails.\n"))
    second = parse(mail(message_id=None, body="The import fails.\n"))
    assert first.message_id != second.message_id


def test_synthetic_message_id_ignores_line_ending_style() -> None:
    raw = mail(message_id=None)
    assert parse(raw).message_id == parse(raw.replace(b"\n", b"\r\n")).message_id


# --- References and In-Reply-To ---------------------------------------------------------------


def test_references_keep_order_without_brackets() -> None:
    raw = with_header(b"References", b"<r1@x.test> <r2@x.test>\n\t<r3@x.test>")
    assert parse(raw).references == ("r1@x.test", "r2@x.test", "r3@x.test")


def test_references_drop_duplicates() -> None:
    raw = mail(references="<r1@x.test> <r2@x.test> <r1@x.test> <r2@x.test> <r3@x.test>")
    assert parse(raw).references == ("r1@x.test", "r2@x.test", "r3@x.test")


def test_references_drop_a_self_reference() -> None:
    raw = mail(message_id="<m1@northwind.test>", references="<r1@x.test> <m1@northwind.test>")
    assert parse(raw).references == ("r1@x.test",)


def test_in_reply_to_is_appended_to_references_when_missing() -> None:
    message = parse(mail(in_reply_to="<r3@x.test>", references="<r1@x.test> <r2@x.test>"))
    assert message.in_reply_to == "r3@x.test"
    assert message.references == ("r1@x.test", "r2@x.test", "r3@x.test")


def test_in_reply_to_already_in_references_is_not_repeated() -> None:
    message = parse(mail(in_reply_to="<r2@x.test>", references="<r1@x.test> <r2@x.test>"))
    assert message.references == ("r1@x.test", "r2@x.test")


def test_in_reply_to_alone_becomes_the_references() -> None:
    message = parse(mail(in_reply_to="<r1@x.test>"))
    assert message.in_reply_to == "r1@x.test"
    assert message.references == ("r1@x.test",)


def test_in_reply_to_with_extra_text_keeps_the_id() -> None:
    message = parse(mail(in_reply_to='<r1@x.test> (Sam\'s message of "Tue, 3 Nov 2026")'))
    assert message.in_reply_to == "r1@x.test"


def test_references_are_capped_keeping_the_newest() -> None:
    references = " ".join(f"<r{i}@x.test>" for i in range(150))
    message = parse(mail(references=references, in_reply_to="<r149@x.test>"))
    assert len(message.references) == MAX_REFERENCES
    assert message.references[0] == "r50@x.test"
    assert message.references[-1] == "r149@x.test"


def test_no_references_no_in_reply_to() -> None:
    message = parse(mail())
    assert message.references == ()
    assert message.in_reply_to is None


# --- parse_message never raises ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\x01\x02\xff\xfe\x80 binary garbage \x1b[31m", id="binary"),
        pytest.param(b"hello world, this is not mail\nno headers at all\n", id="no-headers"),
        pytest.param(b"\n\nbody after an empty header block", id="empty-header-block"),
    ],
)
def test_unparsable_input_is_flagged_and_kept_byte_for_byte(raw: bytes) -> None:
    message = parse(raw)
    assert message.parse_error
    assert message.raw == raw
    assert message.date == RECEIVED
    assert message.date_flagged is True
    assert UNSAFE.search(message.body_text) is None


def test_unparsable_input_subject_is_best_effort() -> None:
    raw = b"\n\x00\xff garbage\nSubject: Invoice =?utf-8?q?M=C3=A4rz?= \x1b[31m\nmore garbage"
    message = parse(raw)
    assert message.parse_error
    assert message.subject.startswith("Invoice")
    assert UNSAFE.search(message.subject) is None


def test_unparsable_input_without_subject_gets_a_placeholder() -> None:
    message = parse(b"")
    assert message.subject == "(unreadable message)"


def test_unparsable_inputs_get_distinct_stable_ids() -> None:
    assert parse(b"garbage one").message_id == parse(b"garbage one").message_id
    assert parse(b"garbage one").message_id != parse(b"garbage two").message_id


def test_raw_bytes_of_a_good_message_are_kept_unchanged() -> None:
    raw = (CORPUS / "nested_multipart.eml").read_bytes()
    message = parse(raw)
    assert message.raw is raw or message.raw == raw
    assert message.parse_error is None


def test_internal_failure_becomes_a_flagged_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import mail.parse as parse_module

    def explode(body: str) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(parse_module, "new_text", explode)
    raw = mail()
    message = parse(raw)
    assert message.parse_error == "RuntimeError: boom"
    assert message.raw == raw
    assert message.subject == "Export is broken"
