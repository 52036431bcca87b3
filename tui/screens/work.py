"""The work actions the queue and the conversation screens share: close, reopen, snooze,
assign, tag. Each screen says which conversations they act on and what follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.text import Text
from textual import work

from mail.config import TIERS
from mail.sanitize import clean_line
from storage.models import Customer, Status
from storage.queues import QueueRow
from storage.work import normalize_tag
from tui import render, when
from tui.backend import Backend, HandoffPlan, TagChoice
from tui.screens.base import FrontdeskScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.customer import CustomerEditor
from tui.screens.tag_picker import TagChanges, TagFilter, open_tag_picker, states_for


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _hashtags(names: Sequence[str]) -> str:
    return " ".join(f"#{clean_line(name)}" for name in names)


def tag_query(name: str) -> str:
    """The search that finds a tag's conversations (quoted when it has spaces)."""
    return f'tag:"{name}"' if " " in name else f"tag:{name}"


class WorkScreen(FrontdeskScreen):
    def targets(self) -> list[int]:
        """The conversations an action applies to."""
        raise NotImplementedError

    def target_snoozed(self) -> bool:
        return False

    def target_tier(self) -> str | None:
        """The tier of the (first) target's customer, marked in the tier picker."""
        return None

    def shown_tags(self, ids: Sequence[int]) -> list[tuple[str, ...]] | None:
        """The tags of these conversations as the screen has them, when it has them all."""
        return None

    def closing(self, ids: Sequence[int]) -> None:
        """The conversations are being closed: what the screen shows of it at once, before
        the store has it (the reload after the change shows the store's word)."""

    def retagging(self, ids: Sequence[int], changes: TagChanges) -> None:
        """The tags are being changed: what the screen shows of it at once, as `closing`."""

    def action_close(self) -> None:
        ids = self.targets()
        if not ids:
            return
        if not self.backend.config.tags.prompt_on_close:
            self._close(ids, TagChanges())
            return
        # Every conversation already has a category: close at once, without asking the store.
        shown = self.shown_tags(ids)
        if shown is not None and self._all_categorized(shown):
            self._close(ids, TagChanges())
            return
        choices = self.frontdesk.kept_tag_choices()
        if shown is not None and choices is not None:
            self._show_tag_picker(ids, choices, shown, True)  # nothing to ask the store
        else:
            self._close_or_ask(ids, shown)

    def _all_categorized(self, tags_by_target: Sequence[Sequence[str]]) -> bool:
        categories = {normalize_tag(name) for name in self.backend.config.tags.categories}
        return all(categories & set(tags) for tags in tags_by_target)

    def _close(self, ids: list[int], changes: TagChanges) -> None:
        def close(backend: Backend) -> None:
            if changes:
                backend.retag(ids, changes.add, changes.remove)
            backend.set_status(ids, Status.CLOSED)

        tagged = f", tagged {_hashtags(changes.add)}" if changes.add else ""
        self.closing(ids)
        self.change_shown(close, f"Closed {_plural(len(ids), 'conversation')}{tagged}", "closed")

    @work(thread=True, exit_on_error=False, group="tags")
    def _close_or_ask(self, ids: list[int], shown: list[tuple[str, ...]] | None) -> None:
        """Closes at once when every conversation has a category tag (their tags asked of the
        store when the screen does not show them all); else asks for one."""
        current = self.backend.tags_of(ids) if shown is None else shown
        if self._all_categorized(current):
            self.app.call_from_thread(self._close, ids, TagChanges())
            return
        choices = self.backend.tag_choices()
        self.app.call_from_thread(self._show_tag_picker, ids, choices, current, True)

    def action_reopen(self) -> None:
        ids = self.targets()
        if ids:
            self.change(
                lambda b: b.set_status(ids, Status.OPEN),
                f"Reopened {_plural(len(ids), 'conversation')}",
                "reopened",
            )

    def action_snooze(self) -> None:
        ids = self.targets()
        if not ids:
            return
        now = self.now()
        options: list[tuple[Text | str, object]] = [(p.label, p.until) for p in when.presets(now)]
        if self.target_snoozed():
            options.insert(0, ("Wake up now", "wake"))

        def typed(text: str) -> tuple[str, object]:
            until = when.parse(text, now)
            return f"Until {until:%a %d %b %Y %H:%M}", until

        def chosen(until: object) -> None:
            if until == "wake":
                self.change(lambda b: b.unsnooze(ids), "Back in the queues", "woken")
            elif isinstance(until, datetime):
                self.change(
                    lambda b: b.snooze(ids, until),
                    f"Snoozed until {until:%a %d %b %H:%M}, or until the customer writes",
                    "snoozed",
                )

        self.app.push_screen(
            ChoiceScreen(
                f"Snooze {_plural(len(ids), 'conversation')} until…",
                options,
                typed=typed,
                placeholder="or type: 2026-12-01, 2026-12-01 14:30, 3d, 4h, fri",
            ),
            chosen,
        )

    def action_assign(self) -> None:
        ids = self.targets()
        if not ids:
            return
        me = self.backend.me
        people = [me] + [m for m in self.backend.config.team.members if m != me]
        options: list[tuple[Text | str, object]] = [
            (f"{clean_line(person)}{' (me)' if person == me else ''}", person) for person in people
        ]
        options.append(("Nobody (unassign)", ""))

        def chosen(person: object) -> None:
            if isinstance(person, str):
                who = person or None
                notice = f"Assigned to {clean_line(person)}" if person else "Unassigned"
                self.change(lambda b: b.assign(ids, who), notice, "assigned")

        self.app.push_screen(
            ChoiceScreen(
                f"Assign {_plural(len(ids), 'conversation')} to…",
                options,
                typed=lambda _text: None,
                placeholder="type to filter",
                filter_options=True,
            ),
            chosen,
        )

    def action_tag(self) -> None:
        ids = self.targets()
        if not ids:
            return
        shown = self.shown_tags(ids)
        choices = self.frontdesk.kept_tag_choices()
        if choices is not None and shown is not None:
            self._show_tag_picker(ids, choices, shown, False)  # nothing to ask the store
        else:
            self._pick_tags(ids, shown, self.frontdesk.store_changes)

    @work(thread=True, exit_on_error=False, group="tags")
    def _pick_tags(self, ids: list[int], shown: list[tuple[str, ...]] | None, changes: int) -> None:
        choices = self.backend.tag_choices()
        current = self.backend.tags_of(ids) if shown is None else shown
        self.app.call_from_thread(self.frontdesk.keep_tag_choices, changes, choices)
        self.app.call_from_thread(self._show_tag_picker, ids, choices, current, False)

    def _show_tag_picker(
        self,
        ids: list[int],
        choices: list[TagChoice],
        current: list[tuple[str, ...]],
        closing: bool,
    ) -> None:
        states = {c.name: states_for(c.name, current) for c in choices}
        count = _plural(len(ids), "conversation")
        title = f"Tag before closing {count}" if closing else f"Tag {count}"

        def chosen(result: TagChanges | TagFilter | None) -> None:
            if isinstance(result, TagFilter):
                self.filter_by_tag(result.name)
            elif isinstance(result, TagChanges) and closing:
                self._close(ids, result)
            elif isinstance(result, TagChanges) and result:
                parts = [f"Tagged {_hashtags(result.add)}"] if result.add else []
                parts += [f"untagged {_hashtags(result.remove)}"] if result.remove else []
                notice = f"{', '.join(parts).capitalize()} ({count})"
                self.retagging(ids, result)
                self.change_shown(
                    lambda b: b.retag(ids, result.add, result.remove), notice, "tagged"
                )

        open_tag_picker(self.app, title, choices, states, closing=closing, then=chosen)

    def filter_by_tag(self, name: str) -> None:
        """Shows the queue filtered to the conversations carrying the tag (Esc clears it)."""
        queue = self.frontdesk.back_to_queue()
        if queue is not None:
            queue.search(tag_query(name))

    def action_filter_tag(self) -> None:
        """The palette's "Filter by tag…": pick a tag, see its conversations."""
        self._pick_tag_to(
            "Show the conversations tagged…", lambda name: self.filter_by_tag(str(name))
        )

    def action_rename_tag(self) -> None:
        """The palette's "Rename tag…" (and "Merge tags…": renaming onto an existing tag
        merges the two)."""

        def rename(old: object) -> None:
            def typed(text: str) -> tuple[str, object] | None:
                new = normalize_tag(text)
                return (f"Rename #{clean_line(str(old))} to #{clean_line(new)}", new)

            def chosen(new: object) -> None:
                if isinstance(new, str) and new != old:
                    self.change(
                        lambda b: b.rename_tag(str(old), new),
                        f"#{clean_line(str(old))} is now #{clean_line(new)}",
                        "tagged",
                    )

            self._pick_tag_to(
                f"Rename #{clean_line(str(old))} to… (an existing tag: merge into it)",
                chosen,
                typed=typed,
                verb="Merge into",
                skip=str(old),
            )

        self._pick_tag_to("Rename or merge which tag?", rename)

    def _pick_tag_to(
        self,
        title: str,
        then: Callable[[object], None],
        *,
        typed: Callable[[str], tuple[str, object] | None] | None = None,
        verb: str = "",
        skip: str = "",
    ) -> None:
        self._load_tag_list(title, then, typed, verb, skip)

    @work(thread=True, exit_on_error=False, group="tags")
    def _load_tag_list(
        self,
        title: str,
        then: Callable[[object], None],
        typed: Callable[[str], tuple[str, object] | None] | None,
        verb: str,
        skip: str,
    ) -> None:
        choices = [c for c in self.backend.tag_choices() if c.name != skip]
        options: list[tuple[Text | str, object]] = [
            (f"{verb} #{clean_line(c.name)}".strip(), c.name) for c in choices
        ]

        def show() -> None:
            def chosen(value: object) -> None:
                if value is not None:
                    then(value)

            self.app.push_screen(
                ChoiceScreen(
                    title,
                    options,
                    typed=typed or (lambda _text: None),
                    placeholder="type to filter",
                    filter_options=True,
                ),
                chosen,
            )

        self.app.call_from_thread(show)

    def action_set_tier(self) -> None:
        ids = self.targets()
        if not ids:
            return
        current = self.target_tier()
        targets = self.backend.config.sla.first_response
        options: list[tuple[Text | str, object]] = []
        for tier in TIERS:
            label = render.tier_badge(tier)
            label.append(f" {tier:<8}", style="bold" if tier == current else "")
            label.append(f" first reply within {targets.get(tier, '?')}", style="dim")
            if tier == current:
                label.append("  (now)", style="#e5c07b")
            options.append((label, tier))

        def chosen(tier: object) -> None:
            if isinstance(tier, str):
                self.change(
                    lambda b: b.set_tier(ids, tier),
                    f"Tier set to {tier} ({_plural(len(ids), 'conversation')})",
                    "tier",
                )

        self.app.push_screen(
            ChoiceScreen(
                f"Set the customer's tier ({_plural(len(ids), 'conversation')})",
                options,
                typed=lambda _text: None,
                placeholder="type to filter",
                filter_options=True,
            ),
            chosen,
        )

    def edit_customer_of(self) -> int | None:
        """The conversation whose customer `V` edits."""
        return None

    # -- handoffs and sales signals ---------------------------------------------------------

    def target_row(self) -> QueueRow | None:
        """The one conversation `h` hands off (the cursor row on the queue)."""
        return None

    def start_handoff(self, conversation_id: int, plan: HandoffPlan) -> None:
        """Opens the composer on the handoff's reply."""
        raise NotImplementedError

    def action_handoff(self) -> None:
        from tui.screens.handoff import NO_COLLEAGUES, ask_handoff

        row = self.target_row()
        if row is None:
            return
        colleagues = self.backend.colleague_suggestions(row.sales_signal)
        if not colleagues:
            self.notify(NO_COLLEAGUES, title="Hand off", timeout=10, markup=False)
            return
        ask_handoff(self.app, row, colleagues, lambda plan: self.start_handoff(row.id, plan))

    def action_sales_verdict(self) -> None:
        """`$`: the detector was wrong, either way: a sale becomes "not a sale" and back."""
        ids = self.targets()
        row = self.target_row()
        if not ids or row is None:
            return
        verdict = not row.sales_signal
        words = "a sale" if verdict else "not a sale"
        self.change(
            lambda b: b.set_sales_verdict(ids, verdict),
            f"Marked {words} ({_plural(len(ids), 'conversation')})",
            "sales",
        )

    def action_edit_customer(self) -> None:
        conversation_id = self.edit_customer_of()
        if conversation_id is not None:
            self._open_customer_editor(conversation_id)

    @work(thread=True, exit_on_error=False, group="customer")
    def _open_customer_editor(self, conversation_id: int) -> None:
        customer = self.backend.customer_of(conversation_id)
        self.app.call_from_thread(self._show_customer_editor, customer)

    def _show_customer_editor(self, customer: Customer) -> None:
        def closed(saved: bool | None) -> None:
            if saved:
                self.post_message(self.Changed("Customer saved", "customer"))

        self.app.push_screen(CustomerEditor(customer, self.backend), closed)
