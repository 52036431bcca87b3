"""How domain objects look on screen: Rich `Text` built from email text, never markup strings.

Every string from mail passes through `clean_line` (one-line fields) or `clean_text` (bodies)
here, so an escape sequence never reaches the terminal and `[bold]` stays literal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from mail.sanitize import clean_line, clean_text
from storage.models import Address, Message, Status
from storage.queues import QueueRow

AT_RISK_AFTER = timedelta(hours=24)
"""A customer waiting longer than this for our reply is at risk (until SLAs are configurable)."""

TIER_BADGES = {
    "vip": ("VIP", "bold black on #e5c07b"),
    "paying": ("PAY", "bold black on #98c379"),
    "trial": ("TRL", "bold black on #61afef"),
    "free": ("FRE", "black on #abb2bf"),
    "lapsed": ("LAP", "black on #7f848e"),
}


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


def at_risk(row: QueueRow, now: datetime) -> bool:
    return (
        row.awaiting_reply
        and row.waiting_since is not None
        and now - row.waiting_since > AT_RISK_AFTER
    )


def who(address: Address | None) -> str:
    if address is None:
        return "(unknown)"
    return clean_line(address.name or address.addr)


def tier_badge(tier: str) -> Text:
    label, style = TIER_BADGES.get(tier, ("·", "dim"))
    return Text(label.center(3), style=style, end="")


def marks(row: QueueRow, now: datetime, selected: bool) -> Text:
    """The row's status marks, most telling first: selected, unread, at risk, sales signal,
    handed off, draft, could not be parsed."""
    text = Text(end="", no_wrap=True)
    text.append("✓" if selected else " ", style="bold #e5c07b")
    text.append("●" if row.unread else " ", style="bold #61afef")
    extra = [
        ("⚠", "bold #e06c75", at_risk(row, now)),
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
    """How long the customer has waited for us (red past the SLA), else how old the last
    message is (dim); while snoozed, when it wakes."""
    if row.snoozed_until is not None:
        return Text(f"⏾{age(now, row.snoozed_until) or 'now'}", style="#c678dd", end="")
    if row.awaiting_reply:
        style = "bold #e06c75" if at_risk(row, now) else "#e5c07b"
        return Text(age(row.waiting_since, now), style=style, end="")
    return Text(age(row.last_message_at, now), style="dim", end="")


def customer(row: QueueRow, width: int, with_company: bool) -> Text:
    name = who(row.customer)
    text = Text(end="", no_wrap=True)
    style = "bold" if row.unread else ""
    if with_company and row.company:
        company = clean_line(row.company)
        room = max(4, width - len(company) - 3)
        text.append(fit(name, room), style=style)
        text.append(fit(f" ({company})", width - min(len(name), room)), style="dim")
    else:
        text.append(fit(name, width), style=style)
    return text


def subject_and_preview(
    row: QueueRow, width: int, with_preview: bool = True, owner: str = ""
) -> Text:
    """The subject; where the table has no columns for them (80 columns), the tags and the
    owner after it; then as much of the preview as fits."""
    subject = clean_line(row.subject) or "(no subject)"
    text = Text(end="", no_wrap=True)
    text.append(fit(subject, width), style="bold" if row.unread else "")
    used = min(len(subject), width)
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
    if with_preview and room > 3 and row.preview:
        text.append(" — ", style="dim")
        text.append(fit(clean_line(row.preview), room), style="dim")
    return text


def preview(row: QueueRow, width: int) -> Text:
    return Text(fit(clean_line(row.preview), width), style="dim", end="", no_wrap=True)


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
    if at_risk(row, now):
        text.append(" · at risk", style="bold #e06c75")
    return text


def conversation_header(row: QueueRow, now: datetime, me: str) -> Text:
    """The conversation screen's title lines: subject; then who, status, owner, tags."""
    text = Text(no_wrap=False)
    text.append(clean_line(row.subject) or "(no subject)", style="bold")
    text.append("\n")
    text.append_text(tier_badge(row.tier))
    text.append(" ")
    text.append(who(row.customer), style="bold")
    if row.company:
        text.append(f" ({clean_line(row.company)})", style="dim")
    text.append(" · ")
    text.append_text(status_word(row, now))
    if row.assignee:
        text.append(" · ")
        text.append("assigned to ")
        text.append("me" if row.assignee == me else clean_line(row.assignee), style="#c678dd")
    if row.tags:
        text.append(" · ")
        text.append(" ".join(f"#{clean_line(t)}" for t in row.tags), style="#56b6c2")
    if row.sales_signal:
        text.append(" · $ sales signal", style="#98c379")
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
