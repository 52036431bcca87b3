"""Handing a conversation to a colleague, by name: `pass` sends the customer a short personal
reply with the colleague in CC and the colleague a handoff note (who the customer is, what they
asked, the agent's note, the conversation so far), and the conversation leaves support; `cc`
answers the customer with the colleague in CC and a line offering them, and it stays.

Both go through the outbox like any reply, so the undo window and retries apply.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from zoneinfo import ZoneInfo

from mail import templates
from mail.compose import header_safe, validate_address
from mail.config import ColleagueConfig, Config, parse_business_hours
from mail.customers import sla_policy
from mail.parse import without_reply_prefixes
from mail.replies import agent_name, context_for
from mail.sanitize import clean_text
from mail.send import OutboxItem, identity, outbox_item, queue_reply
from storage import conversations, events, messages, outbox, queues
from storage.db import Store
from storage.errors import FrontdeskError
from storage.models import Message
from storage.timeutil import to_epoch

MODES = ("pass", "cc")
_NOTE_MESSAGES = 12  # the conversation so far, as the note quotes it: the latest this many


class HandoffError(FrontdeskError):
    """A handoff that cannot be made as asked: no such colleague, no answer to send…"""


@dataclass(frozen=True)
class Handoff:
    """What a handoff queued: the customer's reply and, for `pass`, the colleague's note."""

    id: int
    colleague: ColleagueConfig
    mode: str
    reply: OutboxItem
    note: OutboxItem | None


def find_colleague(config: Config, name: str) -> ColleagueConfig:
    """The colleague called `name`: full name, or first name when only one has it."""
    wanted = " ".join(name.split()).lower()
    if not config.colleagues:
        raise HandoffError(
            "no colleagues configured: frontdesk colleagues add --name NAME --email ADDR"
        )
    for colleague in config.colleagues:
        if colleague.name.lower() == wanted:
            return colleague
    firsts = [c for c in config.colleagues if c.name.split()[0].lower() == wanted]
    if len(firsts) == 1:
        return firsts[0]
    known = ", ".join(c.name for c in config.colleagues)
    raise HandoffError(f"no colleague called {name!r} (known: {known})")


def suggestions(config: Config, sales_signal: bool) -> list[ColleagueConfig]:
    """The colleagues in the order a picker offers them: for a sales signal, sales first."""
    if not sales_signal:
        return list(config.colleagues)
    return sorted(config.colleagues, key=lambda c: c.role != "sales")


def when_in_touch(colleague: ColleagueConfig, config: Config, now: datetime) -> str:
    """'today', 'tomorrow' or 'on Monday': the colleague's next working hours, in their
    hours (else the team's business hours, else 09:00-17:00) on the team's working days."""
    team = sla_policy(config)  # the team's working days, hours and time zone, parsed once
    hours = (
        parse_business_hours(colleague.hours) or team.business_hours or (dt_time(9), dt_time(17))
    )
    local = now.astimezone(ZoneInfo(team.timezone))
    working = team.business_days or frozenset(range(5))
    for ahead in range(8):
        day: date = local.date() + timedelta(days=ahead)
        if day.weekday() not in working:
            continue
        if ahead == 0 and local.time() >= hours[1]:
            continue
        if ahead == 0:
            return "today"
        if ahead == 1:
            return "tomorrow"
        return f"on {day:%A}"
    return "soon"


def _context(
    store: Store, config: Config, conversation_id: int, colleague: ColleagueConfig, now: datetime
) -> templates.Context:
    return dataclasses.replace(
        context_for(store, config, conversation_id),
        colleague_name=colleague.name,
        colleague_description=colleague.description or None,
        colleague_when=when_in_touch(colleague, config, now),
    )


def _filled(rendered: templates.Rendered, what: str) -> str:
    if rendered.problems:
        wrong = ", ".join(p.describe() for p in rendered.problems)
        raise HandoffError(f"{what} cannot be filled in: {wrong}")
    return rendered.text


def pass_reply(
    store: Store, config: Config, conversation_id: int, colleague: ColleagueConfig, now: datetime
) -> templates.Rendered:
    """The customer's reply when passed on, from `handoff.pass_template`, for the agent to edit."""
    context = _context(store, config, conversation_id, colleague, now)
    return templates.render(config.handoff.pass_template, context)


def cc_line(
    store: Store, config: Config, conversation_id: int, colleague: ColleagueConfig, now: datetime
) -> templates.Rendered:
    """The line an answer gains when a colleague is CC'd, from `handoff.cc_line`."""
    context = _context(store, config, conversation_id, colleague, now)
    return templates.render(config.handoff.cc_line, context)


def hand_off(
    store: Store,
    config: Config,
    conversation_id: int,
    colleague_name: str,
    *,
    mode: str = "pass",
    note: str = "",
    body: str | None = None,
    actor: str = "",
    now: datetime | None = None,
    delay: float | None = None,
) -> Handoff:
    """Hands the conversation to the colleague. `body` is the customer's reply: for `pass` it
    defaults to the pass template; for `cc` it is the agent's answer and is required (the cc
    line is added unless the body has it already)."""
    if mode not in MODES:
        raise HandoffError(f"mode must be pass or cc (is {mode!r})")
    moment = now or datetime.now(UTC)
    colleague = find_colleague(config, colleague_name)
    who = actor or agent_name(config)
    conversation = conversations.get(store, conversation_id)
    line = _filled(cc_line(store, config, conversation_id, colleague, moment), "handoff.cc_line")
    if mode == "pass":
        text = body if body is not None and body.strip() else None
        if text is None:
            rendered = pass_reply(store, config, conversation_id, colleague, moment)
            text = _filled(rendered, "handoff.pass_template")
    else:
        if body is None or not body.strip():
            raise HandoffError(
                "a cc handoff answers the customer: write the answer (the colleague is CC'd)"
            )
        text = body if line in body else with_cc_line(body, line)
    reply = queue_reply(
        store, config, conversation_id, text, cc=[formataddr((colleague.name, colleague.email))],
        actor=who,
        delay=delay, now=moment,
    )  # fmt: skip
    note_item = None
    if mode == "pass":
        note_item = _queue_note(
            store, config, conversation_id, colleague, note, who, moment, reply.send_after
        )
    with store.atomic():
        cursor = store.conn.execute(
            "INSERT INTO handoffs (conversation_id, colleague, colleague_email, mode, note,"
            " note_message_id, reply_message_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, colleague.name, colleague.email, mode, note.strip(),
             note_item.message_id if note_item else None, reply.message_id, who,
             to_epoch(moment)),
        )  # fmt: skip
        column = "handed_off_to" if mode == "pass" else "shared_with"
        store.conn.execute(
            f"UPDATE conversations SET {column} = ? WHERE id = ?", (colleague.name, conversation.id)
        )
        events.record(
            store,
            "handed_off",
            conversation_id,
            actor=who,
            at=moment,
            colleague=colleague.name,
            role=colleague.role,
            mode=mode,
            note=note.strip(),
        )
    return Handoff(int(cursor.lastrowid or 0), colleague, mode, reply, note_item)


