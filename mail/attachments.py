"""Attachments out of the raw message: the part at `part_path` (as the parser numbered the
MIME tree: "2", "2.1"…), decoded with the standard library, saved under a sanitized name that
never overwrites a file already there."""

from __future__ import annotations

import email
import email.policy
import os
from email.message import Message as MimeMessage
from pathlib import Path

from mail.sanitize import safe_filename
from storage.errors import FrontdeskError


class AttachmentError(FrontdeskError):
    """An attachment cannot be found in its message, or cannot be saved."""


def part_bytes(raw: bytes, part_path: str) -> bytes:
    """The decoded bytes of the MIME part at `part_path`."""
    part: MimeMessage = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not part.is_multipart():
        if part_path != "1":
            raise AttachmentError(f"no part {part_path} in a single-part message")
        return _decoded(part)
    for step in part_path.split("."):
        children = part.get_payload()
        try:
            index = int(step) - 1
            if index < 0 or not isinstance(children, list):
                raise IndexError(step)
            child = children[index]
        except (ValueError, IndexError):
            raise AttachmentError(f"no part {part_path} in this message") from None
        if not isinstance(child, MimeMessage):
            raise AttachmentError(f"no part {part_path} in this message")
        part = child
    return _decoded(part)


def _decoded(part: MimeMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], MimeMessage):
            return bytes(inner[0].as_bytes())
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return str(part.get_payload()).encode("utf-8", "replace")


def save(data: bytes, filename: str, directory: Path) -> Path:
    """Writes `data` into `directory` under a safe version of `filename`: `name (2).ext`
    when the name is taken. Returns where it went."""
    name = safe_filename(filename)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 1000):
            candidate = name if attempt == 1 else f"{stem} ({attempt}){'.' + ext if ext else ''}"
            target = directory / candidate
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            return target
    except OSError as exc:
        raise AttachmentError(f"cannot save {name} in {directory}: {exc.strerror}") from exc
    raise AttachmentError(f"cannot save {name} in {directory}: too many files of that name")
