"""A fresh store filled from the demo generator: what `frontdesk demo` opens.

Conversations the team finished with (the customer's last word a thank-you, days ago) are
closed, as a team working in frontdesk would have done, so the queue shows today's work.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from mail import csat, demo, demo_replies
from mail.config import (
    AccountConfig,
    ColleagueConfig,
    Config,
    CsatConfig,
    SendConfig,
    TeamConfig,
)
from mail.customer_import import CustomerRow, apply_rows
from mail.ingest import Ingestor, IngestReport, RawMail
from storage import conversations, messages, ratings
from storage.db import Store
from storage.models import Status
from storage.tags import ensure_tags

TEAM_ADDRESSES = (demo.SUPPORT_ADDRESS,)
_DONE_AFTER = timedelta(days=3)
# An open thread quiet this long was settled some other way (a call, a reply from a phone the
# store never saw): a team working the queue daily has nothing that old left waiting.
_SETTLED_AFTER = timedelta(days=10)


def build_demo_store(directory: Path | None = None) -> tuple[Path, IngestReport]:
    """Creates `demo.db` in `directory` (a new temporary folder by default), replacing any
    earlier demo store there, and fills it with the demo mailbox as of now."""
    directory = directory or Path(tempfile.mkdtemp(prefix="frontdesk-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with Store.open(path) as store:
        report = fill_demo_store(store, now)
        demo_replies.load(store, actor=demo_config().team.me, now=now)
        rate_finished(store)
        tags = demo_config().tags  # the default tags, with the owners the reports group by
        ensure_tags(store, tags.categories, tags.modifiers)
    return path, report


def fill_demo_store(store: Store | Path, now: datetime) -> IngestReport:
    """Fills a new store (open, or at a path) with the demo mailbox as of `now`: the mail,
    the work the team finished closed, the customers described as a billing import would."""
    if isinstance(store, Path):
        with Store.open(store) as opened:
            return fill_demo_store(opened, now)
    ingestor = Ingestor(store, TEAM_ADDRESSES, config=demo_config())
    report = ingestor.ingest(RawMail(data, received_at=now) for data in demo.iter_messages(now=now))
    _close_finished(store, now)
    _describe_customers(store, now)
    return report


def _describe_customers(store: Store, now: datetime) -> None:
    """Gives the demo's customers their company, tier (VIP, trial, paying, free...), plan,
    revenue and trial end, as a billing import would, so the queue shows who is writing."""
    rows = [
        CustomerRow(
            line=number,
            email=c.email.lower(),
            company=c.company,
            tier=c.tier,
            plan=c.plan,
            mrr_cents=None if c.mrr is None else c.mrr * 100,
            trial_ends=c.trial_ends,
        )
        for number, c in enumerate(demo.customers(now=now), 2)
    ]
    apply_rows(store, demo_config(), rows, actor="billing import", at=now)


def demo_config() -> Config:
    """The demo's account and team: replies come from Trellis Support, and you are Dana;
    Pete (sales) and Maya (engineering) are the colleagues `h` hands conversations to."""
    return Config(
        account=AccountConfig(email=demo.SUPPORT_ADDRESS, name=demo.SUPPORT_NAME),
        send=SendConfig(from_name="Dana at Trellis", signature="Dana Whitfield\nFounder, Trellis"),
        team=TeamConfig(me="Dana Whitfield", members=["Dana Whitfield", "Sam Rivera"]),
        csat=CsatConfig(enabled=True),
        colleagues=[
            ColleagueConfig(
                name="Pete Lindqvist",
                email="pete.lindqvist@trellis.app",
                role="sales",
                description="plans, pricing and larger teams",
            ),
            ColleagueConfig(
                name="Maya Chen",
                email="maya.chen@trellis.app",
                role="engineering",
                description="the API and integrations",
            ),
        ],
    )


def _close_finished(store: Store, now: datetime) -> None:
    """Closes what the team would have closed: quiet for days, and either answered by us last
    or ended by the customer's thanks; and what has been quiet for weeks."""
    for conversation in conversations.queue(store, "all"):
        quiet = now - conversation.last_message_at > _DONE_AFTER
        thanked = conversation.awaiting_reply and _is_thanks(conversation.preview)
        settled = now - conversation.last_message_at > _SETTLED_AFTER
        if settled or (quiet and (not conversation.awaiting_reply or thanked)):
            closed_at = conversation.last_message_at + timedelta(hours=2)
            conversations.set_status(
                store, conversation.id, Status.CLOSED, actor="Dana Whitfield", at=closed_at
            )


# What customers chose, in turn, on the finished conversations they did not thank us for.
_RATINGS_IN_TURN = ("good", "good", "ok", "good", "bad", "good", "good", "ok")


# What customers who thanked us wrote beside their Good.
_COMMENTS = (
    "Quick and clear, thank you!",
    "Sorted in minutes.",
    "Friendly and it works now.",
    "Great help as always.",
)


def rate_finished(store: Store) -> None:
    """Ratings on most closed conversations, as the demo's [csat] links would have brought them:
    a mail from the customer some hours after our last reply, through the same recognition as
    synced mail. A customer who thanked us rates Good with a few words; the others rate in
    turn, bare."""
    secret = ratings.rating_secret(store)
    mails: list[RawMail] = []
    for index, conversation in enumerate(conversations.queue(store, "closed")):
        if index % 5 == 4:
            continue  # not everyone rates
        thread = messages.messages_of(store, conversation.id)
        last = next((m for m in reversed(thread) if not m.is_ours), None)
        replied = [m for m in thread if m.is_ours]
        if last is None or last.sender is None or not replied:
            continue  # only a reply carries the links
        # A thank-you that asks something more is not a comment on the help it had.
        thanked = thread[-1] is last and _is_thanks(last.new_text) and "?" not in last.new_text
        rating = "good" if thanked else _RATINGS_IN_TURN[index % len(_RATINGS_IN_TURN)]
        mail = EmailMessage()
        mail["From"] = formataddr((last.sender.name, last.sender.addr))
        mail["To"] = demo.SUPPORT_ADDRESS
        mail["Subject"] = csat.rating_subject(rating, csat.token(secret, conversation.id))
        moment = max(last.date, replied[-1].date) + timedelta(hours=1 + index % 5)
        mail["Date"] = format_datetime(moment)
        mail["Message-ID"] = f"<rating-{conversation.id}@demo.trellis.app>"
        mail.set_content(_COMMENTS[len(mails) % len(_COMMENTS)] if thanked else "")
        mails.append(RawMail(mail.as_bytes(), received_at=moment))
    Ingestor(store, TEAM_ADDRESSES, config=demo_config()).ingest(mails)


def _is_thanks(text: str) -> bool:
    lowered = text.lower()
    return len(lowered) < 400 and any(
        word in lowered
        for word in ("thank", "danke", "merci", "gracias", "perfect", "appreciate", "works now")
    )
