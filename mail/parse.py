"""Raw RFC 5322 bytes to an `IncomingMessage`: decoded headers, body text, new text, attachments.

A lean walk over the MIME tree (the stdlib's feed parser is five times slower on typical support
mail); the stdlib still parses parameters (RFC 2231) and dates. `parse_message` never raises: what
it cannot parse comes back flagged with the error, its raw bytes intact.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message as _StdMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from mail.charset import decode_bytes
from mail.html import html_to_text
from mail.quotes import new_text
from mail.sanitize import clean_line, clean_text, safe_filename
from storage.models import Address, AttachmentInfo, IncomingMessage

MAX_BODY_CHARS = 1_000_000
MAX_REFERENCES = 100
_MAX_DEPTH = 30
_MAX_PARTS = 1000
_FUTURE_SLACK = timedelta(days=1)

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # printable ASCII but the colon (RFC 5322 ftext)
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
_ENCODED_RUN = re.compile(r"(?:=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=)+")
_SPACE_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t]+(?==\?)")
_MSG_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_BARE_ID = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")
_VALID_ADDR = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|odp|r|rif|tr|réf|ref|res|enc)\s*(\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)


class _Headers:
    """The header fields of one entity: names lower-cased, values unfolded, order kept."""

    def __init__(self, text: str) -> None:
        self.fields: dict[str, list[str]] = {}
        self.malformed_lines = 0
        current: list[str] | None = None
        for raw_line in text.split("\n"):
            line = raw_line.rstrip("\r")
            if line[:1] in (" ", "\t"):
                if current is not None:
                    current[-1] = f"{current[-1]} {line.strip()}" if current[-1] else line.strip()
                continue
            name, colon, value = line.partition(":")
            name = name.strip()
            if not colon or not _HEADER_NAME.match(name):
                if line.strip():
                    self.malformed_lines += 1
                current = None
                continue
            current = self.fields.setdefault(name.lower(), [])
            current.append(value.strip())

    def get(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return self.fields.get(name, [])


def split_head(raw: bytes) -> tuple[bytes, bytes]:
    """Splits an entity at the first empty line into header block and body."""
    if raw.startswith((b"\r\n", b"\n")):
        return b"", raw[2 if raw.startswith(b"\r\n") else 1 :]
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def _decode_header_block(block: bytes) -> str:
    try:
        return block.decode("utf-8")  # ASCII, or RFC 6532 UTF-8 headers
    except UnicodeDecodeError:
        return decode_bytes(block, None)


def decode_words(value: str) -> str:
    """Decodes RFC 2047 encoded words; a word that cannot be decoded stays as it was."""
    if "=?" not in value:
        return value
    value = _SPACE_BETWEEN_WORDS.sub("", value)
    return _ENCODED_RUN.sub(_decode_run, value)


def _decode_run(run: re.Match[str]) -> str:
    """Decodes adjacent encoded words. The bytes of consecutive words in one charset are decoded
    together: senders split multi-byte characters (and ISO-2022-JP states) across words."""
    out: list[str] = []
    pending, pending_charset = b"", ""
    for match in _ENCODED_WORD.finditer(run.group(0)):
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*en?q?...?=
        data = _word_bytes(match.group(2).lower(), match.group(3))
        if pending_charset and (data is None or charset.lower() != pending_charset.lower()):
            out.append(decode_bytes(pending, pending_charset))
            pending, pending_charset = b"", ""
        if data is None:
            out.append(match.group(0))
        else:
            pending, pending_charset = pending + data, charset
    if pending_charset:
        out.append(decode_bytes(pending, pending_charset))
    return "".join(out)


def _word_bytes(encoding: str, text: str) -> bytes | None:
    """The bytes an encoded word carries, or None when it carries none it could decode."""
    raw = text.encode("ascii", "replace")
    try:
        data = binascii.a2b_qp(raw, header=True) if encoding == "q" else _base64(raw)
    except (binascii.Error, ValueError):
        return None
    return data if data or not raw else None


def _base64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        if len(cleaned) % 4 == 1:  # a lone last character holds no whole byte
            cleaned = cleaned[:-1]
        return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))


# The common shapes, `a@b.c`, `Name <a@b.c>` and `"Name" <a@b.c>` (no escapes, commas or
# comments), take a fast path; anything else goes through the stdlib's careful, slower parser.
_SIMPLE_ADDRESS = re.compile(
    r'^[ \t]*(?:(?:"([^"\\\x00-\x1f\x7f]*)"|([!#-\'*+\-./0-9=?A-Z^_`a-z{|}~\x80-\U0010ffff]'
    r"[!#-\'*+\-./0-9=?A-Z^_`a-z{|}~\x80-\U0010ffff ]*?))?[ \t]*"
    r"<([!#-'*+\-./0-9=?A-Z^_`a-z{|}~]+@[\-.0-9A-Za-z]+)>"
    r"|([!#-'*+\-./0-9=?A-Z^_`a-z{|}~]+@[\-.0-9A-Za-z]+))[ \t]*$"
)


def _split_addresses(values: list[str]) -> list[tuple[str, str]]:
    if len(values) == 1:
        simple = _SIMPLE_ADDRESS.match(values[0])
        if simple is not None:
            if simple.group(4):
                return [("", simple.group(4))]
            if simple.group(1) is not None:  # quoted: kept as written, as the stdlib does
                return [(simple.group(1), simple.group(3))]
            return [((simple.group(2) or "").strip(" \t"), simple.group(3))]
    return getaddresses(values)


def _addresses(values: list[str], warnings: list[str]) -> tuple[Address, ...]:
    found: list[Address] = []
    for name, raw_addr in _split_addresses(values):
        addr = clean_line(raw_addr).lower()
        if not addr:
            continue
        if not _VALID_ADDR.match(addr):
            warnings.append(f"invalid address ignored: {addr[:80]!r}")
            continue
        found.append(Address(addr, clean_line(decode_words(name))))
    return tuple(found)


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs in a References or In-Reply-To field, in order, without brackets."""
    if not value:
        return []
    ids = _MSG_ID.findall(value)
    if not ids and _BARE_ID.match(value.strip()):
        ids = [value.strip()]
    return [clean_line(i) for i in ids]


