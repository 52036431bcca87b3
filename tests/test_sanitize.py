"""mail.sanitize: the one way untrusted text reaches a terminal, a screen or a file name."""

from __future__ import annotations

import re

import pytest

from mail.sanitize import clean_line, clean_text, safe_filename

# What must never survive sanitizing: ESC, C0 controls but tab and newline, DEL, C1 controls,
# bidi embeddings, overrides and isolates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        pytest.param("red \x1b[31mALERT\x1b[0m done", "red ALERT done", id="csi-colours"),
        pytest.param("a\x1b[38;2;255;0;0mtruecolour", "atruecolour", id="csi-truecolour"),
        pytest.param("before\x1b[2J\x1b[Hafter", "beforeafter", id="csi-clear-and-home"),
        pytest.param("up\x1b[3Aand\x1b[10;20Hmoved", "upandmoved", id="csi-cursor-moves"),
        pytest.param("\x1b[?25lhidden cursor", "hidden cursor", id="csi-private-mode"),
        pytest.param(
            "Click \x1b]8;;http://evil.test\x1b\\here\x1b]8;;\x1b\\ now",
            "Click here now",
            id="osc8-hyperlink-st",
        ),
        pytest.param(
            "Click \x1b]8;;http://evil.test\x07here\x1b]8;;\x07 now",
            "Click here now",
            id="osc8-hyperlink-bel",
        ),
        pytest.param("\x1b]0;you have been pwned\x07Subject", "Subject", id="osc-title-bel"),
        pytest.param("\x1b]2;title\x1b\\Subject", "Subject", id="osc-title-st"),
        pytest.param("8-bit \x9b31mCSI", "8-bit CSI", id="c1-csi"),
        pytest.param("8-bit \x9d0;title\x9cOSC", "8-bit OSC", id="c1-osc"),
        pytest.param("\x1bP1;2|payload\x1b\\after", "after", id="dcs"),
        pytest.param("lone ESC\x1b", "lone ESC", id="lone-esc-at-end"),
        pytest.param("\x1b(Bcharset", "charset", id="charset-selection"),
        pytest.param("\x1b7saved\x1b8", "saved", id="save-restore-cursor"),
        pytest.param("\x1bcreset", "reset", id="full-reset"),
    ],
)
def test_clean_text_removes_escape_sequences(hostile: str, expected: str) -> None:
    assert clean_text(hostile) == expected


@pytest.mark.parametrize("char", ["\x1b", "\x9b"])
def test_clean_text_removes_lone_escape_introducer_in_the_middle(char: str) -> None:
    # A terminal takes the next characters as the sequence's end, and so may the sanitizer;
    # what matters is that no introducer survives and the text around it does.
    cleaned = clean_text(f"one {char} two")
    assert "\x1b" not in cleaned
    assert "\x9b" not in cleaned
    assert cleaned.startswith("one ")
    assert cleaned.endswith("wo")


@pytest.mark.parametrize(
    "control",
    [
        "\x00",
        "\x01",
        "\x07",
        "\x08",
        "\x0b",
        "\x0c",
        "\x0e",
        "\x1f",
        "\x7f",
        "\x80",
        "\x85",
        "\x9f",
    ],
)
def test_clean_text_removes_c0_and_c1_controls(control: str) -> None:
    assert clean_text(f"in{control}voice") == "invoice"


