"""Charsets: declared ones trusted when the bytes agree, broken ones recovered, never mojibake."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mail.charset import codec_for, decode_bytes
from mail.parse import decode_words, parse_message
from storage.models import IncomingMessage

CORPUS = Path(__file__).parent / "corpus"
RECEIVED = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)


def parse_corpus(name: str) -> IncomingMessage:
    return parse_message((CORPUS / name).read_bytes(), RECEIVED)


# --- codec_for --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("utf-8", "utf_8"),
        ('"UTF-8"', "utf_8"),
        (" utf8 ", "utf_8"),
        ("us-ascii", "ascii"),
        ("ISO-8859-1", "iso8859_1"),
        ("windows-1252", "cp1252"),
        ("koi8-r", "koi8_r"),
        ("big5", "big5"),
    ],
)
def test_codec_for_maps_mime_labels_to_python_codecs(label: str, codec: str) -> None:
    assert codec_for(label) == codec


@pytest.mark.parametrize("label", [None, "", "x-foo", "unknown-8bit", "x-unknown", "default"])
def test_codec_for_unknown_or_meaningless_labels_is_none(label: str | None) -> None:
    assert codec_for(label) is None


# --- decode_bytes -----------------------------------------------------------------------------

UTF8_TEXT = "Hi, it’s Zoë from Zürich — my order hasn’t arrived."
LATIN1_TEXT = "Ça marche très bien, merci beaucoup Zoë !"


def test_ascii_bytes_decode_as_ascii_whatever_the_label() -> None:
    assert decode_bytes(b"plain text", "koi8-r") == "plain text"


@pytest.mark.parametrize("label", ["us-ascii", "iso-8859-1", "windows-1252", "latin1", None])
def test_utf8_mislabelled_as_ascii_or_latin1_is_read_as_utf8(label: str | None) -> None:
    assert decode_bytes(UTF8_TEXT.encode("utf-8"), label) == UTF8_TEXT


def test_windows_1252_curly_quotes_labelled_iso_8859_1_are_read_as_windows_1252() -> None:
    text = "You said “next week” – it’s been a month… I paid €49."
    assert decode_bytes(text.encode("cp1252"), "iso-8859-1") == text


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_unknown_label_x_foo_with_utf8_or_latin1_bytes(encoding: str) -> None:
    assert decode_bytes(LATIN1_TEXT.encode(encoding), "x-foo") == LATIN1_TEXT


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("您好，我的订单还没有到，请帮我查一下。", "gb2312"),
        ("您好，我的訂單還沒有到，請幫我查一下。", "big5"),
        ("お世話になっております。注文がまだ届いていません。", "shift_jis"),
        ("お世話になっております。注文がまだ届いていません。", "euc-jp"),
        ("Здравствуйте! Мой заказ до сих пор не пришёл.", "koi8-r"),
        ("Здравствуйте! Мой заказ до сих пор не пришёл.", "windows-1251"),
        ("안녕하세요, 주문이 아직 도착하지 않았습니다.", "euc-kr"),
        ("Dobrý den, objednávka nepřišla, prosím o kontrolu.", "iso-8859-2"),
        ("Γεια σας, η παραγγελία μου δεν έφτασε.", "iso-8859-7"),
    ],
)
def test_declared_legacy_charsets_are_honoured(text: str, label: str) -> None:
    assert decode_bytes(text.encode(label), label) == text


def test_iso_2022_jp_is_decoded_although_its_bytes_are_all_ascii() -> None:
    text = "お世話になっております。注文した商品がまだ届いていません。"
    assert decode_bytes(text.encode("iso2022_jp"), "ISO-2022-JP") == text


@pytest.mark.parametrize(
    "text",
    [
        "注文番号①の商品が届いていません。㈱アクメ",
        "①②③ ～ ㈱ 注文",
        "株式会社アクメ ご担当者様\n①請求書\n②納品書\nよろしくお願いいたします。",
        "髙橋様、お世話になっております。",
    ],
)
def test_shift_jis_label_covers_the_windows_characters_senders_actually_use(text: str) -> None:
    # Windows and macOS mailers label CP932 as Shift_JIS; circled digits, NEC/IBM
    # extensions and 髙 are everywhere in Japanese business mail.
    assert decode_bytes(text.encode("cp932"), "shift_jis") == text


def test_gb2312_label_covers_gbk_characters() -> None:
    text = "您好，朱镕基同志的訂單"  # 镕 and the traditional characters are GBK, not GB2312
    assert decode_bytes(text.encode("gbk"), "gb2312") == text


@pytest.mark.parametrize("word", ["Café", "Zoë", "Größe", "Müller", "Grüße"])
@pytest.mark.parametrize("label", [None, "us-ascii", "x-foo", "unknown-8bit"])
def test_short_latin1_words_undeclared_or_mislabelled_are_not_mojibake(
    word: str, label: str | None
) -> None:
    assert decode_bytes(word.encode("latin-1"), label) == word


def test_latin1_sentence_labelled_us_ascii_is_read_as_latin1() -> None:
    text = "Merci beaucoup, à bientôt !"
    assert decode_bytes(text.encode("latin-1"), "us-ascii") == text


@pytest.mark.parametrize(
    "text", ["“Hi” – the price is €5…", "“Hi” – cost €5", "It’s fine", "Order #12 – shipped"]
)
@pytest.mark.parametrize("label", [None, "us-ascii"])
def test_windows_1252_punctuation_undeclared_or_as_ascii_is_read_as_windows_1252(
    text: str, label: str | None
) -> None:
    assert decode_bytes(text.encode("cp1252"), label) == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Здравствуйте! Мой заказ до сих пор не пришёл.", "koi8-r"),
        ("Здравствуйте! Мой заказ до сих пор не пришёл.", "windows-1251"),
        ("您好，我的订单还没有到，请帮我查一下。", "gb2312"),
        ("お世話になっております。注文がまだ届いていません。", "shift_jis"),
        ("Γεια σας, η παραγγελία μου δεν έφτασε.", "iso-8859-7"),
    ],
)
@pytest.mark.parametrize("label", [None, "x-foo"])
def test_undeclared_non_latin_sentences_are_detected(
    text: str, encoding: str, label: str | None
) -> None:
    assert decode_bytes(text.encode(encoding), label) == text


def test_latin1_bytes_labelled_utf8_are_recovered() -> None:
    text = "Grüße aus München, schöne Woche!"
    assert decode_bytes(text.encode("latin-1"), "utf-8") == text


def test_undecodable_bytes_never_raise() -> None:
    assert isinstance(decode_bytes(bytes(range(256)), "utf-8"), str)
    assert isinstance(decode_bytes(bytes(range(256)), "x-foo"), str)


# --- RFC 2047 encoded words in any charset ----------------------------------------------------


def encoded_word(text: str, charset: str, encoding: str = "b") -> str:
    data = text.encode(charset)
    if encoding == "b":
        return f"=?{charset}?b?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?q?{''.join(f'={byte:02X}' for byte in data)}?="


@pytest.mark.parametrize(
    ("text", "charset"),
    [
        ("Zoë Müller", "utf-8"),
        ("Zoë Müller", "iso-8859-1"),
        ("“Rechnung” – €", "windows-1252"),
        ("订单问题", "gb2312"),
        ("訂單問題", "big5"),
        ("注文について", "shift_jis"),
        ("注文について", "iso-2022-jp"),
        ("Заказ не пришёл", "koi8-r"),
        ("주문 문의", "euc-kr"),
    ],
)
@pytest.mark.parametrize("encoding", ["b", "q"])
def test_encoded_words_decode_in_any_charset(text: str, charset: str, encoding: str) -> None:
    assert decode_words(encoded_word(text, charset, encoding)) == text


# --- whole messages from the corpus -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected_body"),
    [
        (
            "charset_utf8_labelled_us_ascii.eml",
            "Hi, it’s Zoë from Zürich — my order #118 hasn’t arrived.",
        ),
        (
            "charset_utf8_labelled_latin1.eml",
            "Grüße aus München, die Lieferung für Frau Weiß fehlt noch.",
        ),
        (
            "charset_cp1252_labelled_latin1.eml",
            "You said “next week” – it’s been a month… I paid €49.",
        ),
        ("charset_unknown_label_utf8.eml", "Ça marche très bien, merci beaucoup Zoë !"),
        ("charset_unknown_label_latin1.eml", "Ça marche très bien, merci beaucoup Zoë !"),
        ("charset_gb2312.eml", "您好，我的订单还没有到，请帮我查一下。"),
        ("charset_big5.eml", "您好，我的訂單還沒有到，請幫我查一下。"),
        ("charset_shift_jis.eml", "お世話になっております。注文番号①の商品がまだ届いていません。"),
        ("charset_koi8_r.eml", "Здравствуйте! Мой заказ до сих пор не пришёл."),
        (
            "charset_iso_2022_jp.eml",
            "お世話になっております。\n注文した商品がまだ届いていません。",
        ),
    ],
)
def test_corpus_bodies_decode_without_mojibake(name: str, expected_body: str) -> None:
    assert parse_corpus(name).body_text == expected_body


@pytest.mark.parametrize(
    ("name", "expected_subject"),
    [
        ("charset_gb2312.eml", "订单问题"),
        ("charset_big5.eml", "訂單問題"),
        ("charset_shift_jis.eml", "注文について"),
        ("charset_koi8_r.eml", "Заказ"),
        ("charset_iso_2022_jp.eml", "注文について"),
    ],
)
def test_corpus_encoded_subjects_decode(name: str, expected_subject: str) -> None:
    assert parse_corpus(name).subject == expected_subject


def test_raw_8bit_utf8_headers_are_decoded() -> None:
    message = parse_corpus("headers_raw_utf8.eml")
    assert message.subject == "Grüße aus Zürich – Rechnung №7"
    assert message.sender is not None
    assert message.sender.name == "Zoë Müller"
    assert [(a.addr, a.name) for a in message.to] == [("juergen@beispiel.test", "Jürgen Weiß")]


def test_raw_8bit_latin1_headers_are_decoded() -> None:
    message = parse_corpus("headers_raw_latin1.eml")
    assert message.subject == "Grüße aus Zürich"
    assert message.sender is not None
    assert message.sender.name == "Zoë Müller"
    assert [(a.addr, a.name) for a in message.to] == [("juergen@beispiel.test", "Jürgen Weiß")]
    assert message.body_text == "Hallo, schöne Grüße!"
