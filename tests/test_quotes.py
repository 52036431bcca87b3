"""new_text: what a reply adds to the conversation, without quoted history or signatures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mail.parse import parse_message
from mail.quotes import new_text

CORPUS = Path(__file__).parent / "corpus"
RECEIVED = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)


def corpus_new_text(name: str) -> str:
    message = parse_message((CORPUS / name).read_bytes(), RECEIVED)
    assert message.parse_error is None
    return message.new_text


# --- real client formats, as whole messages ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reply_gmail.eml", "Thanks, that fixed it! The export runs again."),
        ("reply_gmail_wrapped_attribution.eml", "Yes, version 4.2.1 works for me now."),
        ("reply_outlook.eml", "Hi Sam,\n\nI still cannot find the invoice in the portal.\n\nBob"),
        ("reply_outlook_original_message.eml", "Found it, thank you."),
        (
            "reply_outlook_html_only.eml",
            "Hi Sam,\n\nthe invoice is still not in the portal.\n\nBob",
        ),
        ("reply_apple_mail.eml", "Disabling the content blocker solved it."),
        ("reply_thunderbird.eml", "Here is the file that fails, rows 12 to 14 are skipped."),
        ("reply_iphone.eml", "Ok, will try tonight"),
        ("reply_android.eml", "Still the same error after clearing the cache."),
        ("reply_german.eml", "Vielen Dank, jetzt klappt der Export wieder."),
        ("reply_french.eml", "Merci, j'ai bien reçu la facture."),
        (
            "reply_signature.eml",
            "Our webhook endpoint receives every event three times since Monday.",
        ),
        ("reply_signoff.eml", "Thanks, that fixed it!\nThe nightly export ran without errors."),
        (
            "reply_bottom_posted.eml",
            "Firefox 132 on Ubuntu 24.04.\n\n"
            "Version 4.2.1, installed from the website.\n\n"
            "Only for exports larger than 10 MB.",
        ),
        ("reply_only_quoted.eml", ""),
    ],
)
def test_new_text_of_client_reply_formats(name: str, expected: str) -> None:
    assert corpus_new_text(name) == expected


@pytest.mark.parametrize(
    ("name", "history"),
    [
        ("reply_gmail.eml", "Settings → Data"),
        ("reply_gmail_wrapped_attribution.eml", "wrote:"),
        ("reply_outlook.eml", "Billing > Documents"),
        ("reply_outlook_original_message.eml", "Original Message"),
        ("reply_outlook_html_only.eml", "Billing > Documents"),
        ("reply_apple_mail.eml", "content blocker in Safari"),
        ("reply_iphone.eml", "Sent from my iPhone"),
        ("reply_german.eml", "schrieb"),
        ("reply_french.eml", "a écrit"),
        ("reply_signature.eml", "Platform Engineering"),
        ("reply_signoff.eml", "Best regards"),
        ("reply_bottom_posted.eml", "Which browser"),
    ],
)
def test_body_text_keeps_what_new_text_cuts(name: str, history: str) -> None:
    message = parse_message((CORPUS / name).read_bytes(), RECEIVED)
    assert history in message.body_text
    assert history not in message.new_text


def test_html_only_gmail_reply_cuts_the_attribution_and_blockquote() -> None:
    raw = (
        b"From: Zoe <zoe@northwind.test>\nTo: support@acme.test\nSubject: Re: Export\n"
        b"Message-ID: <html-gmail@northwind.test>\nContent-Type: text/html; charset=UTF-8\n\n"
        b'<div dir="ltr"><div>Thanks, fixed!</div></div><br><div class="gmail_quote">'
        b'<div dir="ltr" class="gmail_attr">On Tue, 3 Nov 2026 at 14:02, Acme Support &lt;'
        b'<a href="mailto:support@acme.test">support@acme.test</a>&gt; wrote:<br></div>'
        b'<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">'
        b"Please try again.<br>Sam</blockquote></div>"
    )
    assert parse_message(raw, RECEIVED).new_text == "Thanks, fixed!"


# --- attribution lines ------------------------------------------------------------------------

QUOTED = "> Please clear the cache and try again.\n>\n> Sam\n"


@pytest.mark.parametrize(
    "attribution",
    [
        "On Tue, 3 Nov 2026 at 14:02, Acme Support <support@acme.test> wrote:",
        "On Tue, Nov 3, 2026 at 2:02 PM Acme Support <support@acme.test> wrote:",
        "On Tue, 3 Nov 2026 at 14:02, Acme Customer Support Team <support@acme.test>\nwrote:",
        "On Tue, Nov 3, 2026 at 2:02 PM Acme Customer Support Team <\nsupport@acme.test> wrote:",
        "On 3 Nov 2026, at 14:02, Acme Support <support@acme.test> wrote:",
        "On 03/11/2026 14:02, Acme Support wrote:",
        "Am 03.11.2026 um 14:02 schrieb Acme Support <support@acme.test>:",
        "Am Di., 3. Nov. 2026 um 14:02 Uhr schrieb Acme Support <support@acme.test>:",
        "Le mar. 3 nov. 2026 à 14:02, Acme Support <support@acme.test> a écrit :",
        "Le 3 nov. 2026 à 14:02, Acme Support <support@acme.test> a écrit :",
    ],
)
def test_attribution_line_and_quote_are_cut(attribution: str) -> None:
    body = f"It works now.\n\n{attribution}\n{QUOTED}"
    assert new_text(body) == "It works now."


@pytest.mark.parametrize(
    "block",
    [
        "From: Acme Support <support@acme.test>\nSent: Tuesday, November 3, 2026 2:02 PM\n"
        "To: Bob Smith <bob@contoso.test>\nSubject: RE: Invoice missing",
        "-----Original Message-----\nFrom: Acme Support [mailto:support@acme.test]\n"
        "Sent: Tuesday, November 3, 2026 2:02 PM",
        "________________________________\nFrom: Acme Support <support@acme.test>\n"
        "Sent: Tuesday, November 3, 2026 2:02 PM",
        "Von: Acme Support <support@acme.test>\nGesendet: Dienstag, 3. November 2026 14:02\n"
        "An: Jürgen Weiß\nBetreff: AW: Export",
    ],
)
def test_outlook_header_block_and_everything_after_is_cut(block: str) -> None:
    body = f"Still broken here.\n\n{block}\n\nPlease clear the cache.\n"
    assert new_text(body) == "Still broken here."


# --- signatures and sign-offs -----------------------------------------------------------------


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",
        "Get Outlook for Android",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "-- \nBob Smith\nContoso",
        "--\nBob Smith",
    ],
)
def test_mobile_footers_and_signature_blocks_are_cut(footer: str) -> None:
    assert new_text(f"The export works again.\n\n{footer}\n") == "The export works again."


@pytest.mark.parametrize(
    "sign_off",
    [
        "Best regards,\nZoë",
        "Kind regards,\nZoë Müller\nHead of Operations\nNorthwind Traders",
        "Thanks,\nZoë",
        "Cheers,\nZoë",
        "Mit freundlichen Grüßen\nJürgen Weiß",
        "Cordialement,\nMaëlle",
    ],
)
def test_sign_off_and_name_are_cut(sign_off: str) -> None:
    assert new_text(f"The export works again.\n\n{sign_off}\n") == "The export works again."


def test_thanks_in_the_body_is_kept_while_the_sign_off_is_cut() -> None:
    assert new_text("Thanks, that fixed it!\n\nBest regards,\nZoë\n") == "Thanks, that fixed it!"


@pytest.mark.parametrize("body", ["Thanks!", "Thanks, that fixed it!", "Thanks,\nZoë"])
def test_a_message_that_is_only_thanks_is_kept(body: str) -> None:
    assert new_text(body) == body


def test_thanks_followed_by_more_sentences_is_not_a_sign_off() -> None:
    body = (
        "The import works now.\n"
        "Thanks!\n"
        "But the export still fails with error 500 whenever I choose the PDF format."
    )
    assert new_text(body) == body


def test_double_dash_lines_inside_the_text_are_kept() -> None:
    body = "Steps:\n-- open the app\n-- click export"
    assert new_text(body) == body


@pytest.mark.parametrize(
    "body",
    [
        "Date: the 5th works for me.\nSee you then.",
        "To: whom it may concern, the export fails.\nPlease help.",
    ],
)
def test_lines_that_merely_start_like_headers_are_kept(body: str) -> None:
    assert new_text(body) == body


# --- quoting styles ---------------------------------------------------------------------------


def test_bottom_posting_keeps_only_the_non_quoted_lines() -> None:
    body = (
        "> Which browser do you use?\n"
        "Firefox 132.\n"
        "> And which version of the app?\n"
        "Version 4.2.1.\n"
    )
    assert new_text(body) == "Firefox 132.\nVersion 4.2.1."


def test_inline_answers_after_a_greeting_are_all_kept() -> None:
    body = (
        "Hi Sam, answers below.\n\n"
        "> Which browser do you use?\n\n"
        "Firefox 132.\n\n"
        "> And which version?\n\n"
        "4.2.1.\n\n"
        "Thanks,\nPiotr\n"
    )
    assert new_text(body) == "Hi Sam, answers below.\n\nFirefox 132.\n\n4.2.1."


def test_top_posting_ignores_text_inside_the_quoted_history() -> None:
    body = (
        "Works now.\n\n"
        "On Tue, 3 Nov 2026 at 14:02, Acme Support <support@acme.test> wrote:\n"
        "> Please try again.\n"
        ">> On Mon, 2 Nov 2026 at 09:00, Zoë <zoe@northwind.test> wrote:\n"
        ">> The export fails.\n"
    )
    assert new_text(body) == "Works now."


def test_history_below_an_empty_outlook_reply_is_not_taken_for_inline_answers() -> None:
    body = (
        "From: Acme Support <support@acme.test>\nSent: Tuesday, November 3, 2026 2:02 PM\n"
        "To: Bob Smith <bob@contoso.test>\nSubject: RE: Invoice missing\n\n"
        "Please see below.\n\n"
        "> Where is my invoice?\n\n"
        "It is under Billing > Documents.\n"
    )
    assert new_text(body) == ""


@pytest.mark.parametrize(
    "body",
    [
        "> Please clear the cache.\n> Sam\n",
        "On Tue, 3 Nov 2026 at 14:02, Acme Support <support@acme.test> wrote:\n> Please try.\n",
        "\n\n> quoted after blank lines\n",
        "",
    ],
)
def test_a_message_that_is_only_quoted_text_has_no_new_text(body: str) -> None:
    assert new_text(body) == ""