def without_reply_prefixes(subject: str) -> str:
    """ "Re: AW: Fwd: Export" → "Export": what a reply's own "Re: " goes in front of."""
    return _REPLY_PREFIX.sub("", subject).strip()


def subject_key(subject: str) -> str:
    """The subject without reply/forward prefixes, case-folded: what subject threading compares."""
    return " ".join(_REPLY_PREFIX.sub("", subject).split()).casefold()


def has_reply_prefix(subject: str) -> bool:
    return _REPLY_PREFIX.match(subject) is not None


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parts: int = 0


def _entity_type(headers: _Headers) -> _StdMessage:
    """A stdlib Message holding only the MIME fields: its helpers parse parameters."""
    entity = _StdMessage()
    for name in ("content-type", "content-disposition"):
        value = headers.get(name)
        if value is not None:
            entity[name] = value
    return entity


def _transfer_decode(data: bytes, encoding: str | None) -> bytes:
    encoding = (encoding or "").strip().lower()
    if encoding == "base64":
        return _base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    return data


def _walk(headers: _Headers, body: bytes, path: str, out: _Body, depth: int, default: str) -> None:
    out.parts += 1
    if out.parts > _MAX_PARTS or depth > _MAX_DEPTH:
        out.warnings.append("MIME structure too deep or too large; the rest is in the raw message")
        return
    entity = _entity_type(headers)
    ctype = clean_line(entity.get_content_type()) if headers.get("content-type") else default
    maintype = ctype.split("/", 1)[0]
    if maintype == "multipart":
        boundary = entity.get_param("boundary")
        children = _split_multipart(body, boundary) if isinstance(boundary, str) else None
        if children is None:
            out.warnings.append(f"{ctype} without usable boundary; shown as text")
            _leaf(headers, entity, "text/plain", body, path, out)
            return
        child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
        if ctype == "multipart/alternative":
            _alternative(children, path, out, depth, child_default)
            return
        for index, child in enumerate(children, 1):
            head, child_body = split_head(child)
            child_headers = _Headers(_decode_header_block(head))
            _walk(child_headers, child_body, _join(path, index), out, depth + 1, child_default)
        return
    _leaf(headers, entity, ctype, body, path, out)


