"""`frontdesk report` as a script runs it: the JSON's documented keys and values, the CSV's
tidy rows, the readable summary, and one-line errors for periods that make no sense."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mail.ingest import Ingestor
from storage.db import Store
from tests.conftest import SUPPORT, mail, run_cli

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = ("--from", "2026-11-16", "--to", "2026-11-22")  # Monday to Sunday, in Berlin

TOP_KEYS = {
    "period", "previous_period", "business_time", "timezone",
    "conversations_new", "conversations_handled", "conversations_closed", "messages_incoming",
    "replies_sent", "unanswered",
    "first_response_seconds", "next_response_seconds", "time_to_close_seconds", "previous",
    "weeks", "by_hour", "by_weekday", "heatmap", "sla", "teammates", "tags", "owners",
    "feature_requests", "handle_time", "sales", "saved_replies", "satisfaction",
}  # fmt: skip


@pytest.fixture
def reported(
    isolated_cli: None, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two conversations in the week of 16 November: one answered after 90 minutes of
    business time (from 16:30 Wednesday to 10:00 Thursday), one not answered."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[account]\nemail = "{SUPPORT}"\n\n'
        '[sla]\nbusiness_hours = "09:00-17:00"\ntimezone = "Europe/Berlin"\n'
    )
    monkeypatch.setenv("FRONTDESK_CONFIG", str(config))
    wednesday = datetime(2026, 11, 18, 16, 30, tzinfo=BERLIN)
    with Store.open(store_path) as store:
        Ingestor(store, [SUPPORT]).ingest(
            [
                mail(message_id="<a1@c.test>", date=wednesday),
                mail(
                    sender=SUPPORT, to="zoe@northwind.test", message_id="<a2@c.test>",
                    in_reply_to="<a1@c.test>", date=wednesday + timedelta(hours=17, minutes=30),
                ),
                mail(
                    sender="Bo <bo@c.test>", message_id="<b1@c.test>",
                    date=wednesday - timedelta(days=2),
                ),
            ]
        )  # fmt: skip


def test_json_has_the_documented_shape(reported: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "report", *WEEK, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == TOP_KEYS
    assert doc["period"] == {
        "start": "2026-11-15T23:00:00+00:00",
        "end": "2026-11-22T23:00:00+00:00",
        "days": 7.0,
    }
    assert doc["business_time"] is True and doc["timezone"] == "Europe/Berlin"
    assert doc["conversations_new"] == 2
    assert doc["unanswered"] == 1
    first = doc["first_response_seconds"]
    assert first == {
        "count": 1,
        "median": 5400.0,
        "mean": 5400.0,
        "p90": 5400.0,
        "by_tier": {
            "unknown": {"count": 1, "median": 5400.0, "mean": 5400.0, "p90": 5400.0},
        },
    }
    # No data is null, not zero.
    assert doc["next_response_seconds"]["median"] is None
    assert doc["previous"]["conversations_new"] == 0
    assert doc["previous"]["first_response_seconds"]["p90"] is None
    assert len(doc["by_hour"]) == 24 and len(doc["heatmap"]) == 7
    assert doc["by_weekday"][2] == {
        "weekday": "wed",
        "messages_incoming": 1,
        "first_response_seconds": {"count": 1, "median": 5400.0, "mean": 5400.0, "p90": 5400.0},
    }
    assert doc["heatmap"][2][16] == 1  # Wednesday 16:30 in Berlin
    assert doc["sla"]["first_response"][0]["tier"] == "unknown"
    assert doc["teammates"] == [
        {
            "name": "other clients",
            "replies_sent": 1,
            "conversations_replied": 1,
            "conversations_closed": 0,
            "conversations_per_day": 0.14,
        }
    ]


def test_csv_is_one_tidy_table(reported: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "report", *WEEK, "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert all(len(row) == 4 for row in rows)
    assert ["period", "", "conversations_new", "2"] in rows
    assert ["period", "", "first_response_seconds_median", "5400.0"] in rows
    assert ["previous", "", "first_response_seconds_median", ""] in rows
    assert ["tier", "unknown", "first_response_seconds_p90", "5400.0"] in rows
    assert ["heatmap", "wed 16", "messages_incoming", "1"] in rows
    assert ["teammate", "other clients", "replies_sent", "1"] in rows


def test_text_summary_compares_with_the_previous_period(
    reported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "report", *WEEK)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "Report 2026-11-15 23:00 to 2026-11-22 23:00 UTC (7 days; business hours, Europe/Berlin)"
    )
    assert "New conversations                    2           0      new" in lines
    assert "First response median           1h 30m           -" in lines
    # Bo has waited since Monday, past the 8 h target: one of two within it.
    assert "  unknown                       1   1h 30m   1h 30m     50%" in lines
    assert "Busiest hours: 16:00 (2)" in lines  # hours with no message are not listed
    assert "Busiest days:  Mon (1), Wed (1)" in lines


def test_days_is_the_default_period(reported: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "report", "--json")
    assert code == 0
    assert json.loads(out)["period"]["days"] == 28.0
    code, out, _ = run_cli(capsys, "report", "--days", "3", "--json")
    assert json.loads(out)["period"]["days"] == 3.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--days", "0"), "a report covers at least one day (not 0)"),
        (("--from", "2026-13-01"), "--from '2026-13-01' is not a date like 2026-11-01"),
        (("--from", "2026-11-20", "--to", "2026-11-01"), "is before its start date"),
        (("--to", "2026-11-01"), "--to needs --from"),
        (("--days", "7", "--from", "2026-11-01"), "either --days or --from/--to"),
    ],
)
def test_a_period_that_makes_no_sense_is_one_line_and_exit_2(
    reported: None, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run_cli(capsys, "report", *args)
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1


def test_json_and_csv_exclude_each_other(
    reported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "report", "--json", "--csv")
    assert code == 2 and "not allowed with" in err


def test_csv_cells_never_start_a_formula() -> None:
    from tui.commands.report import _cell

    assert _cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell("Dark mode\x1b[2J") == "Dark mode"
    assert _cell(None) == "" and _cell(3.5) == 3.5
