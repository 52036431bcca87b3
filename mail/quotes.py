"""The customer's *new* text in a reply: quoted history, attribution lines and signatures cut.

mail-parser-reply finds where the quoted history starts ("On … wrote:", Outlook's header block,
"-----Original Message-----", in a dozen languages); the signature rules here are stricter than
its own, which would take "Thanks, that fixed it!" for a sign-off.
"""

from __future__ import annotations

import re

from mailparser_reply.parser import EmailMessage

# Polish is left out: its header rule accepts a single "Data: …" line, common in English mail.
_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "cs"]
_HEADER_REGEX: re.Pattern[str] = EmailMessage(text="", languages=list(_LANGUAGES)).HEADER_REGEX

_SIGNATURE_DELIMITER = re.compile(r"^-- ?$|^__+$")
_MOBILE_FOOTER = re.compile(
    r"^(sent from my |sent from (outlook|mail|yahoo mail)|get outlook for |sent via |"
    r"von meinem \S+ gesendet|envoyé de mon |enviado desde mi )",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(best|kind|warm|many thanks( and)?|with)? ?(regards|wishes|thanks|thank you|cheers|best)"
    r"[,.!]?$|^(thanks|thx|cheers|best|regards|ta)[,.!]?$|"
    r"^(mit freundlichen grüßen|viele grüße|cordialement|saludos|un saludo|groeten|"
    r"met vriendelijke groet|pozdrawiam|med vänliga hälsningar)[,.!]?$",
    re.IGNORECASE,
)
_SIGN_OFF_TAIL_LINES = 10  # name, title, company, phone, web: signatures run long
_SIGN_OFF_TAIL_WORDS = 6  # a longer line after a sign-off is a sentence, not a name or title


def new_text(body: str) -> str:
    """The text this message adds to the conversation, for previews and folding."""
    if not body:
        return ""
    all_lines = body.split("\n")
    first_quote = next((i for i, line in enumerate(all_lines) if line.startswith(">")), None)
    before = "\n".join(all_lines[:first_quote])
    head = before[: _history_start(before)]
    history = before[len(head) :]
    attribution_only = sum(1 for line in history.split("\n") if line.strip()) <= 2
    if first_quote is None or (history and (head.strip() or not attribution_only)):
        # Top-posting: the new text, then an attribution or header block and the history.
        lines = [line.rstrip() for line in head.split("\n")]
    else:
        # Inline or bottom-posting (any attribution is above the first quote): the answers are
        # the lines between the quotes.
        kept = head.split("\n") + all_lines[first_quote:]
        lines = [line.rstrip() for line in kept if not line.startswith(">")]
        lines = [line for i, line in enumerate(lines) if line or (i > 0 and lines[i - 1])]
    lines = _cut_signature(lines)
    return "\n".join(lines).strip()


def _history_start(text: str) -> int:
    """Where quoted history starts: the first line that begins an attribution or header block.

    Every pattern of the library is anchored at a line start and has a colon on its first or
    second line (or is a "-----" separator), so it is tried only at such lines: the same place
    `search` would find, at a fraction of the cost."""
    lines = text.split("\n")
    offset = 0
    for index, line in enumerate(lines):
        colon_near = ":" in line or (index + 1 < len(lines) and ":" in lines[index + 1])
        if (colon_near or "-----" in line) and _HEADER_REGEX.match(text, offset) is not None:
            return offset
        offset += len(line) + 1
    return len(text)


def _cut_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _SIGNATURE_DELIMITER.match(line) or _MOBILE_FOOTER.match(stripped):
            return lines[:index]
    # A sign-off alone on its line, followed only by a few short lines (name, title) to the end.
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    for index in range(last, max(-1, last - _SIGN_OFF_TAIL_LINES - 1), -1):
        if _SIGN_OFF.match(lines[index].strip()):
            if index > 0:
                return lines[:index]
            break
        if len(lines[index].split()) > _SIGN_OFF_TAIL_WORDS:
            break
    return lines
