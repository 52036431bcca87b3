"""Tags as IMAP keywords, and back: the names teammates' frontdesks and other mail clients see.

A tag made of a-z 0-9 . - is its own keyword (`bug-report` reads `bug-report` in Thunderbird
or aerc); a space becomes `_` (`needs design` is `needs_design`, as Thunderbird writes it); any
other character is its code point in hex, a run of them between `+` signs (`ü` is `+fc+`,
`+` is `+2b+`), so every keyword is a plain IMAP atom, in lower case, that decodes to exactly
the tag it came from. A tag whose keyword would be longer than servers keep (Dovecot: 50)
stays in the store only. System flags (`\\Seen`), `$`-keywords (`$Forwarded`, `$Junk`,
`$label1`...) and the usual junk markers are mail state, never tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from storage.errors import FrontdeskError
from storage.work import normalize_tag

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_RUN = re.compile(r"\+([0-9a-f]{1,6}(?:\.[0-9a-f]{1,6})*)\+", re.IGNORECASE)
MAX_KEYWORD_CHARS = 50
"""Dovecot's default `mail_max_keyword_length`; other servers allow at least as much."""
NOT_TAGS = frozenset({"junk", "nonjunk", "notjunk", "forwarded", "redirected", "mdnsent"})
"""Keywords without a `$` that clients use for mail state (Thunderbird's Junk/NonJunk...)."""


def tag_keyword(tag: str) -> str | None:
    """The keyword of a (normalized) tag; None when it would be too long for servers."""
    parts: list[str] = []
    run: list[str] = []
    for char in tag + " ":  # the trailing space only ends the last run; it is dropped below
        if char in _PLAIN or char == " ":
            if run:
                parts.append("+" + ".".join(run) + "+")
                run = []
            parts.append("_" if char == " " else char)
        else:
            run.append(f"{ord(char):x}")
    keyword = "".join(parts)[:-1]
    if keyword in NOT_TAGS:  # a tag named `junk` must not read as mail state
        keyword = f"+{ord(keyword[0]):x}+{keyword[1:]}"
    return keyword if len(keyword) <= MAX_KEYWORD_CHARS else None


def keyword_tag(keyword: str) -> str | None:
    """The tag a keyword stands for, or None when it is mail state or cannot be a tag. A
    keyword another client made (`Customer`, `needs_design`) counts as its normalized name."""
    if not keyword or keyword[0] in "\\$" or keyword.lower() in NOT_TAGS:
        return None
    text: list[str] = []
    position = 0
    for run in _RUN.finditer(keyword):
        text.append(keyword[position : run.start()].replace("_", " "))
        code_points = [int(code, 16) for code in run.group(1).split(".")]
        if any(code > 0x10FFFF for code in code_points):
            text.append(run.group(0))
        else:
            text.append("".join(chr(code) for code in code_points))
        position = run.end()
    text.append(keyword[position:].replace("_", " "))
    try:
        return normalize_tag("".join(text))
    except FrontdeskError:
        return None  # too long or empty: a keyword, but no tag


def tags_in(flags: Iterable[str]) -> dict[str, frozenset[str]]:
    """The tags a message's flags carry, each with the keywords that carry it (another client
    may have set `Billing` where frontdesk would set `billing`)."""
    found: dict[str, set[str]] = {}
    for flag in flags:
        tag = keyword_tag(flag)
        if tag is not None:
            found.setdefault(tag, set()).add(flag)
    return {tag: frozenset(keywords) for tag, keywords in found.items()}


def accepts_keywords(permanent_flags: Iterable[bytes | str] | None) -> bool:
    """Whether a folder keeps keywords a client makes up (PERMANENTFLAGS has `\\*`). A server
    that does not say is taken at its word that all flags are permanent (RFC 3501)."""
    if permanent_flags is None:
        return True
    names = {f.decode("ascii", "replace") if isinstance(f, bytes) else f for f in permanent_flags}
    return "\\*" in names
