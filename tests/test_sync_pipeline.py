"""The first-sync pipeline against a real Dovecot: on a big fetch a second process parses each
batch and reads the customers' mail for churn and sales signals, and the store ends up exactly
as when everything happens in the storing process."""

from __future__ import annotations

from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from typing import Any

import pytest

from mail import sync
from mail.ingest import Ingestor, Reader
from mail.parse import parse_message
from mail.sync import SyncEngine, SyncSettings
from storage import conversations
from storage.db import Store
from tests.conftest import SUPPORT, ImapAccount, mail

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
QUESTION = mail(
    sender="Ann Lee <ann@harbor.test>",
    subject="Importing boards",
    body="How do I import boards from a spreadsheet?\n",
    message_id="<q1@harbor.test>",
)
# Our answer has churn words in it; only a customer's words count.
ANSWER = mail(
    sender=f"Acme Support <{SUPPORT}>",
    to="ann@harbor.test",
    subject="Re: Importing boards",
    body="Use File > Import. (If you ever want to cancel your subscription, reply here.)\n",
    message_id="<a1@acme.test>",
    in_reply_to="<q1@harbor.test>",
    references="<q1@harbor.test>",
)
LEAVING = mail(
    sender="Bo Park <bo@quay.test>",
    subject="Ending things",
    body="Please cancel our subscription at the end of the month.\n",
    message_id="<c1@quay.test>",
)
BUYING = mail(
    sender="Cy Ruiz <cy@studio.test>",
    subject="Plans",
    body="Which plan would you recommend for our agency of 40 people?\n",
    message_id="<s1@studio.test>",
)
CUSTOMER_MESSAGES = 3  # QUESTION, LEAVING, BUYING


def _append(account: ImapAccount, messages: list[bytes]) -> None:
    client = account.client()
    try:
        for raw in messages:
            client.append("INBOX", raw)
    finally:
        client.logout()


def _sync(store: Store, account: ImapAccount) -> None:
    SyncEngine(
        store,
        account.endpoint(),
        account.password,
        [SUPPORT],
        SyncSettings(close_older_than=None, sync_sent=False),
    ).run_once()


def _signals(store: Store) -> dict[str, tuple[Any, ...]]:
    """Each conversation's churn words and sales detection, by subject."""
    return {
        str(subject): (churn, detected, score, reasons)
        for subject, churn, detected, score, reasons in store.conn.execute(
            "SELECT subject, churn_reasons, sales_detected, sales_score, sales_reasons"
            " FROM conversations"
        )
    }


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts this process's readers read (a parse worker's reads are not seen here)."""
    texts: list[str] = []
    original = Reader.read

    def read(self: Reader, text: str) -> Any:
        texts.append(text)
        return original(self, text)

    monkeypatch.setattr(Reader, "read", read)
    return texts


def test_the_parse_worker_reads_customers_mail_as_the_storing_process_would(
    tmp_path: Any,
    imap_account: ImapAccount,
    monkeypatch: pytest.MonkeyPatch,
    counted_reads: list[str],
) -> None:
    _append(imap_account, [QUESTION, ANSWER, LEAVING, BUYING])
    monkeypatch.setattr(sync.os, "cpu_count", lambda: 2)

    monkeypatch.setattr(sync, "PARALLEL_PARSE_FROM", 1)
    with Store.open(tmp_path / "parallel.db") as parallel:
        _sync(parallel, imap_account)
        assert counted_reads == []  # every message was read in the worker
        in_worker = _signals(parallel)

    monkeypatch.setattr(sync, "PARALLEL_PARSE_FROM", 10**9)
    with Store.open(tmp_path / "serial.db") as serial:
        _sync(serial, imap_account)
        assert len(counted_reads) == CUSTOMER_MESSAGES
        in_process = _signals(serial)

    assert in_worker == in_process
    assert in_worker["Importing boards"][0] in (None, "", "[]")  # our words were not read
    assert "cancel our subscription" in in_worker["Ending things"][0]
    assert in_worker["Plans"][1] == 1
    assert 'plan fit: \\"Which plan\\"' in in_worker["Plans"][3]


def test_a_batch_the_dead_worker_left_is_parsed_and_read_while_storing(
    store: Store, counted_reads: list[str]
) -> None:
    lost: Future[Any] = Future()
    lost.set_exception(BrokenProcessPool("the parse worker died"))
    results = sync._Resilient(lost, [(LEAVING, NOW)]).result()
    assert [reading for _, reading in results] == [None]

    ingestor = Ingestor(store, [SUPPORT])
    report = ingestor.store_batch(
        [(msg, "1") for msg, _ in results], readings=[reading for _, reading in results]
    )
    assert counted_reads == ["Please cancel our subscription at the end of the month."]
    (conversation_id,) = report.conversations
    assert conversations.churn_reasons(store, conversation_id) == ("cancel our subscription",)


def test_a_reader_reads_only_customers_mail_that_parsed() -> None:
    reader = Ingestor(Store.memory(), [SUPPORT]).reader
    assert reader.read_message(parse_message(ANSWER, NOW)) is None
    reading = reader.read_message(parse_message(LEAVING, NOW))
    assert reading is not None
    assert reading.churn_reasons == ("cancel our subscription",)
    assert not reading.sale.is_signal
    sale = reader.read_message(parse_message(BUYING, NOW))
    assert sale is not None and sale.sale.is_signal
