"""Reading mail from files: mbox files, Maildir folders, single `.eml` files, and folders of them.

Every source yields `RawMail` with the bytes exactly as stored; nothing is parsed here.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from mail.ingest import RawMail
from storage.errors import FrontdeskError


class SourceError(FrontdeskError):
    """A path given to import cannot be read as mail."""


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    """Whether `path` is an mbox file; an empty file is an empty mbox (a mail client's empty
    folder), not an empty message."""
    try:
        with path.open("rb") as handle:
            return handle.read(5) in (b"From ", b"")
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror}") from exc


def read_path(path: Path) -> Iterator[RawMail]:
    """Every message under `path`, whatever kind of source it is."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if is_maildir(path):
        yield from read_maildir(path)
    elif path.is_dir():
        yield from _read_folder(path)
    elif not path.is_file():  # a socket or a FIFO: opening it would fail, or block
        raise SourceError(f"{path}: not a mail file or folder")
    elif is_mbox(path):
        yield from read_mbox(path)
    else:
        yield read_eml(path)


def _read_folder(path: Path) -> Iterator[RawMail]:
    """A folder of Maildirs, mbox files and .eml files, walked in name order."""
    for entry in sorted(path.iterdir()):
        if entry.name.startswith(".") and not is_maildir(entry):
            continue
        if is_maildir(entry) or entry.is_dir():
            yield from read_path(entry)
        elif entry.suffix.lower() == ".eml":
            yield read_eml(entry)
        elif entry.is_file() and is_mbox(entry):
            yield from read_mbox(entry)


def read_eml(path: Path) -> RawMail:
    try:
        data = path.read_bytes()
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror}") from exc
    return RawMail(data, datetime.fromtimestamp(mtime, UTC), str(path))


def read_maildir(path: Path) -> Iterator[RawMail]:
    """The messages of one Maildir (new/ and cur/), in delivery order (the file names begin
    with the delivery time)."""
    files: list[Path] = []
    for sub in ("new", "cur"):
        files.extend(
            p for p in (path / sub).iterdir() if p.is_file() and not p.name.startswith(".")
        )
    files.sort(key=lambda p: p.name)
    for file in files:
        try:
            data = file.read_bytes()
            received = datetime.fromtimestamp(os.stat(file).st_mtime, UTC)
        except FileNotFoundError:
            continue  # moved by a mail client while we read: it will be in cur/ next time
        yield RawMail(data, received, str(file))


def read_mbox(path: Path) -> Iterator[RawMail]:
    try:
        box = mailbox.mbox(path, create=False)
    except (OSError, mailbox.Error) as exc:
        raise SourceError(f"{path}: cannot read as mbox ({exc})") from exc
    try:
        for key in box.iterkeys():
            yield RawMail(box.get_bytes(key), None, f"{path}#{key}")
    finally:
        box.close()


def count_messages(paths: list[Path]) -> int | None:
    """How many messages the paths hold, when that is cheap to know (for a progress bar)."""
    total = 0
    for path in paths:
        if is_maildir(path):
            total += sum(len(os.listdir(path / sub)) for sub in ("new", "cur"))
        elif path.is_file() and not is_mbox(path):
            total += 1
        else:
            return None
    return total
