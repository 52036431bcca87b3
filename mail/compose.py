"""Replies built as RFC 5322 bytes: who they go to, how they thread, what they quote.

Every value from the customer's mail is cleaned before it reaches a header, so hostile text
degrades to harmless text instead of injecting a header or breaking the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import headerregistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from mail.parse import without_reply_prefixes
from mail.sanitize import clean_line, clean_text
from mail.templates import unresolved
from storage.errors import FrontdeskError
from storage.models import Address, Conversation, Message

# RFC 5322 suggests trimming the middle of a long References field: the first id names the
# thread's root, the last ones its recent history. The first is kept besides the last 20.
REFERENCES_KEPT = 20
MAX_LINE_BYTES = 998  # RFC 5322 2.1.1, without the CRLF
# A display name or Message-ID is never folded inside a word: capping them keeps every
# header line under the limit whatever the customer's mail put there.
MAX_NAME_CHARS = 200
MAX_MESSAGE_ID_CHARS = 250
SYNTHETIC_ID_SUFFIX = ".frontdesk.invalid"

_MESSAGE_ID = re.compile(r"^[!-;=?A-~]+@[!-;=?A-~]+$")  # printable ASCII but space, <, > and @
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")  # RFC 5322 dot-atom text
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME_SPECIALS = set('()<>[]:;@\\,"')
_QUOTED_NAME = re.compile(r'^"((?:[^"\\]|\\.)*)"$')
_QUOTED_PAIR = re.compile(r"\\(.)")


class ComposeError(FrontdeskError):
    """A reply cannot be built as asked (bad address, empty body...)."""


@dataclass(frozen=True)
class Identity:
    """Who a reply comes from: the support address, its display name and signature."""

    address: str
    name: str
    signature: str = ""


@dataclass(frozen=True)
class Composed:
    """A reply ready to store and send: its bytes, envelope and the headers that matter."""

    message_id: str
    raw: bytes
    envelope_from: str
    recipients: tuple[str, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]


def header_safe(text: str) -> str:
    """`text` as one line fit for a header: no line breaks, NUL, escapes or other controls."""
    return clean_line(_encodable(text))


def validate_address(text: str) -> Address:
    """One mailbox, `Name <a@b.c>` or `a@b.c`, lower-cased; ComposeError says what is wrong."""
    shown = repr(text[:80])
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text):
        raise ComposeError(f"address {shown} contains a line break or control character")
    text = text.strip()
    if not text:
        raise ComposeError("empty address")
    name = ""
    if text.endswith(">"):
        start = text.rfind("<")
        if start < 0:
            raise ComposeError(f"address {shown} has '>' without '<'")
        name, addr = text[:start].strip(), text[start + 1 : -1].strip()
        name = _display_name(name, shown)
    else:
        addr = text
    return Address(_addr_spec(addr, shown), header_safe(name)[:MAX_NAME_CHARS])


def _display_name(name: str, shown: str) -> str:
    if name.startswith('"'):
        quoted = _QUOTED_NAME.match(name)
        if quoted is None:
            raise ComposeError(f"address {shown} has a badly quoted name")
        return _QUOTED_PAIR.sub(r"\1", quoted.group(1))
    if any(c in _NAME_SPECIALS for c in name):
        # Unquoted, `Doe, John <j@x.test>` is two addresses to most mail programs.
        raise ComposeError(
            f"address {shown}: put a name with , ; : @ < > or quotes in double quotes, "
            "and give one address at a time"
        )
    return name


def _addr_spec(addr: str, shown: str) -> str:
    if addr.count("@") != 1:
        raise ComposeError(f"address {shown} must contain exactly one @ (one address at a time)")
    local, domain = addr.split("@")
    if (
        not _LOCAL_PART.match(local)
        or ".." in local
        or local.startswith(".")
        or local.endswith(".")
    ):
        raise ComposeError(f"address {shown} has an invalid part before the @")
    if len(local) > 64:
        raise ComposeError(f"address {shown}: the part before the @ is over 64 characters")
    domain = _ascii_domain(domain.rstrip(".").lower(), shown)
    if len(local) + 1 + len(domain) > 254:
        raise ComposeError(f"address {shown} is over 254 characters")
    return f"{local.lower()}@{domain}"


def _ascii_domain(domain: str, shown: str) -> str:
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ComposeError(f"address {shown} has an invalid domain") from exc
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise ComposeError(f"address {shown} needs a domain like example.com after the @")
    return domain


def compose_reply(
    conversation: Conversation,
    thread: Sequence[Message],
    identity: Identity,
    body: str,
    *,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    quote_last: bool = False,
    now: datetime | None = None,
    rating_line: str = "",
) -> Composed:
    """The reply to `conversation` (whose messages, any order, are `thread`) from `identity`;
    `rating_line` (mail/csat.py: rating links) ends it, below the signature."""
    try:
        support = validate_address(identity.address).addr
    except ComposeError as exc:
        raise ComposeError(f"the support address is not valid: {exc}") from exc
    text = _text(body)
    if not text:
        raise ComposeError("empty reply: write something before sending")
    left = unresolved(text)
    if left:
        # A saved reply's variable with no value: the customer must never read the braces.
        raise ComposeError(
            f"the reply still holds {', '.join(left)}: write what it stands for, or remove it"
        )

    ordered = sorted(thread, key=lambda m: (m.date, m.id))
    customer_messages = [m for m in ordered if _from_customer(m, support)]
    answered = customer_messages[-1] if customer_messages else (ordered[-1] if ordered else None)

    to = _unique(_reply_addresses(conversation, ordered, customer_messages, support), support)
    if not to:
        raise ComposeError(
            f"conversation {conversation.id} has no valid customer address to reply to"
        )
    cc_list = _unique([validate_address(a) for a in cc], support, to)
    bcc_list = _unique([validate_address(a) for a in bcc], support, to + cc_list)

    if quote_last and answered is not None:
        quoted = _quote(answered)
        if quoted:
            text = f"{text}\n\n{quoted}"
    # The rating links go under the signature line too: a reply quoting this one cuts them.
    footer = "\n\n".join(part for part in (_text(identity.signature), _text(rating_line)) if part)
    if footer:
        text = f"{text}\n\n-- \n{footer}"

    subject = reply_subject(conversation.subject)
    in_reply_to = _clean_id(answered.message_id) if answered is not None else None
    references = _references(answered) if answered is not None else ()
    domain = support.split("@", 1)[1]
    message_id = make_msgid(domain=domain)[1:-1]

    msg = EmailMessage(policy=SMTP)
    msg["From"] = _header_address(Address(support, header_safe(identity.name)[:MAX_NAME_CHARS]))
    msg["To"] = [_header_address(a) for a in to]
    if cc_list:
        msg["Cc"] = [_header_address(a) for a in cc_list]
    msg["Subject"] = subject
    msg["Date"] = format_datetime(_aware(now or datetime.now(UTC).astimezone()))
    msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to is not None:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references)
    msg.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))

    recipients = tuple(a.addr for a in (*to, *cc_list, *bcc_list))
    return Composed(
        message_id=message_id,
        raw=msg.as_bytes(policy=SMTP),
        envelope_from=support,
        recipients=recipients,
        to=tuple(to),
        cc=tuple(cc_list),
        bcc=tuple(bcc_list),
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
    )


def reply_subject(subject: str) -> str:
    """`Re: ` and the subject without its reply and forward prefixes, so they never stack."""
    base = without_reply_prefixes(header_safe(subject))
    return f"Re: {base or '(no subject)'}"


def _text(body: str) -> str:
    """Line endings made `\\n`, control characters dropped, trailing space trimmed."""
    return clean_text(_encodable(body).replace("\r\n", "\n").replace("\r", "\n")).rstrip()


def _encodable(text: str) -> str:
    # A lone surrogate (from text decoded with surrogateescape) has no UTF-8 form: encoding
    # the message would fail on it.
    return _SURROGATE.sub("\ufffd", text)


def _from_customer(message: Message, support: str) -> bool:
    # A message with no sender (unparsable) cannot be answered; mail from the support address
    # is ours even where the store was not told so.
    return not message.is_ours and message.sender is not None and message.sender.addr != support


def _reply_addresses(
    conversation: Conversation,
    ordered: Sequence[Message],
    customer_messages: Sequence[Message],
    support: str,
) -> list[Address]:
    """Candidates, best first: Reply-To or From of the latest customer message; with none,
    the To of our first message; then the conversation's customer."""
    groups: list[Iterable[Address]] = []
    if customer_messages:
        latest = customer_messages[-1]
        groups.append(latest.reply_to)
        groups.append([latest.sender] if latest.sender is not None else [])
    elif ordered:
        groups.append(ordered[0].to)
    groups.append([conversation.customer] if conversation.customer is not None else [])
    for group in groups:
        found = [a for a in (_stored_address(a) for a in group) if a and a.addr != support]
        if found:
            return found
    return []