def with_cc_line(body: str, line: str) -> str:
    """The answer with the cc line as its last paragraph, before a short sign-off ("Dana",
    "Best, Dana") when it ends with one."""
    paragraphs = body.strip().split("\n\n")
    last = paragraphs[-1]
    if len(paragraphs) > 1 and len(last) <= 40 and last.count("\n") <= 2:
        return "\n\n".join([*paragraphs[:-1], line, last])
    return "\n\n".join([*paragraphs, line])


def _queue_note(
    store: Store,
    config: Config,
    conversation_id: int,
    colleague: ColleagueConfig,
    note: str,
    actor: str,
    now: datetime,
    send_after: datetime,
) -> OutboxItem:
    """Queues the note to the colleague; it leaves with the reply (one undo window for both)."""
    conversation = conversations.get(store, conversation_id)
    thread = messages.messages_of(store, conversation_id)
    us = identity(config)
    support = validate_address(us.address).addr
    target = validate_address(colleague.email)
    body = note_text(store, config, conversation_id, colleague, note, actor, thread, now)
    customer = conversation.customer
    about = header_safe(customer.name or customer.addr) if customer else "a customer"
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((header_safe(us.name), support))
    msg["To"] = formataddr((header_safe(colleague.name), target.addr))
    msg["Subject"] = header_safe(
        f"Handoff: {without_reply_prefixes(conversation.subject)} ({about})"
    )
    msg["Date"] = format_datetime(now.astimezone())
    message_id = make_msgid(domain=support.split("@", 1)[1])[1:-1]
    msg["Message-ID"] = f"<{message_id}>"
    last = max(thread, key=lambda m: (m.date, m.id), default=None)
    if last is not None:
        # Threads with the conversation: the colleague's mail client shows it beside the CC'd
        # reply, and a reply to the note joins the conversation.
        msg["In-Reply-To"] = f"<{last.message_id}>"
        refs = [*last.references, last.message_id][-20:]
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg["X-Frontdesk-Handoff"] = "note"
    msg.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    outbox_id = outbox.add(
        store,
        conversation_id=conversation_id,
        message_id=message_id,
        raw=msg.as_bytes(policy=SMTP),
        envelope_from=support,
        recipients=[target.addr],
        close_after=False,
        actor=actor,
        send_after=send_after,
        kind="handoff",
    )
    return outbox_item(store, outbox_id)


