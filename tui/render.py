"""How domain objects look on screen: Rich `Text` built from email text, never markup strings.

Every string from mail passes through `clean_line` (one-line fields) or `clean_text` (bodies)
here, so an escape sequence never reaches the terminal and `[bold]` stays literal.
"""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text

from mail.sanitize import clean_line, clean_text
from storage.models import Address, Message, Status
from storage.queues import QueueRow, SlaState

TIER_BADGES = {
    "vip": ("VIP", "bold black on #e5c07b"),
    "paying": ("PAY", "bold black on #98c379"),
    "trial": ("TRL", "bold black on #61afef"),
    "free": ("FRE", "black on #abb2bf"),
    "lapsed": ("LAP", "black on #7f848e"),
}
RED = "#e06c75"
AMBER = "#e5c07b"
SLA_STYLES = {SlaState.OK: "", SlaState.WARNING: f"bold {AMBER}", SlaState.BREACHED: f"bold {RED}"}
RISK_BADGE = ("RISK", f"bold white on {RED}")
TRIAL_SOON_DAYS = 3
"""A trial ending within this many days is marked: the sale is decided now."""


def line(text: str | None, style: str = "") -> Text:
    """One line of untrusted text, safe to show."""
    return Text(clean_line(text or ""), style=style, no_wrap=True, overflow="ellipsis", end="")


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis (one cell per character is close enough
    for the rare wide character: the table crops what is left)."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit == "w" else 1):
            return f"{seconds // size}{unit}"
    return "now"


def span(seconds: int) -> str:
    """A duration in at most five cells, coarser as it grows: 42m, 1h05m, 14h, 2d3h, 12d."""
    minutes = max(0, seconds) // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 10:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    if hours < 24:
        return f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h" if days < 10 and hours else f"{days}d"


def today(now: datetime) -> date:
    """The local date at `now`: what trial days are counted from."""
    return now.astimezone().date()


def who(address: Address | None) -> str:
    if address is None:
        return "(unknown)"
    return clean_line(address.name or address.addr)


def tier_badge(tier: str) -> Text:
    label, style = TIER_BADGES.get(tier, ("·", "dim"))
    return Text(label.center(3), style=style, end="")


def trial_ending(days_left: int | None) -> bool:
    return days_left is not None and days_left <= TRIAL_SOON_DAYS


def trial_words(days_left: int) -> str:
    if days_left < 0:
        return f"trial ended {-days_left} day{'s' if days_left != -1 else ''} ago"
    if days_left == 0:
        return "trial ends today"
    return f"trial ends in {days_left} day{'s' if days_left != 1 else ''}"


def tier_cell(row: QueueRow, now: datetime, wide: bool) -> Text:
    """The tier badge; for a trial, the days left: beside it when `wide` (TRL 12d), else, once
    it ends within three days, in place of the badge (T2d, red; TRL struck through once over)."""
    days = row.trial_days_left(today(now)) if row.tier == "trial" else None
    text = tier_badge(row.tier)
    if days is None:
        return text
    if wide:
        text.append(" ")
        shown = f"{days}d" if days >= 0 else "end"
        text.append(shown, style=f"bold {RED}" if trial_ending(days) else "dim")
        return text
    if days < 0:
        return Text("TRL", style=f"bold black on {RED} strike", end="")
    if trial_ending(days):
        return Text(f"T{days}d", style=f"bold black on {RED}", end="")
    return text


def risk_badge() -> Text:
    label, style = RISK_BADGE
    return Text(label, style=style, end="")


def churn_words(row: QueueRow) -> str:
    """The matched words that put the conversation at risk, quoted."""
    return ", ".join(f"“{clean_line(reason)}”" for reason in row.churn_reasons)


def sla_clock(row: QueueRow, now: datetime) -> Text:
    """Time left to reply (amber near the target), red and counting up once breached; blank
    when nothing is owed."""
    state = row.sla_state(now)
    if state == SlaState.NONE or row.sla_due_at is None:
        return Text("", end="")
    left = int((row.sla_due_at - now).total_seconds())
    shown = f"+{span(-left)}" if state == SlaState.BREACHED else span(left)
    return Text(shown, style=SLA_STYLES[state], end="")


def sla_words(row: QueueRow, now: datetime) -> Text:
    """The SLA clock in words, for the conversation header."""
    state = row.sla_state(now)
    if state == SlaState.NONE or row.sla_due_at is None:
        return Text("", end="")
    left = int((row.sla_due_at - now).total_seconds())
    if state == SlaState.BREACHED:
        return Text(f"reply overdue by {span(-left)}", style=SLA_STYLES[state], end="")
    return Text(f"reply due in {span(left)}", style=SLA_STYLES[state] or "#98c379", end="")


