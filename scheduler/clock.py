"""Time, passed in: the system clock for real runs, and frozen or fast-forward clocks for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.care.ports import Clock

__all__ = ["Clock", "FrozenClock", "SystemClock"]


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current time from the operating system."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to: tests never sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")

    def now(self) -> datetime:
        """The frozen time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by `delta` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("time does not go backwards")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a later moment."""
        self.advance(moment - self._now)
