"""Turning bytes of unknown or misdeclared charset into text, without mojibake.

Declared charsets are trusted when the bytes agree; UTF-8 mislabelled as ASCII or Latin-1 is
recognized; otherwise charset-normalizer guesses; only then are bytes replaced.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Labels that mail clients use loosely: text declared as these is often really UTF-8
# (a client that labels everything "us-ascii") or Windows-1252 (curly quotes, the euro sign).
_LOOSE = {"ascii", "iso8859_1", "iso8859_15", "cp1252"}
_UNKNOWN_LABELS = {"unknown-8bit", "x-unknown", "unknown", "default", "8bit"}
# Labels that senders use for the vendor supersets (Windows mailers write CP932 as "Shift_JIS").
_SUPERSETS = {"shift_jis": "cp932", "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949"}
# Charsets whose bytes are all ASCII: escape sequences switch between character sets.
_SEVEN_BIT = ("iso2022", "utf_7", "hz")
# What the detector may answer: charsets that mail is written in, all ASCII-compatible. Left to
# itself it reads a few accented bytes as UTF-16 or EBCDIC, garbling the ASCII around them too.
_DETECTABLE = [
    "utf_8", "cp1252", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "koi8_u",
    "iso8859_5", "cp1253", "iso8859_7", "cp1254", "cp1255", "iso8859_8", "cp1256", "cp1257",
    "cp874", "gb18030", "big5", "cp932", "euc_jp", "cp949",
]  # fmt: skip
_LONG_HIGH_RUN = re.compile(rb"[\x80-\xff]{4}")


def codec_for(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    if label in _UNKNOWN_LABELS:
        return None
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decodes `data`, declared as charset `declared` (None when not declared)."""
    if data.isascii():
        codec = codec_for(declared)
        if codec is not None and codec.startswith(_SEVEN_BIT):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                pass
        return data.decode("ascii")
    codec = codec_for(declared)
    if codec is None or codec in _LOOSE:
        # Undeclared, unknown or loosely used label: valid multi-byte UTF-8 is UTF-8.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if codec in {"iso8859_1", "cp1252"}:
        # Latin-1 as sent by mail clients is Windows-1252 (curly quotes, euro sign).
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("iso8859_1")
    if codec is not None and codec != "ascii":
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if codec in (None, "ascii") and _mostly_latin(data):
        # Western text with a few accented letters: the Windows-1252 reading is right far
        # more often than a detector's guess on so few bytes.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    guess = from_bytes(data, steps=5, chunk_size=512, cp_isolation=_DETECTABLE).best()
    if guess is not None and guess.encoding:
        return str(guess)
    return data.decode(codec if codec and codec != "ascii" else "cp1252", "replace")


def _mostly_latin(data: bytes) -> bool:
    """True when at most a quarter of the letters are non-ASCII, as in French, German, Spanish...,
    or when no more than three non-ASCII bytes ever follow each other: accents and curly quotes
    in short text ("Zoë", "Größe"), where Cyrillic, Greek or CJK would have longer runs."""
    high = sum(1 for byte in data if byte >= 0x80)
    if high * 4 <= sum(1 for byte in data if byte >= 0x80 or chr(byte).isalpha()):
        return True
    return _LONG_HIGH_RUN.search(data) is None