def marks(row: QueueRow, now: datetime, selected: bool) -> Text:
    """The row's status marks, most telling first: selected, unread, sales signal, handed off,
    draft, could not be parsed. (At risk has its own badge, in the subject.)"""
    text = Text(end="", no_wrap=True)
    text.append("✓" if selected else " ", style="bold #e5c07b")
    text.append("●" if row.unread else " ", style="bold #61afef")
    extra = [
        ("$", "bold #98c379", row.sales_signal),
        ("⇢", "#c678dd", row.handed_off),
        ("✎", "#d19a66", row.has_draft),
        ("!", "bold #e06c75", row.flagged),
    ]
    shown = [(mark, style) for mark, style, on in extra if on][:2]
    for mark, style in shown:
        text.append(mark, style=style)
    text.append(" " * (2 - len(shown)))
    return text


def clock(row: QueueRow, now: datetime) -> Text:
    """How long the customer has waited for us, else how old the last message is (dim);
    while snoozed, when it wakes."""
    if row.snoozed_until is not None:
        return Text(f"⏾{age(now, row.snoozed_until) or 'now'}", style="#c678dd", end="")
    if row.awaiting_reply:
        return Text(age(row.waiting_since, now), end="")
    return Text(age(row.last_message_at, now), style="dim", end="")


def due_or_age(row: QueueRow, now: datetime) -> Text:
    """One column for narrow tables: the SLA clock where a reply is owed, else the age."""
    if row.sla_state(now) != SlaState.NONE:
        return sla_clock(row, now)
    return clock(row, now)


def customer(row: QueueRow, width: int, with_company: bool) -> Text:
    name = who(row.customer)
    text = Text(end="", no_wrap=True)
    style = "bold" if row.unread else ""
    shown = fit(name, width)
    text.append(shown, style=style)
    # The name first: the company gets what is left, when that is enough to recognise it.
    left = width - len(shown)
    if with_company and row.company and left >= 7:
        text.append(fit(f" ({clean_line(row.company)})", left), style="dim")
    return text


def subject_and_preview(
    row: QueueRow, width: int, with_preview: bool = True, owner: str = ""
) -> Text:
    """The at-risk badge and the subject; where the table has no columns for them (80
    columns), the tags and the owner after it; then the words that put it at risk and as much
    of the preview as fits."""
    subject = clean_line(row.subject) or "(no subject)"
    text = Text(end="", no_wrap=True)
    used = 0
    if row.at_risk:
        text.append_text(risk_badge())
        text.append(" ")
        used = len(RISK_BADGE[0]) + 1
    text.append(fit(subject, width - used), style="bold" if row.unread else "")
    used += min(len(subject), width - used)
    if with_preview:
        extras = [(f" #{clean_line(tag)}", "#56b6c2") for tag in row.tags]
        if owner:
            extras.append((f" →{owner}", "#c678dd"))
        for extra, style in extras:
            if used + len(extra) > width:
                break
            text.append(extra, style=style)
            used += len(extra)
    room = width - used - 3
    if with_preview and room > 3 and (row.preview or row.at_risk):
        text.append(" — ", style="dim")
        text.append_text(preview(row, room))
    return text


def preview(row: QueueRow, width: int) -> Text:
    """What the customer wrote; for a conversation at risk, the words that said so first."""
    text = Text(end="", no_wrap=True)
    words = churn_words(row) if row.at_risk else ""
    if words:
        text.append(fit(words, width), style=RED)
        width -= len(words) + 1
        if width > 3:
            text.append(" ")
    if width > 3 or not words:
        text.append(fit(clean_line(row.preview), width), style="dim")
    return text


def tags(row: QueueRow, width: int) -> Text:
    return Text(
        fit(" ".join(f"#{clean_line(t)}" for t in row.tags), width),
        style="#56b6c2",
        end="",
        no_wrap=True,
    )


def assignee(name: str | None, width: int, me: str) -> Text:
    if not name:
        return Text("", end="")
    shown = "me" if name == me else clean_line(name).split(" ")[0]
    return Text(fit(shown, width), style="#c678dd", end="", no_wrap=True)


def status_word(row: QueueRow, now: datetime) -> Text:
    if row.snoozed_until is not None:
        return Text(f"snoozed until {row.snoozed_until.astimezone():%a %d %b %H:%M}", "#c678dd")
    styles = {Status.OPEN: "bold #e5c07b", Status.PENDING: "#98c379", Status.CLOSED: "dim"}
    words = {
        Status.OPEN: "needs reply",
        Status.PENDING: "waiting on customer",
        Status.CLOSED: "closed",
    }
    text = Text(words[row.status], style=styles[row.status])
    clock_words = sla_words(row, now)
    if clock_words.plain:
        text.append(" · ")
        text.append_text(clock_words)
    return text