def _alternative(children: list[bytes], path: str, out: _Body, depth: int, default: str) -> None:
    """Keeps the plain-text alternative when there is one, else the HTML; attachments of all."""
    best: _Body | None = None
    for index, child in enumerate(children, 1):
        head, child_body = split_head(child)
        branch = _Body(parts=out.parts)
        _walk(
            _Headers(_decode_header_block(head)),
            child_body,
            _join(path, index),
            branch,
            depth + 1,
            default,
        )
        out.parts = branch.parts
        out.attachments.extend(branch.attachments)
        out.warnings.extend(branch.warnings)
        if (_has_text(branch.plain) and (best is None or not _has_text(best.plain))) or (
            branch.html and best is None
        ):
            best = branch
    if best is not None:
        if _has_text(best.plain):
            out.plain.extend(best.plain)
        else:  # an empty plain-text alternative is no alternative to the HTML
            out.html.extend(best.html)


def _has_text(parts: list[str]) -> bool:
    return any(part.strip() for part in parts)


def _join(path: str, index: int) -> str:
    return f"{path}.{index}" if path else str(index)


def _leaf(
    headers: _Headers, entity: _StdMessage, ctype: str, body: bytes, path: str, out: _Body
) -> None:
    data = _transfer_decode(body, headers.get("content-transfer-encoding"))
    disposition = (entity.get_content_disposition() or "").lower()
    filename: Any = None
    # Parameter parsing is the costly part of a part's headers: skip it when no name can be
    # there. get_filename() looks at Content-Disposition's filename, then Content-Type's name.
    mime_fields = f"{headers.get('content-disposition')} {headers.get('content-type')}"
    if "name" in mime_fields.lower():
        filename = entity.get_filename()
    if isinstance(filename, tuple):  # an RFC 2231 value the stdlib could not decode
        filename = filename[2]
    is_text = ctype in ("text/plain", "text/html")
    if is_text and disposition != "attachment" and not (filename and ctype == "text/html"):
        text = decode_bytes(data, entity.get_content_charset())
        (out.plain if ctype == "text/plain" else out.html).append(text)
        return
    original = decode_words(filename) if isinstance(filename, str) else ""
    if not original and ctype == "message/rfc822":
        inner = _Headers(_decode_header_block(split_head(data)[0]))
        original = f"{decode_words(inner.get('subject') or 'message')}.eml"
    name = safe_filename(original, fallback=f"part-{path or '1'}")
    content_id = message_ids(headers.get("content-id"))
    out.attachments.append(
        AttachmentInfo(
            filename=name,
            content_type=ctype,
            size=len(data),
            part_path=path or "1",
            original_filename=clean_line(original),
            content_id=content_id[0] if content_id else "",
            inline=disposition == "inline" or (not disposition and bool(content_id)),
        )
    )


def _split_multipart(body: bytes, boundary: str) -> list[bytes] | None:
    """The parts between `--boundary` lines; None when there is no delimiter at all."""
    try:
        marker = b"--" + boundary.encode("ascii")
    except UnicodeEncodeError:
        return None
    if len(marker) == 2 or len(marker) > 202:
        return None
    parts: list[bytes] = []
    start: int | None = None
    position = body.find(marker)
    while position >= 0:
        at_line_start = position == 0 or body[position - 1] == 0x0A
        line_end = body.find(b"\n", position)
        line_end = len(body) if line_end < 0 else line_end + 1
        rest = body[position + len(marker) : line_end].rstrip(b" \t\r\n")
        if at_line_start and rest in (b"", b"--"):
            if start is not None:
                end = position - 1 if position > 0 else 0
                if end > start and body[end - 1] == 0x0D:
                    end -= 1
                parts.append(body[start : max(start, end)])
            if rest == b"--":
                return parts
            start = line_end
        position = body.find(marker, line_end if at_line_start else position + 1)
    if start is None:
        return None
    parts.append(body[start:])  # no closing delimiter: the last part runs to the end
    return parts


def _content_hash(body: bytes) -> str:
    return hashlib.sha256(body.replace(b"\r\n", b"\n").rstrip()).hexdigest()[:32]


def _date(value: str | None, received_at: datetime) -> tuple[datetime, bool]:
    if not value:
        return received_at, True
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return received_at, True
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return received_at, True
    if parsed > received_at + _FUTURE_SLACK or parsed.year < 1980:
        return received_at, True
    return parsed, False


