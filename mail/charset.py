"""Turning bytes of unknown or misdeclared charset into text, without mojibake.

Declared charsets are trusted when the bytes agree; UTF-8 mislabelled as ASCII or Latin-1 is
recognized; otherwise charset-normalizer guesses; only then are bytes replaced.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Labels that mail clients use loosely: text declared as these is often really UTF-8
# (a client that labels everything "us-ascii") or Windows-1252 (curly quotes, the euro sign).
_LOOSE = {"ascii", "iso8859_1", "iso8859_15", "cp1252"}
_UNKNOWN_LABELS = {"unknown-8bit", "x-unknown", "unknown", "default", "8bit"}


def codec_for(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    if label in _UNKNOWN_LABELS:
        return None
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decodes `data`, declared as charset `declared` (None when not declared)."""
    if data.isascii():
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
    if codec is None and _mostly_latin(data):
        # Western text with a few accented letters: the Windows-1252 reading is right far
        # more often than a detector's guess on so few bytes.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    guess = from_bytes(data, steps=5, chunk_size=512).best()
    if guess is not None and guess.encoding:
        return str(guess)
    return data.decode(codec if codec and codec != "ascii" else "cp1252", "replace")


def _mostly_latin(data: bytes) -> bool:
    """True when at most a quarter of the letters are non-ASCII, as in French, German, Spanish..."""
    high = sum(1 for byte in data if byte >= 0x80)
    return high * 4 <= sum(1 for byte in data if byte >= 0x80 or chr(byte).isalpha())
