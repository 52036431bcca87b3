"""Tags as IMAP keywords against a real Dovecot: two stores (two teammates' frontdesks) sync
one mailbox; a plain IMAP client stands for any other mail program."""

from __future__ import annotations

from pathlib import Path

import pytest

from mail.keywords import tag_keyword
from mail.sync import SyncEngine, SyncSettings
from storage import conversations, events, work
from storage.db import Store
from tests.conftest import SUPPORT, ImapAccount, mail

ME = "Dana"


def engine(store: Store, account: ImapAccount) -> SyncEngine:
    settings = SyncSettings(close_older_than=None, retry_delay=0.01)
    return SyncEngine(store, account.endpoint(), account.password, [SUPPORT], settings)


def append(account: ImapAccount, raws: list[bytes], folder: str = "INBOX") -> None:
    client = account.client()
    try:
        for raw in raws:
            client.append(folder, raw)
    finally:
        client.logout()


def server_keywords(account: ImapAccount, folder: str = "INBOX") -> dict[int, set[str]]:
    client = account.client()
    try:
        client.select_folder(folder)
        found = client.get_flags(client.search(["ALL"]))
    finally:
        client.logout()
    return {
        uid: {f.decode() for f in flags if not f.startswith(b"\\")} for uid, flags in found.items()
    }


def tags(store: Store) -> tuple[str, ...]:
    (conversation,) = conversations.queue(store, "all")
    return conversation.tags


def the_id(store: Store) -> int:
    (conversation,) = conversations.queue(store, "all")
    return conversation.id


@pytest.fixture
def pair(tmp_path: Path, imap_account: ImapAccount) -> tuple[Store, Store]:
    """A conversation of two messages (one in INBOX, our reply in Sent), synced into two
    stores, A and B."""
    append(imap_account, [mail(message_id="<q@northwind.test>")])
    append(
        imap_account,
        [
            mail(
                sender=SUPPORT,
                to="zoe@northwind.test",
                subject="Re: Export is broken",
                message_id="<r@acme.test>",
                in_reply_to="<q@northwind.test>",
                references="<q@northwind.test>",
            )
        ],
        folder="Sent",
    )
    a, b = Store.open(tmp_path / "a.db"), Store.open(tmp_path / "b.db")
    engine(a, imap_account).run_once()
    engine(b, imap_account).run_once()
    yield a, b
    a.close()
    b.close()


def sync(store: Store, account: ImapAccount) -> None:
    engine(store, account).run_once()


def test_a_tag_put_on_in_one_store_reaches_the_other_and_every_copy(
    pair: tuple[Store, Store], imap_account: ImapAccount
) -> None:
    a, b = pair
    work.add_tag(a, [the_id(a)], "bug-report", actor=ME)
    sync(a, imap_account)
    assert all(k == {"bug-report"} for k in server_keywords(imap_account).values())
    assert all(k == {"bug-report"} for k in server_keywords(imap_account, "Sent").values())

    sync(b, imap_account)

    assert tags(b) == ("bug-report",)
    assert [e.actor for e in events.events_for(b, the_id(b)) if e.kind == "tagged"] == ["sync"]
    sync(b, imap_account)  # nothing more to do: idempotent
    assert [e.kind for e in events.events_for(b, the_id(b))].count("tagged") == 1


def test_a_tag_taken_off_in_one_store_leaves_the_other(
    pair: tuple[Store, Store], imap_account: ImapAccount
) -> None:
    a, b = pair
    work.add_tag(a, [the_id(a)], "outage", actor=ME)
    sync(a, imap_account)
    sync(b, imap_account)
    work.remove_tag(b, [the_id(b)], "outage", actor=ME)
    sync(b, imap_account)

    sync(a, imap_account)

    assert tags(a) == ()
    assert all(k == set() for k in server_keywords(imap_account).values())
    assert all(k == set() for k in server_keywords(imap_account, "Sent").values())


