"""When things are due: pure functions from a start, a time zone and the timetable to UTC times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
# A programme "month" when a pilot compresses time: 30 programme days.
PILOT_MONTH_DAYS = 30


@dataclass(frozen=True)
class Timetable:
    """The programme's pacing, taken from `programme.*` settings and the module list."""

    modules: int
    interval: timedelta = WEEK
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    reminder_after_days: tuple[int, ...] = (2, 5)
    max_reminders: int = 2
    phq9_every_weeks: int = 1
    gad7_weeks: tuple[int, ...] = (0, 4, 7)
    follow_up_months: tuple[int, ...] = (3, 6, 12)
    checkin: bool = True

    @property
    def short(self) -> bool:
        """A pilot's compressed timetable: no preferred time, no quiet hours."""
        return self.interval < DAY

    @property
    def day(self) -> timedelta:
        """One programme day: a real day, or a seventh of a short interval."""
        return self.interval / 7 if self.short else DAY


@dataclass(frozen=True)
class Planned:
    """One item to schedule: its kind, idempotency key, due time (UTC) and payload."""

    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


def resolve_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of wall-clock `at` on `day`; a skipped time moves to the next valid minute."""
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    for minutes in range(0, 24 * 60):
        candidate = naive + timedelta(minutes=minutes)
        # fold=0 picks the first of two occurrences when the clocks go back.
        aware = candidate.replace(tzinfo=zone, fold=0)
        utc = aware.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == candidate:
            return utc
    raise ValueError(f"no valid local time on {day} in {zone}")  # pragma: no cover


def in_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None) -> bool:
    """True when `moment` falls in the quiet hours of `zone` (which may wrap past midnight)."""
    if quiet is None:
        return False
    start, end = quiet
    local = moment.astimezone(zone).time().replace(tzinfo=None)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(
    moment: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None
) -> datetime:
    """`moment`, or the end of the quiet hours it falls in."""
    if quiet is None or not in_quiet_hours(moment, zone, quiet):
        return moment
    start, end = quiet
    local = moment.astimezone(zone)
    day = local.date()
    if start > end and local.time().replace(tzinfo=None) >= start:
        day += DAY  # the evening part of quiet hours that wrap past midnight
    return resolve_local(day, end, zone)


def at_preferred(
    base: datetime, offset: timedelta, zone: ZoneInfo, preferred: time, table: Timetable
) -> datetime:
    """The preferred local time on the local day `offset` after `base`, outside quiet hours."""
    if table.short:
        return base + offset
    # Wall-clock arithmetic keeps "Monday 09:00" on Monday 09:00 across DST changes.
    local_day = (base.astimezone(zone).replace(tzinfo=None) + offset).date()
    return after_quiet_hours(resolve_local(local_day, preferred, zone), zone, table.quiet_hours)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for clamp in range(day.day, 27, -1):
        try:
            return date(year, month, clamp)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def module_due(
    start: datetime, k: int, zone: ZoneInfo, preferred: time, table: Timetable
) -> datetime:
    """When module `k` (1-based) opens: start + (k − 1) intervals, at the preferred time."""
    return at_preferred(start, (k - 1) * table.interval, zone, preferred, table)


def reminder_due(
    released: datetime, n: int, zone: ZoneInfo, preferred: time, table: Timetable
) -> datetime:
    """When the `n`-th reminder (1-based) for a module released at `released` is due."""
    days = table.reminder_after_days or (2,)
    if n <= len(days):
        after = days[n - 1]
    else:  # more reminders than configured gaps: keep the last gap
        gap = days[-1] - (days[-2] if len(days) > 1 else 0)
        after = days[-1] + (n - len(days)) * max(gap, 1)
    return at_preferred(released, after * table.day, zone, preferred, table)


def next_checkin(after: datetime, zone: ZoneInfo, preferred: time, table: Timetable) -> datetime:
    """The first check-in time strictly after `after`."""
    if table.short:
        return after + table.day
    due = at_preferred(after, timedelta(0), zone, preferred, table)
    return due if due > after else at_preferred(after, DAY, zone, preferred, table)


def post_due(start: datetime, zone: ZoneInfo, preferred: time, table: Timetable) -> datetime:
    """The post-treatment measure: one interval after the last module opened."""
    return at_preferred(start, table.modules * table.interval, zone, preferred, table)


def follow_up_due(
    post: datetime, months: int, zone: ZoneInfo, preferred: time, table: Timetable
) -> datetime:
    """A follow-up `months` after the post-treatment measure."""
    if table.short:
        return post + months * PILOT_MONTH_DAYS * table.day
    day = add_months(post.astimezone(zone).date(), months)
    return after_quiet_hours(resolve_local(day, preferred, zone), zone, table.quiet_hours)


def plan(
    patient_id: int, start: datetime, zone: ZoneInfo, preferred: time, table: Timetable
) -> list[Planned]:
    """Everything a new enrolment needs scheduled, in firing order."""
    items: list[Planned] = []
    for k in range(1, table.modules + 1):
        due = module_due(start, k, zone, preferred, table)
        items.append(Planned("module_release", release_key(patient_id, k), due, {"module": k}))
        items += _weekly_measures(patient_id, k - 1, due, table)
    post = post_due(start, zone, preferred, table)
    items += _measures(patient_id, ("phq9", "gad7"), "post", post)
    for months in table.follow_up_months:
        due = follow_up_due(post, months, zone, preferred, table)
        items += _measures(patient_id, ("phq9", "gad7"), f"followup_{months}m", due)
    if table.checkin:
        first = next_checkin(start, zone, preferred, table)
        key = checkin_key(patient_id, first, zone, table)
        items.append(Planned("checkin", key, first, {}))
    return sorted(items, key=lambda item: item.due_at)  # stable: modules before their measures


def _weekly_measures(patient_id: int, week: int, due: datetime, table: Timetable) -> list[Planned]:
    """Measures at the start of programme week `week` (week 0 is the onboarding baseline)."""
    if week == 0:
        return []
    instruments = []
    if week % table.phq9_every_weeks == 0:
        instruments.append("phq9")
    if week in table.gad7_weeks:
        instruments.append("gad7")
    return _measures(patient_id, tuple(instruments), f"week{week}", due)


def _measures(
    patient_id: int, instruments: tuple[str, ...], timepoint: str, due: datetime
) -> list[Planned]:
    payload = {"timepoint": timepoint}
    return [
        Planned("measure", measure_key(patient_id, name, timepoint), due,
                {"instrument": name, **payload})
        for name in instruments
    ]  # fmt: skip


def release_key(patient_id: int, k: int) -> str:
    """The idempotency key of module `k`'s release."""
    return f"module_release:p{patient_id}:m{k}"


def reminder_key(patient_id: int, k: int, n: int) -> str:
    """The idempotency key of the `n`-th reminder for module `k`."""
    return f"reminder:p{patient_id}:m{k}:n{n}"


def measure_key(patient_id: int, instrument: str, timepoint: str) -> str:
    """The idempotency key of one measure at one timepoint."""
    return f"measure:p{patient_id}:{instrument}:{timepoint}"


def checkin_key(patient_id: int, due: datetime, zone: ZoneInfo, table: Timetable) -> str:
    """The idempotency key of a check-in: one per local day (or per moment in a pilot)."""
    local = due.astimezone(zone)
    return f"checkin:p{patient_id}:{local.isoformat() if table.short else local.date()}"
