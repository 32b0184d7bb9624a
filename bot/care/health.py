"""Is the bot working? The figures behind `daybreak status` and `/healthz`, and the verdict.

Healthy means messages leave the outbox and the schedule is kept: nothing committed has waited
longer than `health.outbox_max_age`, and no scheduled item is overdue by more than
`health.sweep_max_lag`. Parked updates are reported (an operator should look at them) but do
not make the bot unhealthy: it serves everyone else, and a restart would not help.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.care.ports import Clock, HealthFigures, UnitOfWorkFactory

log = logging.getLogger(__name__)

WARN_EVERY = timedelta(minutes=5)  # a backlog that stays is told again this often, not more


@dataclass(frozen=True)
class HealthLimits:
    """How late is too late."""

    outbox_max_age: timedelta = timedelta(minutes=5)
    sweep_max_lag: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class HealthReport:
    """The figures as ages at one moment, with what is wrong (nothing: healthy)."""

    figures: HealthFigures
    at: datetime
    problems: tuple[str, ...]

    @property
    def healthy(self) -> bool:
        """True when nothing is too late."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """For JSON: counts and ages in seconds, never anything about a patient."""
        figures = self.figures
        return {
            "healthy": self.healthy,
            "problems": list(self.problems),
            "last_update_handled_seconds_ago": _age(figures.last_update_at, self.at),
            "outbox_pending": figures.outbox_pending,
            "outbox_oldest_pending_seconds": _age(figures.oldest_pending_at, self.at),
            "alerts_pending_delivery": figures.alerts_pending,
            "sweep_lag_seconds": _age(figures.oldest_due_at, self.at),
            "inbox_pending": figures.inbox_pending,
            "inbox_parked": figures.inbox_parked,
        }

    def lines(self) -> list[str]:
        """For people: one figure per line."""
        return [
            "healthy" if self.healthy else "NOT healthy: " + "; ".join(self.problems),
            *(f"{name.replace('_', ' ')}: {_shown(value)}" for name, value in
              self.as_dict().items() if name not in ("healthy", "problems")),
        ]  # fmt: skip


async def health_report(uow: UnitOfWorkFactory, clock: Clock, limits: HealthLimits) -> HealthReport:
    """Read the figures and judge them."""
    async with uow(reading=True) as work:
        figures = await work.health.figures()
    now = clock.now()
    problems = []
    outbox_age = _age(figures.oldest_pending_at, now)
    if outbox_age is not None and outbox_age > limits.outbox_max_age.total_seconds():
        problems.append(f"the oldest message to send has waited {outbox_age:.0f} s")
    lag = _age(figures.oldest_due_at, now)
    if lag is not None and lag > limits.sweep_max_lag.total_seconds():
        problems.append(f"the schedule is {lag:.0f} s behind")
    return HealthReport(figures, now, tuple(problems))


@dataclass
class BacklogWatch:
    """Warns in the log while the outbox is too far behind (a scheduled job calls `check`)."""

    uow: UnitOfWorkFactory
    clock: Clock
    limits: HealthLimits
    _told_at: datetime | None = None

    async def check(self) -> None:
        """One warning line (counts only) when the oldest message is too old, then every few
        minutes while it stays so."""
        report = await health_report(self.uow, self.clock, self.limits)
        if report.healthy:
            self._told_at = None
            return
        if self._told_at is None or report.at - self._told_at >= WARN_EVERY:
            self._told_at = report.at
            figures = report.figures
            log.warning(
                "falling behind: %s (%s messages to send, %s alerts among them)",
                "; ".join(report.problems), figures.outbox_pending, figures.alerts_pending,
            )  # fmt: skip


def _age(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else max(0.0, (now - since).total_seconds())


def _shown(value: Any) -> str:
    return "-" if value is None else (f"{value:.0f}" if isinstance(value, float) else str(value))
