"""Every key of the app, as data: each binding has a stable id, which the config's `[keys]`
table remaps (`close = "d"`), and which the help screen (`?`) shows beside the key.

One id names one intent wherever it is bound (`close` on the queue and in a conversation), so a
remap changes it everywhere. Arrow keys, Enter in lists and typing are the widgets' own.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from storage.queues import QueueKey


def _b(
    key: str,
    action: str,
    description: str,
    binding_id: str,
    tooltip: str,
    *,
    show: bool = True,
    priority: bool = False,
    key_display: str | None = None,
) -> Binding:
    return Binding(
        key,
        action,
        description,
        show=show,
        priority=priority,
        key_display=key_display,
        tooltip=tooltip,
        id=binding_id,
    )


APP: list[BindingType] = [
    _b("question_mark", "help", "Help", "help", "Every key of this screen", key_display="?"),
    _b("f1", "help", "Help", "help_f1", "Every key of this screen, also while typing", show=False),
    _b(
        "ctrl+p",
        "command_palette",
        "Commands",
        "palette",
        "The command palette",
        show=False,
        priority=True,
    ),
    _b("colon", "command_palette", "Commands", "palette_colon", "The command palette", show=False),
    _b("u", "undo_send", "Undo send", "undo_send", "Stop the reply just sent", show=False),
    _b("ctrl+r", "sync_now", "Sync now", "sync_now", "Sync the mailbox now", show=False),
]

# The queues `g` then a letter jumps to; the first nine are also on 1-9, in QUEUES order.
# `g r` is kept for the reports screen.
JUMP_LETTERS: dict[str, QueueKey] = {
    "n": QueueKey.NEEDS_REPLY,
    "m": QueueKey.MINE,
    "u": QueueKey.UNASSIGNED,
    "v": QueueKey.VIP,
    "i": QueueKey.AT_RISK,
    "t": QueueKey.TRIAL,
    "p": QueueKey.PAYING,
    "f": QueueKey.FREE,
    "e": QueueKey.LAPSED,  # ex-customers
    "o": QueueKey.UNKNOWN,  # others
    "l": QueueKey.SALES,
    "h": QueueKey.HANDED_OFF,
    "s": QueueKey.SNOOZED,
    "c": QueueKey.CLOSED,
    "a": QueueKey.ALL,
}

_WORK: list[BindingType] = [
    _b("r", "reply", "Reply", "reply", "Reply to the customer"),
    _b("e", "close", "Close", "close", "Close (done); moves on to the next conversation"),
    _b("E", "reopen", "Reopen", "reopen", "Reopen a closed conversation", show=False),
    _b("z", "snooze", "Snooze", "snooze", "Hide until a time, or until the customer writes"),
    _b("a", "assign", "Assign", "assign", "Give to a teammate (or take it)"),
    _b("t", "tag", "Tag", "tag", "Add or remove a tag"),
    _b(
        "v",
        "set_tier",
        "Set tier",
        "set_tier",
        "Set the customer's tier: vip, trial, paying…",
        show=False,
    ),
    _b(
        "V",
        "edit_customer",
        "Edit customer",
        "edit_customer",
        "Edit the customer: name, company, plan, revenue, trial end, note",
        show=False,
    ),
    _b(
        "h",
        "handoff",
        "Hand off",
        "handoff",
        "Hand to a colleague by name: pass it on, or answer with them in CC",
        show=False,
    ),
    _b(
        "dollar_sign",
        "sales_verdict",
        "Sale or not",
        "sales_verdict",
        "The sales signal is wrong: mark it not a sale, or a sale",
        show=False,
        key_display="$",
    ),
]

# On the queue table itself, so it wins over the table's own Enter.
QUEUE_TABLE: list[BindingType] = [
    _b("enter", "select_cursor", "Open", "open", "Open the conversation", show=False),
]

QUEUE: list[BindingType] = [
    _b("j", "cursor_down", "Down", "down", "Next row", show=False),
    _b("k", "cursor_up", "Up", "up", "Previous row", show=False),
    *_WORK,
    _b("x,space", "toggle_select", "Select", "select", "Select rows for bulk close/tag/assign"),
    _b(
        "slash",
        "search",
        "Search",
        "search",
        "Search with from: to: tag: tier: is: before: after:",
        key_display="/",
    ),
    _b("g", "jump", "Go to", "jump", "Then a letter: jump to a queue (g n, g m, g v…)"),
    _b("tab", "next_queue", "Next queue", "next_queue", "The queue to the right", show=False),
    _b(
        "shift+tab",
        "previous_queue",
        "Previous queue",
        "previous_queue",
        "The queue to the left",
        show=False,
    ),
    *[
        _b(
            str(n),
            f"switch_queue({n - 1})",
            f"Queue {n}",
            f"queue_{n}",
            f"Switch to queue {n}",
            show=False,
        )
        for n in range(1, 10)
    ],
    _b("escape", "back", "Back", "clear", "Clear the selection, or leave the search", show=False),
    _b("q", "quit_app", "Quit", "quit", "Quit frontdesk"),
    # The long moves through a queue of any length.
    _b("G", "last_row", "Last row", "last_row", "The last conversation of the queue", show=False),
    _b(
        "ctrl+d", "half_page(1)", "Half page down", "half_page_down", "Half a page down", show=False
    ),
    _b("ctrl+u", "half_page(-1)", "Half page up", "half_page_up", "Half a page up", show=False),
]

CONVERSATION: list[BindingType] = [
    _b("j", "next_message", "Next msg", "down", "Next message", show=False),
    _b("k", "previous_message", "Prev msg", "up", "Previous message", show=False),
    _b("enter", "toggle_message", "Expand", "open", "Expand or collapse the message", show=False),
    _b("f", "full_text", "Full text", "full_text", "Show the quoted history too", show=False),
    _b(
        "s",
        "save_attachments",
        "Save files",
        "save_attachment",
        "Save the message's attachments",
        show=False,
    ),
    *_WORK,
    _b("n", "next_conversation", "Next", "next_conversation", "Next conversation in the queue"),
    _b(
        "p",
        "previous_conversation",
        "Prev",
        "previous_conversation",
        "Previous conversation in the queue",
        show=False,
    ),
    _b("escape,q", "back", "Back", "back", "Back to the queue"),
]

COMPOSER: list[BindingType] = [
    _b("ctrl+s", "send", "Send", "send", "Send the reply (after the undo window)", priority=True),
    _b(
        "ctrl+enter",
        "send",
        "Send",
        "send_enter",
        "Send, where the terminal sends ctrl+enter",
        show=False,
        priority=True,
    ),
    _b(
        "ctrl+t",
        "send_close",
        "Send+close",
        "send_close",
        "Send, then close the conversation",
        priority=True,
    ),
    _b("ctrl+e", "editor", "$EDITOR", "editor", "Write the reply in $EDITOR", priority=True),
    _b("ctrl+g", "discard", "Discard", "discard_draft", "Throw the draft away", priority=True),
    # Over the app's ctrl+r (sync now) while the composer has focus.
    _b(
        "ctrl+r",
        "saved_reply",
        "Saved reply",
        "saved_reply",
        "Insert a saved reply, the likeliest fit first",
        show=False,
        priority=True,
    ),
    _b(
        "ctrl+o",
        "save_as_reply",
        "Save as saved reply",
        "save_as_reply",
        "Keep this text as a saved reply (names become variables)",
        show=False,
        priority=True,
    ),
    _b(
        "escape",
        "hide",
        "Hide",
        "hide_composer",
        "Hide the composer; the draft is kept",
        priority=True,
    ),
]

CUSTOMER_EDITOR: list[BindingType] = [
    _b("ctrl+s", "save", "Save", "customer_save", "Save the customer", priority=True),
    _b("escape", "cancel", "Cancel", "customer_cancel", "Close without saving"),
]

# The saved-reply picker (over the composer): typing filters, Enter inserts.
SAVED_REPLY_PICKER: list[BindingType] = [
    _b("enter", "insert", "Insert", "saved_reply_insert", "Insert the reply at the cursor"),
    _b(
        "ctrl+e",
        "manage",
        "Manage",
        "saved_reply_manage",
        "Create, edit, rename, delete replies",
        priority=True,  # over the filter line's own ctrl+e (end of line)
    ),
    _b("escape", "cancel", "Cancel", "saved_reply_cancel", "Back to the reply, nothing inserted"),
]

# The saved-replies manager.
REPLIES_MANAGER: list[BindingType] = [
    _b("j", "cursor(1)", "Down", "saved_replies_down", "Next reply", show=False),
    _b("k", "cursor(-1)", "Up", "saved_replies_up", "Previous reply", show=False),
    _b("n", "new", "New", "saved_reply_new", "Write a new saved reply"),
    _b("enter,e", "edit", "Edit", "saved_reply_edit", "Edit the text, tags and status"),
    _b("R", "rename", "Rename", "saved_reply_rename", "Give the reply another name"),
    _b("d", "delete", "Delete", "saved_reply_delete", "Delete the reply (asks first)"),
    _b("escape,q", "back", "Back", "saved_replies_back", "Leave the manager"),
]

# The saved-reply editor.
REPLY_EDITOR: list[BindingType] = [
    _b("ctrl+s", "save", "Save", "saved_reply_save", "Save the reply", priority=True),
    _b("escape", "cancel", "Cancel", "saved_reply_discard", "Leave without saving", priority=True),
]

JUMP: list[BindingType] = [
    *[
        _b(
            letter,
            f"go('{queue.value}')",
            queue.value.replace("_", " ").capitalize(),
            f"jump_{queue.value}",
            f"Jump to {queue.value.replace('_', ' ')}",
        )
        for letter, queue in JUMP_LETTERS.items()
    ],
    _b("r", "reports", "Reports", "jump_reports", "Open the reports"),
    _b("escape,g", "dismiss", "Cancel", "jump_cancel", "Stay here"),
]

# The reports screen: the period is a key away, the sections scroll.
REPORTS: list[BindingType] = [
    _b("1", "period(7)", "7 days", "report_7_days", "The last 7 days"),
    _b("2", "period(28)", "28 days", "report_28_days", "The last 28 days"),
    _b("3", "period(180)", "180 days", "report_180_days", "The last 180 days"),
    _b("c", "custom_period", "From/to", "report_custom", "Type a period: from and to dates"),
    _b("j", "scroll(1)", "Down", "down", "Scroll down", show=False),
    _b("k", "scroll(-1)", "Up", "up", "Scroll up", show=False),
    _b("escape,q", "back", "Back", "back", "Back to the queue"),
]

ALL = [
    b
    for b in APP + QUEUE_TABLE + QUEUE + CONVERSATION + COMPOSER + CUSTOMER_EDITOR + JUMP + REPORTS
    if isinstance(b, Binding)
]


def binding_ids() -> set[str]:
    return {b.id for b in ALL if b.id}


def unknown_ids(keymap: dict[str, str]) -> list[str]:
    """The ids in a config's `[keys]` that no binding has (likely typos)."""
    known = binding_ids()
    return sorted(name for name in keymap if name not in known)
