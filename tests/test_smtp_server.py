"""The test SMTP server itself: it records exactly what a real client sends, refuses what it is
told to refuse, and `mail.smtp.connect` logs in to it with each security setting."""

from __future__ import annotations

import smtplib
import ssl

import pytest

from mail import smtp
from mail.compose import Identity, compose_reply
from mail.imap import CertificateRejected, Endpoint, LoginRefused
from mail.ingest import Ingestor
from storage import conversations, messages
from storage.db import Store
from tests.conftest import SMTP_PASSWORD, mail
from tests.servers.smtp import Received, SmtpSink

pytestmark = pytest.mark.smtp

PASSWORD = SMTP_PASSWORD
SENDER = "support@acme.test"
RAW = (
    b"From: Acme Support <support@acme.test>\r\n"
    b"To: zoe@northwind.test\r\n"
    b"Subject: Re: Export is broken\r\n"
    b"Message-ID: <reply1@acme.test>\r\n"
    b"\r\n"
    b"Fixed.\r\n"
    b".A line that starts with a dot survives dot-stuffing.\r\n"
    b"..and so does this one.\r\n"
)


@pytest.fixture
def sink(smtp_sink: SmtpSink) -> SmtpSink:
    """The suite's SMTP server (tests/conftest.py), emptied for each test."""
    return smtp_sink


def logged_in(sink: SmtpSink, password: str = PASSWORD) -> smtplib.SMTP:
    client = smtplib.SMTP(sink.host, sink.port, timeout=5)
    client.starttls(context=ssl.create_default_context(cafile=str(sink.cert)))
    client.login("support", password)
    return client


def test_starttls_auth_and_send_records_the_exact_bytes(sink: SmtpSink) -> None:
    with logged_in(sink) as client:
        refused = client.sendmail(SENDER, ["zoe@northwind.test", "ops@northwind.test"], RAW)
    assert refused == {}
    (received,) = sink.wait_for(1)
    assert received == Received(
        mail_from=SENDER,
        rcpt_tos=("zoe@northwind.test", "ops@northwind.test"),
        data=RAW,
        user="support",
        tls=True,
    )


def test_wrong_password_is_refused_without_hanging(sink: SmtpSink) -> None:
    client = smtplib.SMTP(sink.host, sink.port, timeout=5)
    try:
        client.starttls(context=ssl.create_default_context(cafile=str(sink.cert)))
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.login("support", "wrong")
        assert refused.value.smtp_code == 535
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("someone-else", PASSWORD)
        with pytest.raises(smtplib.SMTPSenderRefused) as unauthenticated:
            client.sendmail(SENDER, ["zoe@northwind.test"], RAW)
        assert unauthenticated.value.smtp_code == 530
    finally:
        client.close()
    assert sink.messages == []


def test_starttls_listener_takes_no_plaintext_auth(sink: SmtpSink) -> None:
    client = smtplib.SMTP(sink.host, sink.port, timeout=5)
    try:
        client.ehlo()
        assert not client.has_extn("auth")
        assert client.has_extn("starttls")
        code, _ = client.mail(SENDER)
        assert code == 530
    finally:
        client.close()


def test_rejected_recipient_gets_550_and_the_others_the_message(sink: SmtpSink) -> None:
    sink.reject_recipients.add("ops@northwind.test")
    with logged_in(sink) as client:
        refused = client.sendmail(SENDER, ["zoe@northwind.test", "Ops@Northwind.test"], RAW)
        assert set(refused) == {"Ops@Northwind.test"}
        assert refused["Ops@Northwind.test"][0] == 550
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail(SENDER, ["ops@northwind.test"], RAW)
    (received,) = sink.wait_for(1)
    assert received.rcpt_tos == ("zoe@northwind.test",)


def test_fail_next_data_fails_once(sink: SmtpSink) -> None:
    sink.fail_next_data = "451 4.3.0 try again later"
    with logged_in(sink) as client:
        with pytest.raises(smtplib.SMTPDataError) as failed:
            client.sendmail(SENDER, ["zoe@northwind.test"], RAW)
        assert failed.value.smtp_code == 451
        assert b"try again later" in failed.value.smtp_error
        assert sink.fail_next_data is None
        client.sendmail(SENDER, ["zoe@northwind.test"], RAW)
    (received,) = sink.wait_for(1)
    assert received.data == RAW


