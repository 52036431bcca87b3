"""IMAP sync against a real Dovecot: first and incremental sync, flags both ways, deletions,
UIDVALIDITY changes, IDLE, kills mid-sync, bad mail, bad passwords, bad certificates."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from mail import demo
from mail.imap import (
    CertificateRejected,
    ConnectionFailed,
    Endpoint,
    InsecureConnection,
    LoginRefused,
)
from mail.sync import SyncEngine, SyncError, SyncSettings, detect_sent_folder
from storage import conversations, folders
from storage.db import Store
from tests.conftest import SUPPORT, ImapAccount, mail

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def engine(store: Store, account: ImapAccount, **settings: object) -> SyncEngine:
    options: dict[str, object] = {"close_older_than": None, "retry_delay": 0.01}
    options.update(settings)
    return SyncEngine(
        store,
        account.endpoint(),
        account.password,
        [SUPPORT, demo.SUPPORT_ADDRESS],
        SyncSettings(**options),  # type: ignore[arg-type]
    )


def stored_message_ids(store: Store) -> list[str]:
    return [row[0] for row in store.conn.execute("SELECT message_id FROM messages")]


def server_uids(account: ImapAccount, folder: str = "INBOX") -> set[int]:
    client = account.client()
    try:
        client.select_folder(folder)
        return set(client.search(["ALL"]))
    finally:
        client.logout()


def append(
    account: ImapAccount,
    messages: list[bytes],
    folder: str = "INBOX",
    flags: tuple[bytes, ...] = (),
) -> None:
    client = account.client()
    try:
        for raw in messages:
            client.append(folder, raw, flags=flags)
    finally:
        client.logout()


def test_first_sync_stores_every_message_once_and_threads_sent_replies(
    store: Store, imap_account: ImapAccount
) -> None:
    question = mail(message_id="<q1@northwind.test>", subject="Export broken")
    answer = mail(
        sender=f"Acme Support <{SUPPORT}>",
        to="zoe@northwind.test",
        subject="Re: Export broken",
        message_id="<a1@acme.test>",
        in_reply_to="<q1@northwind.test>",
        references="<q1@northwind.test>",
        body="Fixed now!\n",
    )
    append(imap_account, [question], flags=(b"\\Seen",))
    append(imap_account, [answer], folder="Sent")

    report = engine(store, imap_account).run_once()

    assert report.total("stored") == 2
    assert sorted(f.name for f in report.folders) == ["INBOX", "Sent"]
    (conversation,) = conversations.queue(store, "all")
    assert conversation.message_count == 2
    assert conversation.awaiting_reply is False  # our reply from another client counts
    inbox = folders.folder(store, "INBOX")
    (location,) = folders.locations(store, inbox.id).values()
    assert "\\Seen" in location.flags


def test_sync_never_marks_mail_seen(store: Store, imap_account: ImapAccount) -> None:
    append(imap_account, [mail(message_id=f"<u{i}@x.test>") for i in range(3)])
    engine(store, imap_account).run_once()
    client = imap_account.client()
    client.select_folder("INBOX")
    flags = client.get_flags(client.search(["ALL"]))
    client.logout()
    assert all(b"\\Seen" not in f for f in flags.values())


def test_incremental_sync_fetches_only_new_mail(store: Store, imap_account: ImapAccount) -> None:
    messages = demo.generate(conversations=20, now=NOW)
    append(imap_account, messages[:20])
    sync = engine(store, imap_account)
    first = sync.run_once()
    append(imap_account, messages[20:30])
    second = sync.run_once()
    third = sync.run_once()
    assert first.total("fetched") == 20
    assert second.total("fetched") == 10
    assert third.total("fetched") == 0
    assert len(stored_message_ids(store)) == 30


def test_flags_and_keywords_come_in_and_go_out(store: Store, imap_account: ImapAccount) -> None:
    append(imap_account, [mail(message_id="<f1@x.test>"), mail(message_id="<f2@x.test>")])
    sync = engine(store, imap_account)
    sync.run_once()
    client = imap_account.client()
    client.select_folder("INBOX")
    uid1, uid2 = sorted(client.search(["ALL"]))
    client.add_flags([uid1], [b"\\Flagged", b"$Billing"])
    client.logout()

    pulled = sync.run_once()
    assert pulled.total("flag_updates") == 1
    inbox = folders.folder(store, "INBOX")
    assert folders.locations(store, inbox.id)[uid1].flags == {"\\Flagged", "$Billing"}

    row_id = folders.locations(store, inbox.id)[uid2].message_id
    folders.queue_flag_change(store, row_id, add={"\\Seen", "$Handled"})
    client = imap_account.client()
    client.select_folder("INBOX")
    client.add_flags([uid2], [b"\\Answered"])  # a change on the server at the same time
    client.logout()
    pushed = sync.run_once()
    assert pushed.total("flags_pushed") == 1
    client = imap_account.client()
    client.select_folder("INBOX")
    server_flags = set(client.get_flags([uid2])[uid2])
    client.logout()
    assert {b"\\Seen", b"$Handled", b"\\Answered"} <= server_flags  # both sides kept
    assert {"\\Seen", "$Handled", "\\Answered"} <= folders.locations(store, inbox.id)[uid2].flags


def test_deleted_on_server_leaves_the_store_but_keeps_local_data(
    store: Store, imap_account: ImapAccount
) -> None:
    append(
        imap_account,
        [mail(message_id="<d1@x.test>"), mail(message_id="<d2@x.test>", subject="Other")],
    )
    sync = engine(store, imap_account)
    sync.run_once()
    store.conn.execute("INSERT INTO tags (name) VALUES ('bug-report')")
    conversation_id = conversations.queue(store, "all")[0].id
    store.conn.execute(
        "INSERT INTO conversation_tags VALUES (?, (SELECT id FROM tags WHERE name='bug-report'))",
        (conversation_id,),
    )
    store.conn.commit()
    client = imap_account.client()
    client.select_folder("INBOX")
    client.delete_messages(client.search(["ALL"]))
    client.expunge()
    client.logout()

    report = sync.run_once()

    assert report.total("vanished") == 2
    inbox = folders.folder(store, "INBOX")
    assert folders.locations(store, inbox.id) == {}
    assert len(stored_message_ids(store)) == 2  # history is kept
    assert "bug-report" in conversations.get(store, conversation_id).tags


def test_moved_message_is_found_again_without_duplicate(
    store: Store, imap_account: ImapAccount
) -> None:
    append(imap_account, [mail(message_id="<mv@x.test>")])
    sync = engine(store, imap_account, folders=("INBOX", "Archive"))
    client = imap_account.client()
    client.create_folder("Archive")
    client.logout()
    sync.run_once()
    client = imap_account.client()
    client.select_folder("INBOX")
    client.move(client.search(["ALL"]), "Archive")
    client.logout()

    report = sync.run_once()

    assert report.total("duplicates") == 1 and report.total("stored") == 0
    assert stored_message_ids(store) == ["mv@x.test"]
    archive = folders.folder(store, "Archive")
    assert len(folders.locations(store, archive.id)) == 1


def test_uidvalidity_change_is_checked_then_remapped_by_message_id(
    store: Store, imap_account: ImapAccount
) -> None:
    messages = [mail(message_id=f"<v{i}@x.test>", subject=f"Question {i}") for i in range(5)]
    sync = engine(store, imap_account, folders=("Support",))
    client = imap_account.client()
    client.create_folder("Support")
    client.logout()
    append(imap_account, messages, folder="Support")
    sync.run_once()
    before = folders.folder(store, "Support")
    store.conn.execute("INSERT INTO tags (name) VALUES ('vip')")
    first_conversation = conversations.queue(store, "all")[-1].id
    store.conn.execute(
        "INSERT INTO conversation_tags VALUES (?, (SELECT id FROM tags WHERE name='vip'))",
        (first_conversation,),
    )
    store.conn.commit()

    # Recreate the folder: new UIDVALIDITY, and the messages come back in another order.
    client = imap_account.client()
    client.delete_folder("Support")
    client.create_folder("Support")
    client.logout()
    append(imap_account, list(reversed(messages)), folder="Support")

    report = sync.run_once()

    after = folders.folder(store, "Support")
    assert after.uidvalidity != before.uidvalidity
    assert report.folders[0].uidvalidity_reset is True
    assert report.total("stored") == 0  # nothing fetched twice as new
    assert len(stored_message_ids(store)) == 5
    by_uid = folders.message_header_ids(store, after.id)
    assert by_uid == {uid: f"v{4 - (uid - 1)}@x.test" for uid in range(1, 6)}
    assert "vip" in conversations.get(store, first_conversation).tags


def test_parser_rejected_message_is_stored_flagged_and_not_refetched(
    store: Store, imap_account: ImapAccount
) -> None:
    append(imap_account, [b"\x00\x01 not a mail at all \xff\xfe", mail(message_id="<ok@x.test>")])
    sync = engine(store, imap_account)
    first = sync.run_once()
    second = sync.run_once()
    assert first.total("flagged") == 1 and first.total("stored") == 2
    assert second.total("fetched") == 0
    flagged = [c for c in conversations.queue(store, "all") if c.flagged]
    assert len(flagged) == 1


def test_since_limits_what_is_fetched_and_old_history_is_closed(
    store: Store, imap_account: ImapAccount
) -> None:
    now = datetime.now(UTC)
    old = mail(message_id="<old@x.test>", subject="Old", date=now - timedelta(days=100))
    recent = mail(message_id="<recent@x.test>", subject="Recent", date=now - timedelta(days=1))
    client = imap_account.client()
    client.append("INBOX", old, msg_time=now - timedelta(days=100))
    client.append("INBOX", recent, msg_time=now - timedelta(days=1))
    client.append(
        "INBOX",
        mail(message_id="<mid@x.test>", subject="Mid", date=now - timedelta(days=40)),
        msg_time=now - timedelta(days=40),
    )
    client.logout()

    engine(
        store,
        imap_account,
        since=(now - timedelta(days=60)).date(),
        close_older_than=timedelta(days=30),
    ).run_once()

    assert sorted(stored_message_ids(store)) == ["mid@x.test", "recent@x.test"]
    by_subject = {c.subject: c.status for c in conversations.queue(store, "all")}
    assert by_subject == {"Recent": "open", "Mid": "closed"}


def test_wrong_password_is_refused_without_retrying(
    store: Store, imap_account: ImapAccount
) -> None:
    sync = SyncEngine(
        store, imap_account.endpoint(), "wrong", [SUPPORT], SyncSettings(retry_delay=0.01)
    )
    with pytest.raises(LoginRefused, match="login refused"):
        sync.run_once()


def test_untrusted_certificate_is_refused(store: Store, imap_account: ImapAccount) -> None:
    endpoint = Endpoint(
        "imap", "127.0.0.1", imap_account.server.imaps_port, "ssl", imap_account.user, ""
    )
    sync = SyncEngine(store, endpoint, imap_account.password, [SUPPORT])
    with pytest.raises(CertificateRejected, match=r"certificate not trusted.*ca_file"):
        sync.run_once()


def test_starttls_and_loopback_plaintext_work(store: Store, imap_account: ImapAccount) -> None:
    append(imap_account, [mail()])
    for security in ("starttls", "none"):
        sync = SyncEngine(store, imap_account.endpoint(security), imap_account.password, [SUPPORT])
        assert sync.run_once().folders[0].name == "INBOX"
    assert len(stored_message_ids(store)) == 1


def test_plaintext_to_a_remote_host_is_refused(store: Store) -> None:
    endpoint = Endpoint("imap", "mail.example.com", 143, "none", "me")
    with pytest.raises(InsecureConnection, match="refusing a plaintext"):
        SyncEngine(store, endpoint, "pw", [SUPPORT]).run_once()


def test_unreachable_server_is_retried_then_reported(store: Store) -> None:
    from tests.servers.dovecot import free_port

    endpoint = Endpoint("imap", "127.0.0.1", free_port(), "none", "me")
    waits: list[float] = []
    sync = SyncEngine(store, endpoint, "pw", [SUPPORT], SyncSettings(retries=2, retry_delay=0.5))
    with pytest.raises(SyncError, match="gave up after 3 attempts"):
        sync.run_once(sleep=waits.append)
    assert waits == [0.5, 1.0]


def test_sent_folder_is_found_by_special_use(imap_account: ImapAccount) -> None:
    client = imap_account.client()
    try:
        assert detect_sent_folder(client) == "Sent"
    finally:
        client.logout()


def test_idle_brings_new_mail_within_five_seconds(
    store_path: object, imap_account: ImapAccount
) -> None:
    stop = threading.Event()
    reports: list[int] = []
    errors: list[Exception] = []

    def run() -> None:
        with Store.open(store_path) as own_store:  # type: ignore[arg-type]
            engine(own_store, imap_account).watch(
                stop,
                poll_seconds=300,
                on_report=lambda r: reports.append(r.total("stored")),
                on_error=errors.append,
            )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while not reports and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reports, f"the first sync did not finish: {errors}"
        time.sleep(0.5)  # let it enter IDLE
        append(imap_account, [mail(message_id="<pushed@x.test>")])
        arrived = time.monotonic()
        with Store.open(store_path) as reader:  # type: ignore[arg-type]
            while time.monotonic() - arrived < 5:
                if "pushed@x.test" in stored_message_ids(reader):
                    break
                time.sleep(0.05)
            assert "pushed@x.test" in stored_message_ids(reader), errors
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()


def test_connection_failed_is_the_retryable_kind() -> None:
    assert not issubclass(LoginRefused, ConnectionFailed)
    assert not issubclass(CertificateRejected, ConnectionFailed)


def test_watch_ends_on_a_refused_login_instead_of_retrying_forever(
    store: Store, imap_account: ImapAccount
) -> None:
    errors: list[Exception] = []
    sync = SyncEngine(
        store, imap_account.endpoint(), "wrong", [SUPPORT], SyncSettings(retry_delay=0.01)
    )
    started = time.monotonic()
    sync.watch(threading.Event(), poll_seconds=5, on_error=errors.append)
    assert time.monotonic() - started < 10
    assert len(errors) == 1 and isinstance(errors[0], LoginRefused)
