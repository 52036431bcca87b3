"""The work actions the queue and the conversation screens share: close, reopen, snooze,
assign, tag. Each screen says which conversations they act on and what follows."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work

from mail.sanitize import clean_line
from storage.models import Status
from tui import when
from tui.screens.base import FrontdeskScreen
from tui.screens.choice import ChoiceScreen


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class WorkScreen(FrontdeskScreen):
    def targets(self) -> list[int]:
        """The conversations an action applies to."""
        raise NotImplementedError

    def target_tags(self) -> tuple[str, ...]:
        """The tags the (first) target has, offered for removal."""
        return ()

    def target_snoozed(self) -> bool:
        return False

    def action_close(self) -> None:
        ids = self.targets()
        if ids:
            self.change(
                lambda b: b.set_status(ids, Status.CLOSED),
                f"Closed {_plural(len(ids), 'conversation')}",
                "closed",
            )

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
        if ids:
            self._pick_tag(ids, self.target_tags())

    @work(thread=True, exit_on_error=False, group="tags")
    def _pick_tag(self, ids: list[int], current: tuple[str, ...]) -> None:
        known = self.backend.all_tags()
        self.app.call_from_thread(self._show_tag_picker, ids, current, known)

    def _show_tag_picker(self, ids: list[int], current: tuple[str, ...], known: list[str]) -> None:
        options: list[tuple[Text | str, object]] = [
            (Text(f"− remove #{clean_line(tag)}", style="#e06c75"), (tag, False)) for tag in current
        ]
        options += [(f"#{clean_line(tag)}", (tag, True)) for tag in known if tag not in current]

        def typed(text: str) -> tuple[str, object] | None:
            tag = " ".join(text.split()).lower()
            if not tag or tag in current or tag in known:
                return None
            return f"+ new tag #{clean_line(tag)}", (tag, True)

        def chosen(choice: object) -> None:
            if isinstance(choice, tuple):
                tag, add = choice
                verb = "Tagged" if add else "Untagged"
                self.change(lambda b: b.tag(ids, tag, add), f"{verb} #{clean_line(tag)}", "tagged")

        self.app.push_screen(
            ChoiceScreen(
                f"Tag {_plural(len(ids), 'conversation')}",
                options,
                typed=typed,
                placeholder="type a tag: new, or filter the known ones",
                filter_options=True,
            ),
            chosen,
        )