@pytest.mark.parametrize(
    "bidi",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_clean_text_removes_bidi_overrides_and_isolates(bidi: str) -> None:
    assert clean_text(f"invoice{bidi}fdp.exe") == "invoicefdp.exe"


def test_clean_text_keeps_newlines_and_tabs() -> None:
    assert clean_text("Name:\tZoë\nOrder:\t118\n") == "Name:\tZoë\nOrder:\t118\n"


def test_clean_text_normalizes_line_endings() -> None:
    assert clean_text("one\r\ntwo\rthree\u2028four\u2029five") == "one\ntwo\nthree\nfour\nfive"


def test_clean_text_leaves_ordinary_unicode_alone() -> None:
    text = "Grüße, Zoë — “quoted” 👍🏽 家族 👨\u200d👩\u200d👧 שלום"
    assert clean_text(text) == text


def test_clean_text_unterminated_osc_does_not_swallow_the_following_lines() -> None:
    cleaned = clean_text("first line \x1b]0;not terminated\nsecond line matters\nthird line")
    assert "second line matters\nthird line" in cleaned
    assert "\x1b" not in cleaned


def test_clean_text_stray_c1_string_introducer_does_not_swallow_the_rest() -> None:
    # Latin-1 text with a byte that is undefined in Windows-1252 decodes to a C1 control;
    # U+009D is the 8-bit OSC introducer.
    cleaned = clean_text("Café \x9d ouvert.\nDeuxième ligne, très importante.")
    assert cleaned == "Café  ouvert.\nDeuxième ligne, très importante."


def test_clean_line_folds_line_breaks_and_tabs_to_single_spaces() -> None:
    assert clean_line("  Invoice\r\n\tMarch\n\n2026  ") == "Invoice March 2026"


def test_clean_line_folds_unicode_line_separators() -> None:
    assert clean_line("one\u2028two\u2029three\x85four") == "one two three four"


def test_clean_line_removes_escapes_too() -> None:
    assert clean_line("\x1b[31mURGENT\x1b[0m:\x1b]0;x\x07 pay\u202e now") == "URGENT: pay now"


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        pytest.param("../../etc/passwd", "passwd", id="path-traversal"),
        pytest.param("C:\\evil\\x.exe", "x.exe", id="windows-path"),
        pytest.param("/absolute/path/report.pdf", "report.pdf", id="absolute-path"),
        pytest.param("report\x1b[31m.txt", "report.txt", id="csi"),
        pytest.param("a\x1b]8;;http://x\x1b\\b.pdf", "ab.pdf", id="osc8"),
        pytest.param("invoice\u202efdp.exe", "invoicefdp.exe", id="rtl-override"),
        pytest.param("tab\tand\nnewline.txt", "tab and newline.txt", id="whitespace"),
        pytest.param('what?<is>:this*|".txt', "what__is__this___.txt", id="reserved-punctuation"),
        pytest.param(".bashrc", "bashrc", id="hidden-file"),
        pytest.param("notes.txt.  ", "notes.txt", id="trailing-dots-and-spaces"),
        pytest.param("CON.txt", "attachment_CON.txt", id="windows-device-name"),
        pytest.param("nul", "attachment_nul", id="windows-device-name-bare"),
    ],
)
def test_safe_filename_neutralizes_hostile_names(hostile: str, expected: str) -> None:
    assert safe_filename(hostile) == expected


@pytest.mark.parametrize("empty", ["", "   ", ".", "..", "../..", "\x1b[31m", "\u202e"])
def test_safe_filename_empty_or_nothing_left_gives_the_fallback(empty: str) -> None:
    assert safe_filename(empty, fallback="part-2") == "part-2"


def test_safe_filename_keeps_ordinary_unicode_names() -> None:
    assert safe_filename("Rechnung März €.pdf") == "Rechnung März €.pdf"


def test_safe_filename_normalizes_to_nfc() -> None:
    assert safe_filename("Zoe\u0308.txt") == "Zoë.txt"


def test_safe_filename_cuts_long_names_to_200_bytes_keeping_the_extension() -> None:
    name = safe_filename("Quarterly report " + "ü" * 300 + ".pdf")
    assert len(name.encode()) <= 200
    assert name.startswith("Quarterly report üü")
    assert name.endswith("ü.pdf")  # cut on a character boundary, not inside "ü"


def test_safe_filename_long_name_with_an_absurd_extension_is_cut_as_a_whole() -> None:
    name = safe_filename("a." + "x" * 500)
    assert len(name.encode()) <= 200
    assert name.startswith("a.xxx")


@pytest.mark.parametrize(
    "hostile",
    [
        "\x1b[31m\x1b]0;t\x07\x9b1m\x9d8;;u\x9c\u202e\u2066x\x00\x7f\x85",
        "\x1b]unterminated",
        "\x1b\x1b\x1b[[[",
        "\x9b\x9b\x9b",
    ],
)
def test_nothing_unsafe_survives_any_of_the_three(hostile: str) -> None:
    for cleaned in (clean_text(hostile), clean_line(hostile), safe_filename(hostile)):
        assert UNSAFE.search(cleaned) is None


def test_lone_surrogates_are_removed_so_any_encoder_can_write_the_text() -> None:
    from mail.sanitize import clean_line, clean_text

    assert clean_text("caf\udce9 ok") == "caf ok"
    assert clean_line("a\ud800b").encode("utf-8") == b"ab"
