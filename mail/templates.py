"""Saved-reply variables: `{customer.first_name}`, with a fallback `{customer.first_name|there}`,
filled in from the conversation; `{{` and `}}` are literal braces.

A variable that cannot be filled stays in the text, as written, and is reported with its place:
the agent sees it, and `unresolved` keeps a reply holding one from being sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from mail.parse import without_reply_prefixes
from mail.sanitize import clean_line

# What a saved reply may use. The colleague's are filled in for handoffs only.
VARIABLES: dict[str, str] = {
    "customer.first_name": "The customer's first name, from their display name",
    "customer.name": "The customer's full name",
    "customer.company": "The customer's company",
    "customer.plan": "The customer's plan",
    "agent.first_name": "Your first name (`team.me`, else `send.from_name`)",
    "agent.name": "Your full name",
    "conversation.subject": "The subject, without Re: or Fwd:",
    "colleague.first_name": "The colleague a conversation is handed to (handoffs)",
    "colleague.name": "The colleague's full name (handoffs)",
    "colleague.description": "What the colleague looks after (handoffs)",
    "colleague.when": "When the colleague will be in touch (handoffs)",
}

# `{{`, `}}`, or a placeholder: `{scope.name}` with an optional `|fallback` on the same line.
_TOKEN = re.compile(
    r"\{\{|\}\}|\{(?P<name>[A-Za-z_]\w*\.[A-Za-z_]\w*)(?:\|(?P<fallback>[^{}\n]*))?\}"
)
# What a reply must not be sent with: a placeholder left in (not `{{`-escaped prose braces).
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\.[A-Za-z_]\w*(?:\|[^{}\n]*)?\}")

UNKNOWN = "unknown variable"
NO_VALUE = "no value and no fallback"


@dataclass(frozen=True)
class Problem:
    """A placeholder left in the rendered text: `start`/`end` are its offsets there."""

    start: int
    end: int
    variable: str
    reason: str

    def describe(self) -> str:
        return f"{{{self.variable}}}: {self.reason}"


@dataclass(frozen=True)
class Rendered:
    text: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Context:
    """What variables are filled from. Names are display names as the mail gave them."""

    customer_name: str = ""
    customer_company: str | None = None
    customer_plan: str | None = None
    agent_name: str = ""
    subject: str = ""
    colleague_name: str | None = None
    colleague_description: str | None = None
    colleague_when: str | None = None

    def values(self) -> dict[str, str | None]:
        return {
            "customer.first_name": first_name(self.customer_name),
            "customer.name": _display(self.customer_name) or None,
            "customer.company": self.customer_company,
            "customer.plan": self.customer_plan,
            "agent.first_name": first_name(self.agent_name),
            "agent.name": _display(self.agent_name) or None,
            "conversation.subject": without_reply_prefixes(clean_line(self.subject)) or None,
            "colleague.first_name": first_name(self.colleague_name or ""),
            "colleague.name": _display(self.colleague_name or "") or None,
            "colleague.description": self.colleague_description,
            "colleague.when": self.colleague_when,
        }


def render(template: str, context: Context | Mapping[str, str | None]) -> Rendered:
    """`template` with its variables filled in, and the placeholders that could not be."""
    values = context.values() if isinstance(context, Context) else dict(context)
    parts: list[str] = []
    problems: list[Problem] = []
    length = 0
    position = 0
    for match in _TOKEN.finditer(template):
        parts.append(template[position : match.start()])
        length += match.start() - position
        position = match.end()
        token = match.group(0)
        name = match.group("name")
        if name is None:
            piece = token[0]  # `{{` or `}}`
        else:
            key = name.lower()
            value = clean_line(values.get(key) or "") if key in VARIABLES else ""
            fallback = match.group("fallback")
            if value:
                piece = value
            elif key in VARIABLES and fallback is not None:
                piece = clean_line(fallback)
            else:
                piece = token
                reason = UNKNOWN if key not in VARIABLES else NO_VALUE
                problems.append(Problem(length, length + len(token), name, reason))
        parts.append(piece)
        length += len(piece)
    parts.append(template[position:])
    return Rendered("".join(parts), tuple(problems))


@dataclass(frozen=True)
class Placeholder:
    start: int
    end: int
    variable: str
    known: bool


def placeholders(template: str) -> list[Placeholder]:
    """Where `template` has variables (not `{{` escapes): for showing a reply as written."""
    return [
        Placeholder(m.start(), m.end(), m.group("name"), m.group("name").lower() in VARIABLES)
        for m in _TOKEN.finditer(template)
        if m.group("name") is not None
    ]


def unresolved(text: str) -> list[str]:
    """The placeholders `text` still holds (`{customer.first_name}`...): a reply holding one
    must not go out, since the customer would read the braces."""
    return list(dict.fromkeys(match.group(0) for match in _PLACEHOLDER.finditer(text)))


def generalize(text: str, context: Context) -> str:
    """A reply written to one customer, made into a saved reply: their first name becomes
    `{customer.first_name|there}` and the agent's `{agent.first_name}` (whole words only)."""
    customer = first_name(context.customer_name)
    agent = first_name(context.agent_name)
    if customer == agent:  # one name for both: which one a line means cannot be told
        return text
    swaps = {
        name: variable
        for name, variable in (
            (customer, "{customer.first_name|there}"),
            (agent, "{agent.first_name}"),
        )
        if name
    }
    if not swaps:
        return text
    names = "|".join(re.escape(name) for name in swaps)
    return re.sub(rf"(?<!\w)(?:{names})(?!\w)", lambda m: swaps[m.group(0)], text)


_QUOTES = "\"'“”‘’«»`"
_TITLES = {
    "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "dame", "lady", "lord", "rev", "fr",
    "herr", "frau", "mme", "mlle", "m", "sr", "sra", "srta", "dott", "ing", "mag",
}  # fmt: skip
_SUFFIXES = {
    "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba", "cpa", "dds", "rn", "msc", "bsc",
}  # fmt: skip
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def first_name(display_name: str) -> str | None:
    """The first name in a display name: `Jane Doe`, `"Doe, Jane"`, `Dr. Jane Doe`, `JANE DOE`
    all give `Jane`. None when there is none to trust: an address, a title and a surname only
    (`Dr. Doe`), an initial (`J. Doe`)."""
    name = _display(display_name)
    if not name or "@" in name:
        return None
    name = " ".join(_PARENTHESES.sub(" ", name).split())
    if "," in name:
        before, after = (part.strip() for part in name.split(",", 1))
        # `Doe, Jane` is surname first; `Jane Doe, PhD` ends with a suffix.
        after_words = after.split()
        name = after if after_words and _bare(after_words[0]) not in _SUFFIXES else before
    words = [w for w in name.split() if w.strip(_QUOTES + ".,")]
    while words and _bare(words[0]) in _TITLES and len(words) > 1:
        words = words[1:]
        if len(words) == 1:
            return None  # a title and a surname: `Dr. Doe`
    if not words:
        return None
    word = words[0].strip(_QUOTES + ",")
    if len(word.rstrip(".")) <= 1 or re.fullmatch(r"(?:\w\.)+", word):
        return None  # an initial
    if not any(c.isalpha() for c in word):
        return None
    if word.isupper() or word.islower():
        word = "-".join(part.capitalize() for part in word.split("-"))
    return word


def _bare(word: str) -> str:
    return word.strip(_QUOTES + ".,").lower()


def _display(name: str) -> str:
    text = clean_line(name).strip()
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text
