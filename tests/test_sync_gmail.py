"""Gmail's extension (X-GM-EXT-1): one message under two labels is stored once.

Dovecot cannot speak Gmail's extension, so this is the one place a stand-in IMAP client is
used: it answers exactly the commands the engine sends, from an in-memory mailbox."""

from __future__ import annotations

from typing import Any

from mail.imap import Endpoint
from mail.sync import SyncEngine, SyncSettings
from storage import folders
from storage.db import Store
from tests.conftest import SUPPORT, mail


class GmailStandIn:
    """Folders of (uid -> (X-GM-MSGID, raw bytes, flags)); counts the bodies it sends."""

    def __init__(self, boxes: dict[str, dict[int, tuple[int, bytes, tuple[bytes, ...]]]]) -> None:
        self.boxes = boxes
        self.selected = ""
        self.bodies_sent = 0

    def capabilities(self) -> tuple[bytes, ...]:
        return (b"IMAP4REV1", b"X-GM-EXT-1", b"UIDPLUS", b"IDLE")

    def list_folders(self) -> list[tuple[tuple[bytes, ...], bytes, str]]:
        marks = {"[Gmail]/Sent Mail": (b"\\Sent",), "[Gmail]/All Mail": (b"\\All",)}
        return [(marks.get(name, ()), b"/", name) for name in self.boxes]

    def select_folder(self, name: str) -> dict[bytes, Any]:
        self.selected = name
        uids = self.boxes[name]
        return {b"UIDVALIDITY": 7, b"UIDNEXT": max(uids, default=0) + 1}

    def search(self, criteria: list[Any]) -> list[int]:
        assert criteria == ["ALL"]
        return sorted(self.boxes[self.selected])

    def fetch(self, uids: list[int], items: list[str], modifiers: Any = None) -> dict[int, Any]:
        answer: dict[int, Any] = {}
        for uid in uids:
            gm_id, raw, flags = self.boxes[self.selected][uid]
            data: dict[bytes, Any] = {}
            if "X-GM-MSGID" in items:
                data[b"X-GM-MSGID"] = gm_id
            if "BODY.PEEK[]" in items:
                data[b"BODY[]"] = raw
                self.bodies_sent += 1
            if "FLAGS" in items:
                data[b"FLAGS"] = flags
            answer[uid] = data
        return answer

    def logout(self) -> None:
        pass


class GmailEngine(SyncEngine):
    def __init__(self, store: Store, stand_in: GmailStandIn) -> None:
        endpoint = Endpoint("imap", "imap.gmail.com", 993, "ssl", "support@acme.test")
        super().__init__(store, endpoint, "unused", [SUPPORT], SyncSettings(close_older_than=None))
        self.stand_in = stand_in

    def connect(self) -> Any:
        return self.stand_in


def test_a_message_under_two_labels_is_fetched_and_stored_once(store: Store) -> None:
    question = mail(message_id="<q@customer.test>")
    reply = mail(
        sender=SUPPORT,
        to="zoe@northwind.test",
        subject="Re: Export is broken",
        message_id="<r@acme.test>",
        in_reply_to="<q@customer.test>",
    )
    stand_in = GmailStandIn(
        {
            "INBOX": {1: (1001, question, (b"\\Seen",))},
            "[Gmail]/Sent Mail": {5: (1002, reply, ())},
            "[Gmail]/All Mail": {10: (1001, question, ()), 11: (1002, reply, ())},
            "Support": {3: (1001, question, (b"$Billing",))},
        }
    )
    engine = GmailEngine(store, stand_in)
    engine.settings = SyncSettings(folders=("INBOX", "Support"), close_older_than=None)

    report = engine.run_once()

    assert [f.name for f in report.folders] == ["INBOX", "Support", "[Gmail]/Sent Mail"]
    assert stand_in.bodies_sent == 2  # the Support copy was recognised by its X-GM-MSGID
    assert store.scalar("SELECT count(*) FROM messages") == 2
    support = folders.folder(store, "Support")
    (location,) = folders.locations(store, support.id).values()
    assert location.flags == {"$Billing"}
    inbox_row = next(iter(folders.locations(store, folders.folder(store, "INBOX").id).values()))
    assert location.message_id == inbox_row.message_id
    assert "[Gmail]/All Mail" not in {f.name for f in folders.all_folders(store)}