def test_plain_listener_takes_auth_on_loopback(sink: SmtpSink) -> None:
    with smtplib.SMTP(sink.host, sink.plain_port, timeout=5) as client:
        client.login("support", PASSWORD)
        client.sendmail(SENDER, ["zoe@northwind.test"], RAW)
    (received,) = sink.wait_for(1)
    assert (received.data, received.user, received.tls) == (RAW, "support", False)


def test_plain_listener_still_requires_auth(sink: SmtpSink) -> None:
    with smtplib.SMTP(sink.host, sink.plain_port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail(SENDER, ["zoe@northwind.test"], RAW)
        assert refused.value.smtp_code == 530
    assert sink.messages == []


def test_wait_for_gives_up_after_its_timeout(sink: SmtpSink) -> None:
    with pytest.raises(AssertionError, match="got 0 message"):
        sink.wait_for(1, timeout=0.2)


# -- mail.smtp.connect against the sink -----------------------------------------------------


def endpoint(sink: SmtpSink, security: str, ca_file: str | None = None) -> Endpoint:
    port = sink.port if security == "starttls" else sink.plain_port
    cert = str(sink.cert) if ca_file is None else ca_file
    return Endpoint("smtp", sink.host, port, security, "support", cert)


def test_connect_with_starttls_logs_in_and_sends(sink: SmtpSink) -> None:
    client = smtp.connect(endpoint(sink, "starttls"), PASSWORD, timeout=5)
    try:
        client.sendmail(SENDER, ["zoe@northwind.test"], RAW)
    finally:
        client.quit()
    (received,) = sink.wait_for(1)
    assert (received.data, received.user, received.tls) == (RAW, "support", True)


def test_connect_without_tls_on_loopback_logs_in_and_sends(sink: SmtpSink) -> None:
    client = smtp.connect(endpoint(sink, "none"), PASSWORD, timeout=5)
    try:
        client.sendmail(SENDER, ["zoe@northwind.test"], RAW)
    finally:
        client.quit()
    (received,) = sink.wait_for(1)
    assert (received.user, received.tls) == ("support", False)


def test_connect_with_a_wrong_password_is_login_refused(sink: SmtpSink) -> None:
    with pytest.raises(LoginRefused, match="login refused"):
        smtp.connect(endpoint(sink, "starttls"), "wrong", timeout=5)


def test_connect_without_the_ca_file_rejects_the_certificate(sink: SmtpSink) -> None:
    with pytest.raises(CertificateRejected, match="ca_file"):
        smtp.connect(endpoint(sink, "starttls", ca_file=""), PASSWORD, timeout=5)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_both_auth_mechanisms_work(sink: SmtpSink, mechanism: str) -> None:
    client = smtplib.SMTP(sink.host, sink.port, timeout=5)
    try:
        client.starttls(context=ssl.create_default_context(cafile=str(sink.cert)))
        client.ehlo()
        client.user, client.password = "support", PASSWORD
        authobject = client.auth_plain if mechanism == "PLAIN" else client.auth_login
        code, _ = client.auth(mechanism, authobject)
        assert code == 235
    finally:
        client.close()


def test_a_composed_reply_crosses_smtp_byte_for_byte(sink: SmtpSink, store: Store) -> None:
    report = Ingestor(store, [SENDER]).ingest([mail(to=SENDER)])
    (conversation_id,) = report.conversations
    composed = compose_reply(
        conversations.get(store, conversation_id),
        messages.messages_of(store, conversation_id),
        Identity(SENDER, "Acme Support", signature="Acme"),
        "Grüße!\n.\n" + "x" * 5000,
        cc=["ops@northwind.test"],
        bcc=["audit@acme.test"],
        quote_last=True,
    )
    client = smtp.connect(endpoint(sink, "starttls"), PASSWORD, timeout=5)
    try:
        client.sendmail(composed.envelope_from, list(composed.recipients), composed.raw)
    finally:
        client.quit()
    (received,) = sink.wait_for(1)
    assert received.data == composed.raw
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ("zoe@northwind.test", "ops@northwind.test", "audit@acme.test")
