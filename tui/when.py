"""Snooze times: the presets (1 hour, tonight, tomorrow morning, next week) and what a user
may type instead (a date, a date and time, an age like 3d, a weekday), in local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from storage.errors import FrontdeskError

EVENING = time(18, 0)
MORNING = time(9, 0)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RELATIVE = re.compile(r"^(\d{1,3})\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class WhenError(FrontdeskError):
    """A typed snooze time that cannot be understood."""


@dataclass(frozen=True)
class Preset:
    label: str
    until: datetime


def _at(day: date, moment: time, like: datetime) -> datetime:
    return datetime.combine(day, moment, like.tzinfo)


def presets(now: datetime) -> list[Preset]:
    """The usual snooze times, as seen from `now` (local time)."""
    local = now.astimezone()
    today = local.date()
    tonight = _at(today, EVENING, local)
    if tonight - local < timedelta(hours=1):
        tonight = _at(today + timedelta(days=1), EVENING, local)
    tomorrow = _at(today + timedelta(days=1), MORNING, local)
    monday = today + timedelta(days=7 - today.weekday())
    week = _at(monday, MORNING, local)
    return [
        Preset("In 1 hour", local + timedelta(hours=1)),
        Preset(f"Tonight ({tonight:%a %H:%M})", tonight),
        Preset(f"Tomorrow morning ({tomorrow:%a %H:%M})", tomorrow),
        Preset(f"Next week ({week:%a %d %b %H:%M})", week),
    ]


def parse(text: str, now: datetime) -> datetime:
    """A typed time: `2026-12-01`, `2026-12-01 14:30`, `3d`, `4h`, `fri`, `tomorrow`. A bare
    date means that morning; a bare weekday means its next morning. It must be ahead of `now`."""
    moment = _parse(text, now)
    if moment <= now:
        raise WhenError(f"{moment.astimezone():%a %d %b %Y %H:%M} has passed: pick a later time")
    return moment


def _parse(text: str, now: datetime) -> datetime:
    value = " ".join(text.lower().split())
    local = now.astimezone()
    if not value:
        raise WhenError("type a date (2026-12-01), an age (3d, 4h) or a weekday (fri)")
    relative = _RELATIVE.match(value)
    if relative:
        return local + timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    if value == "tomorrow":
        return _at(local.date() + timedelta(days=1), MORNING, local)
    if value[:3] in _WEEKDAYS and value.isalpha():
        ahead = (_WEEKDAYS.index(value[:3]) - local.weekday() - 1) % 7 + 1
        return _at(local.date() + timedelta(days=ahead), MORNING, local)
    try:
        if len(value) == 10:
            return _at(date.fromisoformat(value), MORNING, local)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise WhenError(
            f"cannot read {text.strip()!r} as a time: try 2026-12-01, 2026-12-01 14:30, 3d, "
            "4h or fri"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local.tzinfo)