def note_text(
    store: Store,
    config: Config,
    conversation_id: int,
    colleague: ColleagueConfig,
    note: str,
    actor: str,
    thread: Sequence[Message],
    now: datetime,
) -> str:
    """The handoff note: who the customer is, why they are passed on, the conversation so far."""
    row = queues.get_row(store, conversation_id, now=now)
    overview = queues.customer_overview(store, conversation_id, now=now)
    customer = overview.customer if overview is not None else None
    first = colleague.name.split()[0]
    lines = [f"Hi {first},", ""]
    who = customer.name if customer and customer.name else (customer.email if customer else "")
    subject = row.subject if row else ""
    lines.append(f"{actor or 'Support'} is passing you a conversation: “{subject}”.")
    lines.append("")
    if customer is not None:
        lines.append(f"Customer: {who} <{customer.email}>")
        if customer.company:
            lines.append(f"Company: {customer.company}")
        profile = [f"tier {customer.tier}"]
        if customer.plan:
            profile.append(f"plan {customer.plan}")
        if customer.mrr_cents is not None:
            profile.append(f"revenue ${customer.mrr_cents / 100:,.0f}/month")
        if customer.trial_ends is not None:
            left = (customer.trial_ends - now.date()).days
            state = f"ends {customer.trial_ends:%Y-%m-%d}"
            profile.append(f"trial {state} ({left} days left)" if left >= 0 else "trial ended")
        lines.append("Profile: " + ", ".join(profile))
        if overview is not None:
            lines.append(f"Conversations with us: {overview.lifetime_conversations}")
    reasons = _sales_reasons(store, conversation_id)
    if reasons:
        lines.append("Sales signals: " + "; ".join(reasons))
    if note.strip():
        lines += ["", f"Note from {actor or 'support'}:", note.strip()]
    lines += [
        "",
        f"They have been told you will be in touch {when_in_touch(colleague, config, now)}; "
        "you are in CC on that reply: reply-all to answer them.",
        "",
        "— The conversation so far —",
    ]
    ordered = sorted(thread, key=lambda m: (m.date, m.id))[-_NOTE_MESSAGES:]
    for message in ordered:
        sender = message.sender.display() if message.sender else "(unknown sender)"
        lines += ["", f"{message.date:%Y-%m-%d %H:%M} UTC · {sender}", ""]
        lines.append((message.new_text or message.body_text).strip())
    return clean_text("\n".join(lines))


def _sales_reasons(store: Store, conversation_id: int) -> list[str]:
    found = store.scalar("SELECT sales_reasons FROM conversations WHERE id = ?", (conversation_id,))
    if not found:
        return []
    return [str(r) for r in json.loads(found)]
