"""Saved replies put to work: filled in for a conversation, ranked by how well they fit it,
and kept as one Markdown file each (`frontdesk replies export|import`) for review in git.

Ranking: the customer's latest words are compared (TF-IDF, cosine) with what customers wrote
in the conversations each reply was used on before; use counts weigh in a little. With no
history, the most used replies come first, then by name.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mail import templates
from mail.config import Config
from mail.sanitize import clean_line, safe_filename
from storage import conversations, queues, replies
from storage.db import Store
from storage.errors import FrontdeskError
from storage.models import Address, Customer, Message, Status
from storage.replies import SavedReply

# How much a use count adds to a similarity between 0 and 1: 20 uses add about 0.15, so a
# reply that fits the words beats a popular one that does not.
USE_WEIGHT = 0.05

_STATUS_WORDS = {
    "open": Status.OPEN,
    "reopen": Status.OPEN,
    "pending": Status.PENDING,
    "closed": Status.CLOSED,
    "close": Status.CLOSED,
}


class ReplyFileError(FrontdeskError):
    """A saved-reply file cannot be read as one."""


def parse_status(text: str | None) -> Status | None:
    """`closed`/`close`, `pending`, `open`, or empty/`none` for no status change."""
    word = (text or "").strip().lower()
    if word in ("", "none", "-"):
        return None
    if word not in _STATUS_WORDS:
        raise replies.ReplyError(
            f"status {clean_line(text or '')!r}: use open, pending, closed or none"
        )
    return _STATUS_WORDS[word]


# -- filling in -----------------------------------------------------------------------------


def agent_name(config: Config) -> str:
    """Who signs: the team's name for you, else the From name, else the account's name."""
    return config.team.me or config.send.from_name or config.account.name


def context_for_customer(
    config: Config,
    subject: str,
    customer: Address | None,
    details: Customer | None,
    company: str | None = None,
) -> templates.Context:
    """The variables' values from what a conversation screen already holds."""
    name = (details.name if details is not None else "") or (customer.name if customer else "")
    return templates.Context(
        customer_name=name,
        customer_company=(details.company if details is not None else None) or company,
        # The plan column arrives with the customer-plans work; until then it is unknown.
        customer_plan=getattr(details, "plan", None),
        agent_name=agent_name(config),
        subject=subject,
    )


def context_for(store: Store, config: Config, conversation_id: int) -> templates.Context:
    conversation = conversations.get(store, conversation_id)
    overview = queues.customer_overview(store, conversation_id, now=datetime.now(UTC))
    return context_for_customer(
        config,
        conversation.subject,
        conversation.customer,
        overview.customer if overview is not None else None,
    )


# -- ranking --------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{2,}")
_STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for",
    "from", "had", "has", "have", "hello", "hi", "how", "i", "if", "in", "is", "it", "its", "me",
    "my", "no", "not", "of", "on", "or", "our", "please", "so", "that", "the", "their", "them",
    "there", "this", "to", "us", "was", "we", "were", "what", "when", "where", "which", "who",
    "will", "with", "would", "you", "your", "thanks", "thank", "regards", "best",
})  # fmt: skip


def words(text: str) -> list[str]:
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in _STOP_WORDS]


def latest_customer_text(thread: Sequence[Message]) -> str:
    """The customer's latest message, without what it quoted."""
    theirs = [m for m in thread if not m.is_ours]
    if not theirs:
        return ""
    latest = max(theirs, key=lambda m: (m.date, m.id))
    return latest.new_text.strip() or latest.body_text


@dataclass(frozen=True)
class Ranked:
    reply: SavedReply
    score: float
    similarity: float


def rank(
    saved: Iterable[SavedReply],
    customer_text: str,
    history: Mapping[int, Sequence[str]],
) -> list[Ranked]:
    """The replies, best fit first. `history`: per reply id, what customers wrote in the
    conversations it was used on."""
    documents = [Counter(words(text)) for texts in history.values() for text in texts]
    query = Counter(words(customer_text))
    idf = _idf([*documents, query])
    query_vector = _vector(query, idf)
    ranked: list[Ranked] = []
    for reply in saved:
        similarity = max(
            (
                _cosine(query_vector, _vector(Counter(words(text)), idf))
                for text in history.get(reply.id, ())
            ),
            default=0.0,
        )
        score = similarity + USE_WEIGHT * math.log1p(reply.use_count)
        ranked.append(Ranked(reply, score, similarity))
    ranked.sort(key=lambda r: (-r.score, -r.reply.use_count, r.reply.name.casefold()))
    return ranked


def ranked_for(
    store: Store, conversation_id: int | None, thread: Sequence[Message]
) -> list[Ranked]:
    """Every saved reply, best fit for the conversation first."""
    saved = replies.all_replies(store)
    used_on = replies.use_history(store)
    # The conversation being answered says nothing about which reply fits it.
    used_on = {
        reply_id: [c for c in conversation_ids if c != conversation_id]
        for reply_id, conversation_ids in used_on.items()
    }
    texts = replies.customer_words(store, {c for ids in used_on.values() for c in ids})
    history = {
        reply_id: [texts[c] for c in conversation_ids if c in texts]
        for reply_id, conversation_ids in used_on.items()
    }
    return rank(saved, latest_customer_text(thread), history)


def _idf(documents: Sequence[Counter[str]]) -> dict[str, float]:
    count = len(documents)
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(document.keys())
    # Smoothed, so a word in every document still counts a little.
    return {word: math.log((1 + count) / (1 + seen)) + 1 for word, seen in frequency.items()}