def test_different_tags_changed_on_both_sides_between_syncs_are_all_kept(
    pair: tuple[Store, Store], imap_account: ImapAccount
) -> None:
    a, b = pair
    work.add_tag(a, [the_id(a)], "angry", actor=ME)
    sync(a, imap_account)
    sync(b, imap_account)
    work.add_tag(a, [the_id(a)], "pricing", actor=ME)
    work.remove_tag(a, [the_id(a)], "angry", actor=ME)
    work.add_tag(b, [the_id(b)], "billing", actor=ME)

    sync(a, imap_account)
    sync(b, imap_account)
    sync(a, imap_account)

    assert tags(a) == tags(b) == ("billing", "pricing")


def test_a_tag_added_on_one_side_while_removed_on_the_other_is_kept(
    pair: tuple[Store, Store], imap_account: ImapAccount
) -> None:
    a, b = pair
    work.add_tag(b, [the_id(b)], "deal-blocker", actor=ME)
    sync(b, imap_account)  # the server has it; A has not seen it yet
    work.add_tag(a, [the_id(a)], "deal-blocker", actor=ME)
    work.remove_tag(b, [the_id(b)], "deal-blocker", actor=ME)
    sync(b, imap_account)  # B's removal reaches the server first

    sync(a, imap_account)
    sync(b, imap_account)

    assert tags(a) == tags(b) == ("deal-blocker",)


def test_a_removal_is_not_undone_by_a_stale_keyword_on_mail_arriving_later(
    pair: tuple[Store, Store], imap_account: ImapAccount
) -> None:
    a, b = pair
    work.add_tag(a, [the_id(a)], "confused", actor=ME)
    sync(a, imap_account)
    sync(b, imap_account)
    append(
        imap_account,
        [
            mail(
                message_id="<q2@northwind.test>",
                subject="Re: Re: Export is broken",
                in_reply_to="<r@acme.test>",
                references="<q@northwind.test> <r@acme.test>",
            )
        ],
    )
    sync(a, imap_account)  # A stores the new mail and gives it the conversation's keyword
    work.remove_tag(b, [the_id(b)], "confused", actor=ME)

    sync(b, imap_account)  # B meets the new mail with the keyword it just took off
    sync(a, imap_account)

    assert tags(a) == tags(b) == ()
    assert all(k == set() for k in server_keywords(imap_account).values())


def test_a_keyword_from_another_mail_client_arrives_as_a_tag(
    pair: tuple[Store, Store], imap_account: ImapAccount
) -> None:
    a, _b = pair
    client = imap_account.client()
    client.select_folder("INBOX")
    client.add_flags(client.search(["ALL"]), [b"Feature-Request", b"$Forwarded", b"Junk"])
    client.logout()

    sync(a, imap_account)

    assert tags(a) == ("feature-request",)  # mail state ($Forwarded, Junk) is not a tag
    (sent,) = server_keywords(imap_account, "Sent").values()
    assert sent == {"feature-request"}  # the conversation's other copy follows


def test_a_tag_with_spaces_and_emoji_round_trips(
    pair: tuple[Store, Store], imap_account: ImapAccount
) -> None:
    a, b = pair
    name = "needs design 🎨 + ünïcode"
    work.add_tag(a, [the_id(a)], name, actor=ME)
    sync(a, imap_account)
    keyword = tag_keyword(name)
    assert all(k == {keyword} for k in server_keywords(imap_account).values())

    sync(b, imap_account)

    assert tags(b) == (name,)


def test_mail_arriving_with_keywords_in_a_new_store_brings_its_tags(
    tmp_path: Path, imap_account: ImapAccount
) -> None:
    client = imap_account.client()
    client.append("INBOX", mail(message_id="<k@x.test>"), flags=[b"churn-feedback", b"angry"])
    client.logout()
    with Store.open(tmp_path / "c.db") as store:
        sync(store, imap_account)
        assert tags(store) == ("angry", "churn-feedback")