def conversation_header(row: QueueRow, now: datetime, me: str) -> Text:
    """The conversation screen's title lines: subject; then tier, who, status and SLA clock,
    trial days, owner, tags; then, at risk, the words that said so."""
    text = Text(no_wrap=False)
    if row.at_risk:
        text.append_text(risk_badge())
        text.append(" ")
    text.append(clean_line(row.subject) or "(no subject)", style="bold")
    text.append("\n")
    text.append_text(tier_badge(row.tier))
    text.append(" ")
    text.append(who(row.customer), style="bold")
    if row.company:
        text.append(f" ({clean_line(row.company)})", style="dim")
    text.append(" · ")
    text.append_text(status_word(row, now))
    days = row.trial_days_left(today(now)) if row.tier == "trial" else None
    if days is not None:
        text.append(" · ")
        text.append(trial_words(days), style=f"bold {RED}" if trial_ending(days) else "#61afef")
    if row.assignee:
        text.append(" · ")
        text.append("assigned to ")
        text.append("me" if row.assignee == me else clean_line(row.assignee), style="#c678dd")
    if row.tags:
        text.append(" · ")
        text.append(" ".join(f"#{clean_line(t)}" for t in row.tags), style="#56b6c2")
    if row.sales_signal:
        text.append(" · $ sales signal", style="#98c379")
    if row.at_risk:
        text.append("\nat risk: ", style=f"bold {RED}")
        text.append(churn_words(row) or "said they are leaving", style=RED)
    return text


def message_heading(message: Message, now: datetime) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    sender = message.sender
    text.append(who(sender), style="bold #61afef" if not message.is_ours else "bold #98c379")
    if sender is not None and sender.name:
        text.append(f" <{clean_line(sender.addr)}>", style="dim")
    if message.is_ours:
        text.append(" (us)", style="#98c379")
    local = message.date.astimezone()
    text.append(f"  {local:%a %d %b %Y %H:%M} · {age(message.date, now)} ago", style="dim")
    if message.flagged:
        text.append("  ! flagged", style="bold #e06c75")
    return text


def message_summary(message: Message, now: datetime) -> Text:
    """A collapsed message: who, when, and the start of what they wrote."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("▸ ", style="dim")
    text.append(who(message.sender), style="bold" if not message.is_ours else "#98c379")
    text.append(f"  {age(message.date, now)} ago  ", style="dim")
    first = clean_line(message.new_text or message.body_text)
    text.append(first, style="dim")
    if message.attachments:
        text.append(f"  📎{len(message.attachments)}", style="dim")
    return text


def message_body(message: Message, full: bool) -> Text:
    """What the message says: its new text, or the whole body with quoted history when `full`
    (or when there is no new text to show)."""
    body = message.body_text if full or not message.new_text.strip() else message.new_text
    text = Text(clean_text(body).rstrip() or "(empty message)")
    hidden = (
        not full
        and message.new_text.strip()
        and len(message.body_text) > len(message.new_text) + 20
    )
    if hidden:
        text.append("\n[… quoted history folded: f shows it]", style="dim italic")
    if message.parse_error:
        text.append(f"\n! could not be parsed: {clean_line(message.parse_error)}", "#e06c75")
    return text


def attachment_line(index: int, filename: str, content_type: str, size: int) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f"  📎 {index}. ", style="dim")
    text.append(clean_line(filename), style="#56b6c2")
    text.append(f"  {clean_line(content_type)}, {human_size(size)}", style="dim")
    return text


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def colleague_mark(
    row: QueueRow, now: datetime, handed_at: datetime | None = None, overdue: bool = False
) -> Text:
    """Who a conversation went to, by first name: ⇢Pete when passed on (with the handoff's
    age when known, and NO REPLY once the colleague is late), +Pete when shared by CC."""
    text = Text(end="", no_wrap=True)
    name = row.handed_off_to or row.shared_with
    if not name:
        return text
    first = clean_line(name).split(" ")[0]
    if row.handed_off_to is None:
        text.append(f"+{first}", style="#c678dd")
        return text
    if overdue:
        text.append("NO REPLY", style=f"bold white on {RED}")
        text.append(" ")
    text.append(f"⇢{first}", style=f"bold {RED}" if overdue else "#c678dd")
    if handed_at is not None:
        text.append(f" {age(handed_at, now)}", style=RED if overdue else "dim")
    return text