def _vector(counts: Counter[str], idf: Mapping[str, float]) -> dict[str, float]:
    return {word: (1 + math.log(n)) * idf.get(word, 1.0) for word, n in counts.items()}


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(weight * b[word] for word, weight in a.items() if word in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


# -- files ----------------------------------------------------------------------------------

FILE_SUFFIX = ".md"
_TAG_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[^,"]+?)\s*(?:,|$)')


@dataclass(frozen=True)
class ReplyFile:
    """One reply as a file holds it."""

    name: str
    body: str
    tags: tuple[str, ...] = ()
    set_status: Status | None = None


def to_markdown(reply: SavedReply | ReplyFile) -> str:
    """A small front-matter header (name, tags, status when set), then the body verbatim."""
    lines = ["---", f"name: {reply.name}", f"tags: [{', '.join(_tag(t) for t in reply.tags)}]"]
    if reply.set_status is not None:
        lines.append(f"status: {reply.set_status.value}")
    lines.append("---")
    return "\n".join(lines) + "\n" + reply.body + "\n"


def _tag(tag: str) -> str:
    # Bare when it reads back the same; quoted (as JSON) when it has a comma or quote.
    return json.dumps(tag, ensure_ascii=False) if any(c in tag for c in ',"[]') else tag


def from_markdown(text: str) -> ReplyFile:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ReplyFileError("it does not start with a '---' header line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ReplyFileError("its header has no closing '---' line") from None
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or key not in ("name", "tags", "status"):
            raise ReplyFileError(f"line {number}: expected 'name:', 'tags:' or 'status:'")
        if key in fields:
            raise ReplyFileError(f"line {number}: '{key}' given twice")
        fields[key] = value.strip()
    if not fields.get("name"):
        raise ReplyFileError("its header has no 'name:'")
    try:
        return ReplyFile(
            name=replies.clean_name(fields["name"]),
            body=replies.clean_body("\n".join(lines[end + 1 :])),
            tags=replies.clean_tags(_parse_tags(fields.get("tags", ""))),
            set_status=parse_status(fields.get("status")),
        )
    except FrontdeskError as exc:
        raise ReplyFileError(str(exc)) from exc


def _parse_tags(value: str) -> list[str]:
    inner = value.strip()
    if not inner:
        return []
    if not (inner.startswith("[") and inner.endswith("]")):
        raise ReplyFileError("tags: write them as [one, two]")
    inner = inner[1:-1].strip()
    found: list[str] = []
    position = 0
    while position < len(inner):
        match = _TAG_TOKEN.match(inner, position)
        if match is None or match.end() == position:
            raise ReplyFileError(f"tags: cannot read {inner[position:]!r}")
        token = match.group(1)
        found.append(json.loads(token) if token.startswith('"') else token)
        position = match.end()
    return found


def file_names(saved: Sequence[SavedReply]) -> dict[int, str]:
    """A file name per reply, from its name made safe; names that collide (also on a
    case-insensitive disk) get ` (2)`, ` (3)`... in name order, so exports are stable."""
    taken: set[str] = set()
    names: dict[int, str] = {}
    for reply in sorted(saved, key=lambda r: (r.name.casefold(), r.id)):
        stem = safe_filename(reply.name, fallback="reply")
        candidate, number = stem, 1
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{stem} ({number})"
        taken.add(candidate.casefold())
        names[reply.id] = candidate + FILE_SUFFIX
    return names


def export_dir(store: Store, folder: Path) -> list[Path]:
    """Writes every reply to `folder` (created if needed); returns the files written."""
    saved = replies.all_replies(store)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        names = file_names(saved)
        for reply in saved:
            path = folder / names[reply.id]
            path.write_text(to_markdown(reply), encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise FrontdeskError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    return written


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, why)


def import_dir(store: Store, folder: Path) -> ImportReport:
    """Creates or updates (by name, case-insensitively) a reply per `*.md` file in `folder`.
    A file that cannot be read is reported and skipped; the others are imported."""
    if not folder.is_dir():
        raise FrontdeskError(f"{folder} is not a folder")
    report = ImportReport()
    seen: dict[str, str] = {}
    for path in sorted(folder.glob(f"*{FILE_SUFFIX}")):
        try:
            parsed = from_markdown(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            report.errors.append((path.name, f"cannot read it: {exc}"))
            continue
        except ReplyFileError as exc:
            report.errors.append((path.name, str(exc)))
            continue
        key = parsed.name.casefold()
        if key in seen:
            report.errors.append((path.name, f"the name {parsed.name!r} is also in {seen[key]}"))
            continue
        seen[key] = path.name
        _save(store, parsed, report)
    return report


def _save(store: Store, parsed: ReplyFile, report: ImportReport) -> None:
    existing = replies.by_name(store, parsed.name)
    if existing is None:
        replies.create(
            store, parsed.name, parsed.body, tags=parsed.tags, set_status=parsed.set_status
        )
        report.created.append(parsed.name)
        return
    same = (existing.body, existing.tags, existing.set_status) == (
        parsed.body,
        parsed.tags,
        parsed.set_status,
    )
    if existing.name != parsed.name:
        replies.rename(store, existing.id, parsed.name)
        same = False
    if same:
        report.unchanged.append(parsed.name)
        return
    replies.update(
        store, existing.id, body=parsed.body, tags=parsed.tags, set_status=parsed.set_status
    )
    report.updated.append(parsed.name)
