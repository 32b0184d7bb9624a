"""The sweep: claim one due item, act on it and mark it, all in one transaction; repeat.

One transaction per item is what makes an item fire at most once: if the worker dies before the
commit, the claim, the care layer's rows and the outbox messages all vanish together and the
item is simply due again. On PostgreSQL `claim_due` skips rows another worker holds.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.care.pausing import hold_item
from bot.care.planner import after_quiet_hours
from bot.care.ports import (
    Drop,
    DueItem,
    Fired,
    Outcome,
    Patient,
    UnitOfWork,
    UnitOfWorkFactory,
    Wait,
)
from scheduler.clock import Clock

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, DueItem, Patient | None], Awaitable[Outcome]]

# Late reminders and check-ins are worse than none: past their grace they are dropped.
STALE_KINDS = frozenset({"reminder", "checkin", "homework_reminder"})
# A flow's own timeout belongs to a conversation in progress, so quiet hours do not hold it.
QUIET_EXEMPT = frozenset({"flow_timeout"})
GONE_STATUSES = frozenset({"withdrawn", "blocked"})
MAX_ATTEMPTS = 5
# How soon an item whose patient was busy is tried again.
BUSY_RETRY = timedelta(seconds=1)


@dataclass(frozen=True)
class SweepRules:
    """How the sweep treats time: quiet hours, staleness and holds."""

    quiet_hours: tuple[time, time] | None = None
    default_timezone: str = "UTC"
    stale_after: timedelta = timedelta(hours=12)
    hold_recheck: timedelta = timedelta(days=1)
    short: bool = False


@dataclass
class Sweeper:
    """Claims due items and hands each to the handler for its kind."""

    uow: UnitOfWorkFactory
    clock: Clock
    handlers: Mapping[str, Handler]
    rules: SweepRules = field(default_factory=SweepRules)
    batch_size: int = 500

    async def sweep(self, limit: int | None = None) -> Counter[str]:
        """Settle up to about `limit` (default batch_size) due items; count what became of them."""
        report: Counter[str] = Counter()
        while report.total() < (limit or self.batch_size):
            outcomes = await self.settle_next()
            if not outcomes:
                break
            report.update(outcomes)
        return report

    async def drain(self) -> Counter[str]:
        """Sweep until nothing is due now (tests and catch-up after downtime)."""
        total: Counter[str] = Counter()
        while report := await self.sweep():
            total.update(report)
        return total

    async def settle_next(self) -> list[str]:
        """Claim, act on and mark one due item in one transaction; its outcome ([] if none due)."""
        now = self.clock.now()
        async with self.uow() as work:
            claimed = await work.scheduled.claim_due(limit=1, now=now)
            if not claimed:
                return []
            item = claimed[0]
            if item.patient_id is not None and not await work.patients.lock(
                item.patient_id, wait=False
            ):
                # The patient is busy (a handler or a helper holds them): waiting here, holding
                # the item, could deadlock with a handler that changes the item, so come back.
                await work.scheduled.release(item.id, now + BUSY_RETRY, "patient busy")
                await work.commit()
                return ["busy"]
            try:
                outcome = await self._settle(work, item, now)
            except Exception as error:  # one bad item must not stop the sweep
                failure: Exception | None = error
            else:
                await work.commit()
                return [outcome]
        assert failure is not None
        await self._record_failure(item, failure, now)
        return ["failed"]

    async def _settle(self, work: UnitOfWork, item: DueItem, now: datetime) -> str:
        patient = await work.patients.get(item.patient_id) if item.patient_id else None
        if item.patient_id is not None and patient is None:
            await work.scheduled.mark_dropped(item.id, "patient no longer exists")
            return "dropped"
        if patient is not None:
            early = await self._patient_rule(work, item, patient, now)
            if early is not None:
                return early
        if item.kind in STALE_KINDS and now - item.due_at > self.rules.stale_after:
            await work.scheduled.mark_dropped(item.id, f"stale: was due {item.due_at.isoformat()}")
            return "stale"
        handler = self.handlers.get(item.kind)
        if handler is None:
            await work.scheduled.mark_dropped(item.id, f"no handler for kind {item.kind}")
            return "dropped"
        return await self._apply(work, item, await handler(work, item, patient), now)

    async def _patient_rule(
        self, work: UnitOfWork, item: DueItem, patient: Patient, now: datetime
    ) -> str | None:
        """Withdrawn, paused or asleep: the patient's state can stop an item before its handler."""
        # Stopping never ends a risk pathway: its items go out even after /stop, when paused
        # and in quiet hours. Only a patient who blocked the bot cannot be reached at all.
        safety = bool(item.payload.get("safety"))
        if patient.status in GONE_STATUSES and not (safety and patient.status == "withdrawn"):
            await work.scheduled.mark_dropped(item.id, f"patient {patient.status}")
            return "dropped"
        if safety:
            return None
        if patient.status == "paused":
            await hold_item(work, item.id, now, self.rules.hold_recheck)
            return "held"
        if self.rules.short or item.kind in QUIET_EXEMPT:
            return None
        morning = after_quiet_hours(now, self._zone(patient), self.rules.quiet_hours)
        if morning > now:
            await work.scheduled.release(item.id, morning, "quiet hours")
            return "deferred"
        return None

    async def _apply(self, work: UnitOfWork, item: DueItem, outcome: Outcome, now: datetime) -> str:
        if isinstance(outcome, Fired):
            await work.scheduled.mark_done(item.id, outcome.note)
            return "fired"
        if isinstance(outcome, Wait):
            await work.scheduled.release(item.id, outcome.until, outcome.note)
            return "waiting"
        assert isinstance(outcome, Drop)
        await work.scheduled.mark_dropped(item.id, outcome.note)
        return "dropped"

    async def _record_failure(self, item: DueItem, error: Exception, now: datetime) -> None:
        """Count the failed attempt and back off; give up after MAX_ATTEMPTS."""
        log.exception("scheduled item failed: id=%s kind=%s", item.id, item.kind, exc_info=error)
        gave_up = item.attempts >= MAX_ATTEMPTS
        note = f"failed {item.attempts}x: {type(error).__name__}"
        retry_at = None if gave_up else now + timedelta(minutes=2 ** min(item.attempts, 6))
        async with self.uow() as work:
            # The claim was rolled back with the failure, so the row is pending again.
            await work.scheduled.record_failure(item.id, item.attempts, note, retry_at)
            await work.commit()

    def _zone(self, patient: Patient) -> ZoneInfo:
        try:
            return ZoneInfo(patient.timezone or self.rules.default_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.rules.default_timezone)
