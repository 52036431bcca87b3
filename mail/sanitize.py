"""The one way untrusted mail text reaches a screen, a terminal or a file name.

`clean_text` removes control characters and terminal escape sequences and neutralizes bidi
overrides; `clean_line` also folds line breaks for one-line fields; `safe_filename` makes an
attachment name safe to save.
"""

from __future__ import annotations

import re
import unicodedata

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/APC/PM/SOS strings up to their
# terminator (BEL or ESC \) on the same line, and two-character escapes. The 8-bit C1 forms are
# covered too. A string without a terminator loses only its introducer (by the last branch or
# `_CONTROL`), never the rest of the text.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?          # CSI
  | (?:\x1b[\]P_^X]|[\x90\x98\x9d\x9e\x9f]) [^\x07\x1b\x9c\n]* (?:\x07|\x1b\\|\x9c)   # OSC, DCS...
  | \x1b [ -/]* [0-~]?                            # other escapes (charset selection, RIS...)
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 controls but tab and newline, DEL, C1 controls; plus bidi embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069), which can make text read backwards ("Trojan Source").
# Lone surrogates (from undecodable bytes) go too: no encoder can write them out.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_NEEDS_WORK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def clean_text(text: str) -> str:
    """Returns `text` safe to show: no control characters but newline and tab, no escapes.

    Line endings become `\\n`; Unicode line and paragraph separators become `\\n` too.
    """
    if not _NEEDS_WORK.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def clean_line(text: str) -> str:
    """Like `clean_text`, for one-line fields (subjects, names): line breaks and tabs fold
    to single spaces, and surrounding space is trimmed."""
    text = _LINE_BREAKS.sub(" ", text).replace("\t", " ")
    text = clean_text(text)
    return " ".join(text.split()) if "  " in text else text.strip()


_UNSAFE_IN_FILENAME = re.compile(r'[<>:"|?*\\/\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
_MAX_FILENAME_BYTES = 200


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name that saves where it is meant to: no directories, no hidden or reserved
    names, no control characters, at most 200 bytes (keeping the extension)."""
    name = unicodedata.normalize("NFC", clean_line(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_IN_FILENAME.sub("_", name).strip(" .")
    if not name or _WINDOWS_RESERVED.match(name):
        name = f"{fallback}_{name}" if name else fallback
    if len(name.encode()) > _MAX_FILENAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext.encode()) > 16:
            stem, ext = name, ""
        budget = _MAX_FILENAME_BYTES - len(ext.encode()) - 1
        stem = stem.encode()[:budget].decode("utf-8", "ignore")
        name = f"{stem}.{ext}" if ext else stem
    return name