def parse_message(raw: bytes, received_at: datetime | None = None) -> IncomingMessage:
    """Parses one message. Never raises: failures come back with `parse_error` set."""
    received = (received_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        return _parse(raw, received)
    except Exception as exc:  # any failure becomes a flagged, stored message
        return unparsable(raw, received, f"{type(exc).__name__}: {exc}")


def _parse(raw: bytes, received_at: datetime) -> IncomingMessage:
    head, body = split_head(raw)
    headers = _Headers(_decode_header_block(head))
    warnings: list[str] = []
    if not headers.fields:
        return unparsable(raw, received_at, "no header fields found")
    if headers.malformed_lines:
        warnings.append(f"{headers.malformed_lines} malformed header line(s) ignored")

    walked = _Body()
    _walk(headers, body, "", walked, 0, "text/plain")
    warnings.extend(walked.warnings)
    if walked.plain:
        body_text = "\n\n".join(part.strip("\r\n") for part in walked.plain)
        html_only = False
    else:
        body_text = html_to_text("\n".join(walked.html))
        html_only = bool(walked.html)
    body_text = clean_text(body_text.replace("\r\n", "\n"))
    if len(body_text) > MAX_BODY_CHARS:
        warnings.append(f"body text cut at {MAX_BODY_CHARS} characters; all of it is in the raw")
        body_text = body_text[:MAX_BODY_CHARS]

    sender_list = _addresses(headers.all("from") or headers.all("sender"), warnings)
    subject = clean_line(decode_words(headers.get("subject") or ""))
    date, date_flagged = _date(headers.get("date"), received_at)
    content_hash = _content_hash(body)
    ids = message_ids(headers.get("message-id"))
    if ids:
        message_id, synthetic = ids[0], False
    else:
        message_id, synthetic = synthetic_message_id(headers, content_hash), True
    in_reply_to_ids = message_ids(headers.get("in-reply-to"))
    references = [i for i in message_ids(headers.get("references")) if i != message_id]
    if (
        in_reply_to_ids
        and in_reply_to_ids[-1] not in references
        and in_reply_to_ids[-1] != message_id
    ):
        references.append(in_reply_to_ids[-1])
    references = list(dict.fromkeys(references))[-MAX_REFERENCES:]

    return IncomingMessage(
        raw=raw,
        message_id=message_id,
        synthetic_id=synthetic,
        content_hash=content_hash,
        sender=sender_list[0] if sender_list else None,
        to=_addresses(headers.all("to"), warnings),
        cc=_addresses(headers.all("cc"), warnings),
        reply_to=_addresses(headers.all("reply-to"), warnings),
        subject=subject,
        date=date,
        date_flagged=date_flagged,
        received_at=received_at,
        in_reply_to=in_reply_to_ids[-1] if in_reply_to_ids else None,
        references=tuple(references),
        body_text=body_text,
        new_text=new_text(body_text),
        html_only=html_only,
        attachments=tuple(walked.attachments),
        warnings=tuple(warnings),
    )


def synthetic_message_id(headers: _Headers, content_hash: str) -> str:
    """A stable Message-ID for a message without one: the same message always gets the same."""
    basis = "\n".join(
        [
            headers.get("from") or "",
            headers.get("date") or "",
            headers.get("subject") or "",
            content_hash,
        ]
    )
    digest = hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{digest}@synthetic.frontdesk.invalid"


_SUBJECT_LINE = re.compile(rb"^subject:[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE)


def unparsable(raw: bytes, received_at: datetime, error: str) -> IncomingMessage:
    """A message that could not be parsed: kept whole, flagged, and shown as its raw text."""
    digest = hashlib.sha256(raw).hexdigest()[:32]
    subject_match = _SUBJECT_LINE.search(raw[:65536])
    subject = ""
    if subject_match is not None:
        subject = clean_line(decode_bytes(subject_match.group(1).strip()))[:300]
    text = clean_text(decode_bytes(raw[:MAX_BODY_CHARS]))
    return IncomingMessage(
        raw=raw,
        message_id=f"{digest}@unparsable.frontdesk.invalid",
        synthetic_id=True,
        content_hash=digest,
        sender=None,
        to=(),
        cc=(),
        reply_to=(),
        subject=subject or "(unreadable message)",
        date=received_at,
        date_flagged=True,
        received_at=received_at,
        in_reply_to=None,
        references=(),
        body_text=text,
        new_text=text[:2000],
        html_only=False,
        attachments=(),
        parse_error=clean_line(error)[:500],
    )
