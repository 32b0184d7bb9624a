"""The planner's pure rules: local time, DST, quiet hours, months and the plan's shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.care import planner
from bot.care.planner import Timetable

LONDON = ZoneInfo("Europe/London")
QUIET = (time(21, 0), time(8, 0))


def test_a_skipped_time_moves_to_the_next_valid_minute() -> None:
    assert planner.resolve_local(date(2026, 3, 29), time(1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )  # 02:00 BST


def test_an_ambiguous_time_is_the_first_occurrence() -> None:
    assert planner.resolve_local(date(2026, 10, 25), time(1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )  # 01:30 BST, not 01:30 GMT


def test_quiet_hours_wrap_past_midnight() -> None:
    evening = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
    early = datetime(2026, 1, 6, 7, 59, tzinfo=UTC)
    assert planner.in_quiet_hours(evening, LONDON, QUIET)
    assert planner.in_quiet_hours(early, LONDON, QUIET)
    assert not planner.in_quiet_hours(datetime(2026, 1, 6, 8, 0, tzinfo=UTC), LONDON, QUIET)
    morning = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    assert planner.after_quiet_hours(evening, LONDON, QUIET) == morning
    assert planner.after_quiet_hours(early, LONDON, QUIET) == morning
    assert planner.after_quiet_hours(evening, LONDON, None) == evening


def test_weekly_release_keeps_local_time_across_dst() -> None:
    table = Timetable(modules=7)
    start = datetime(2026, 3, 23, 10, tzinfo=UTC)
    dues = [planner.module_due(start, k, LONDON, time(9), table) for k in (1, 2)]
    assert [d.astimezone(LONDON).time() for d in dues] == [time(9), time(9)]
    assert [d.hour for d in dues] == [9, 8]


def test_short_intervals_ignore_preferred_time_and_quiet_hours() -> None:
    table = Timetable(modules=7, interval=timedelta(seconds=30))
    start = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
    assert planner.module_due(start, 3, LONDON, time(9), table) == start + timedelta(seconds=60)
    assert table.short
    assert table.day == timedelta(seconds=30) / 7


def test_add_months_clamps_to_month_end() -> None:
    assert planner.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert planner.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_plan_has_releases_measures_and_follow_ups_in_order() -> None:
    table = Timetable(modules=7, checkin=False)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    items = planner.plan(1, start, LONDON, time(9), table)
    releases = [i for i in items if i.kind == "module_release"]
    assert [i.payload["module"] for i in releases] == list(range(1, 8))
    timepoints = [(i.payload["instrument"], i.payload["timepoint"]) for i in items
                  if i.kind == "measure"]  # fmt: skip
    assert ("gad7", "week4") in timepoints
    assert timepoints[-2:] == [("phq9", "followup_12m"), ("gad7", "followup_12m")]
    assert [i.due_at for i in items] == sorted(i.due_at for i in items)
    assert len({i.key for i in items}) == len(items)


def test_reminders_follow_the_configured_days() -> None:
    table = Timetable(modules=7, reminder_after_days=(2, 5))
    released = datetime(2026, 1, 5, 9, tzinfo=UTC)
    dues = [planner.reminder_due(released, n, LONDON, time(9), table) for n in (1, 2, 3)]
    assert [d.date() for d in dues] == [date(2026, 1, 7), date(2026, 1, 10), date(2026, 1, 13)]