def _stored_address(address: Address) -> Address | None:
    """An address from the customer's mail, validated again; None when it is not one mailbox."""
    try:
        valid = validate_address(address.addr)
    except ComposeError:
        return None
    return Address(valid.addr, header_safe(address.name)[:MAX_NAME_CHARS])


def _unique(
    addresses: Iterable[Address], support: str, taken: Sequence[Address] = ()
) -> list[Address]:
    seen = {support, *(a.addr for a in taken)}
    kept: list[Address] = []
    for address in addresses:
        if address.addr not in seen:
            seen.add(address.addr)
            kept.append(address)
    return kept


def _clean_id(message_id: str) -> str | None:
    """A Message-ID fit for In-Reply-To or References, or None: synthetic, malformed or too
    long ids (which could not be folded) are dropped."""
    cleaned = header_safe(message_id).strip("<> ")
    if (
        not cleaned
        or len(cleaned) > MAX_MESSAGE_ID_CHARS
        or cleaned.lower().endswith(SYNTHETIC_ID_SUFFIX)
        or not _MESSAGE_ID.match(cleaned)
    ):
        return None
    return cleaned


def _references(answered: Message) -> tuple[str, ...]:
    parent = _clean_id(answered.message_id)
    ids = [i for i in (_clean_id(r) for r in answered.references) if i and i != parent]
    ids = list(dict.fromkeys(ids))
    if parent is not None:
        ids.append(parent)
    if len(ids) > REFERENCES_KEPT + 1:
        ids = [ids[0], *ids[-REFERENCES_KEPT:]]
    return tuple(ids)


def _quote(message: Message) -> str:
    text = _text(message.new_text.strip() or message.body_text.strip())
    if not text:
        return ""
    who = message.sender.display() if message.sender is not None else "the customer"
    when = format_datetime(_aware(message.date))
    lines = [f"> {line}" if line.strip() else ">" for line in text.split("\n")]
    return f"On {when}, {header_safe(who)} wrote:\n" + "\n".join(lines)


def _aware(moment: datetime) -> datetime:
    # A naive time is taken as UTC, as the store does.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _header_address(address: Address) -> headerregistry.Address:
    # The registry quotes the name or encodes it (RFC 2047) when it is not plain ASCII.
    return headerregistry.Address(display_name=address.name, addr_spec=address.addr)


def _transfer_encoding(text: str) -> str:
    fits = all(len(line) <= MAX_LINE_BYTES for line in text.split("\n"))
    return "7bit" if text.isascii() and fits else "quoted-printable"
