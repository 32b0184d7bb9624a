"""The programme's timetable in action: plan an enrolment, release modules, remind, measure.

Every method works inside the caller's unit of work, so the scheduler can claim an item, act on
it and mark it done in one transaction: a crash in between leaves nothing half done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.care import planner
from bot.care.conversations import Conversations
from bot.care.effects import STAFF_ALERTS
from bot.care.eligibility import REVIEW_STATUS
from bot.care.messages import AlertMessage
from bot.care.planner import Timetable
from bot.care.ports import (
    PRIORITY_BULK,
    PRIORITY_SAFETY,
    Drop,
    Enrolment,
    Fired,
    Outcome,
    Patient,
    Run,
    UnitOfWork,
    Wait,
)
from bot.care.replanning import keep_local_times
from bot.care.safety import SAFETY_KIND
from flows.runtime import RunState, TimeoutFired

log = logging.getLogger(__name__)

# How long a scheduled item waits, each time, while the patient's safety pathway is open.
SAFETY_FIRST_WAIT = timedelta(minutes=30)
# Started when a planned activity's time comes, to ask how it went.
ACTIVITY_FOLLOWUP = "activity_followup"


# Why a flow scheduled for later is no longer needed (None: start it).
Gate = Callable[[UnitOfWork, Patient], Awaitable[str | None]]


@dataclass
class Programme:
    """Module releases, reminders, measures and check-ins for enrolled patients."""

    conversations: Conversations
    table: Timetable
    modules: tuple[str, ...]
    checkin_flow: str | None = None
    default_timezone: str = "UTC"
    default_preferred: time = time(9, 0)
    # Asked before a flow scheduled for later starts: a reason means it is no longer needed.
    gates: dict[str, Gate] = field(default_factory=dict)

    def zone(self, patient: Patient) -> ZoneInfo:
        """The patient's time zone (the default when theirs is unknown)."""
        return self.named_zone(patient.timezone)

    def named_zone(self, name: str | None) -> ZoneInfo:
        """The zone called `name`, else the default one."""
        try:
            return ZoneInfo(name or self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.default_timezone)

    def preferred(self, patient: Patient) -> time:
        """The patient's preferred local time for messages."""
        try:
            return time.fromisoformat(patient.preferred_time)
        except (TypeError, ValueError):
            return self.default_preferred

    def now(self) -> datetime:
        """The care layer's clock."""
        return self.conversations.clock.now()

    async def plan_enrolment(self, uow: UnitOfWork, patient: Patient, enrolment: Enrolment) -> int:
        """Enqueue releases, measures, follow-ups and check-ins; return how many were new."""
        table = replace(self.table, checkin=bool(patient.daily_checkin and self.checkin_flow))
        items = planner.plan(
            patient.id, enrolment.started_at, self.zone(patient), self.preferred(patient), table
        )
        added = 0
        for item in items:
            added += await uow.scheduled.add(
                item.kind, item.due_at, key=item.key, patient_id=patient.id, payload=item.payload
            )
        log.info("programme planned: patient=%s items=%d", patient.pseudonym, added)
        return added

    async def release_module(
        self, uow: UnitOfWork, patient: Patient, k: int, attempt: int = 1
    ) -> Outcome:
        """Open module `k` (1-based) and schedule its first reminder."""
        enrolment = await uow.enrolments.current(patient.id)
        if enrolment is None or not 1 <= k <= len(self.modules):
            return Drop(f"no enrolment or no module {k}")
        if enrolment.status == REVIEW_STATUS:  # a high-risk baseline: a helper decides first
            return Drop("waiting for a helper's review of the baseline (/approve)")
        if k > 1 and enrolment.release_policy == "weekly_after_completion":
            waiting = await self._waiting_for(uow, patient, k, attempt)
            if waiting is not None:
                return waiting
        await self.conversations.start_flow(
            uow, patient, self.modules[k - 1], kind="module", priority=PRIORITY_BULK
        )
        await uow.enrolments.update(enrolment, current_module=max(k, enrolment.current_module))
        now = self.now()
        await self._schedule_reminder(uow, patient, k, 1, now)
        await self.ensure_checkin(uow, patient)
        log.info("module released: patient=%s module=%d", patient.pseudonym, k)
        return Fired(f"module {k} released")

    async def _waiting_for(
        self, uow: UnitOfWork, patient: Patient, k: int, attempt: int
    ) -> Wait | None:
        """Under weekly_after_completion: why module `k` must wait, or None to release it."""
        if await self.module_finished(uow, patient, k - 1):
            return None
        zone, preferred = self.zone(patient), self.preferred(patient)
        gap = (self.table.reminder_after_days or (2,))[0] * self.table.day
        until = planner.at_preferred(self.now(), gap, zone, preferred, self.table)
        previous = await uow.scheduled.get_by_key(planner.release_key(patient.id, k - 1))
        if previous is not None and previous.status != "done":
            return Wait(until, f"waiting for module {k - 1} to be released")
        # A reminder instead of the release, but never more of them than reminders allow.
        if attempt <= self.table.max_reminders:
            await self._nudge(uow, patient, k - 1)
        return Wait(until, f"waiting for module {k - 1} to be finished")

    async def remind(self, uow: UnitOfWork, patient: Patient, k: int, n: int) -> Outcome:
        """The `n`-th reminder for module `k`: nudge unless it is finished; flag after the last."""
        if await self.module_finished(uow, patient, k):
            return Fired(f"module {k} finished; no reminder needed")
        await self._nudge(uow, patient, k)
        if n < self.table.max_reminders:
            await self._schedule_reminder(uow, patient, k, n + 1, self.now(), first=False)
        elif patient.care_mode == "guided":
            await self._flag_behind(uow, patient, k)
        return Fired(f"reminder {n} for module {k} sent")

    async def run_measure(
        self, uow: UnitOfWork, patient: Patient, instrument: str, timepoint: str
    ) -> Outcome:
        """Start a questionnaire flow (phq9, gad7) for one timepoint."""
        if instrument not in self.conversations.library.flows:
            return Drop(f"no flow for instrument {instrument}")
        await self.conversations.start_flow(
            uow,
            patient,
            instrument,
            kind="measure",
            variables={"timepoint": timepoint},
            priority=PRIORITY_BULK,
        )
        return Fired(f"{instrument} {timepoint} started")

    async def checkin(self, uow: UnitOfWork, patient: Patient) -> Outcome:
        """The daily mood check-in, for those who opted in; schedules the next one."""
        if not patient.daily_checkin or self.checkin_flow is None:
            return Fired("not opted in; check-ins stop until the next release")
        await self.conversations.start_flow(
            uow, patient, self.checkin_flow, kind="checkin", priority=PRIORITY_BULK
        )
        await self.ensure_checkin(uow, patient)
        return Fired("check-in started")

    async def ensure_checkin(self, uow: UnitOfWork, patient: Patient) -> None:
        """Schedule the next check-in while the patient is opted in and in treatment."""
        enrolment = await uow.enrolments.current(patient.id)
        if not patient.daily_checkin or self.checkin_flow is None or enrolment is None:
            return
        zone, preferred = self.zone(patient), self.preferred(patient)
        due = planner.next_checkin(self.now(), zone, preferred, self.table)
        if due > planner.post_due(enrolment.started_at, zone, preferred, self.table):
            return
        key = planner.checkin_key(patient.id, due, zone, self.table)
        await uow.scheduled.add("checkin", due, key=key, patient_id=patient.id)

    async def settings_changed(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        """After /settings: an opted-in patient gets their next daily check-in planned."""
        await self.ensure_checkin(uow, patient)

    async def zone_changed(self, uow: UnitOfWork, patient: Patient, before: str) -> None:
        """The patient moved time zone: everything planned keeps its local day and time."""
        if self.table.short:
            return  # a pilot's compressed plan counts minutes from the start, not local times
        await keep_local_times(uow, patient, self.named_zone(before), self.zone(patient))

    async def remind_homework(
        self, uow: UnitOfWork, patient: Patient, exercise: str, entry_id: int | None = None
    ) -> Outcome:
        """Homework is due: a planned activity gets its follow-up, other homework a nudge."""
        planned = await self._planned_activity(uow, patient, entry_id)
        if planned is not None:
            flow, variables = ACTIVITY_FOLLOWUP, {"activity": planned}
        else:
            flow = self._first_flow(f"{exercise}_reminder", "homework_reminder") or ""
            variables = {"exercise": exercise}
        if flow not in self.conversations.library.flows:
            return Drop(f"no reminder flow for exercise {exercise}")
        await self.conversations.start_flow(
            uow, patient, flow, kind="reminder", variables=variables, priority=PRIORITY_BULK
        )
        return Fired(f"homework reminder for {exercise} sent")

    async def _planned_activity(
        self, uow: UnitOfWork, patient: Patient, entry_id: int | None
    ) -> str | None:
        """The name of the activity the patient planned in this entry (None if it isn't one)."""
        if entry_id is None or ACTIVITY_FOLLOWUP not in self.conversations.library.flows:
            return None
        entries = await uow.homework.list_for_patient(patient.id, kind="entry")
        entry = next((e for e in entries if e.id == entry_id), None)
        activity = entry.data.get("activity") if entry is not None else None
        return str(activity) if activity else None

    async def start_later(self, uow: UnitOfWork, patient: Patient, flow: str, kind: str) -> Outcome:
        """A flow the care layer scheduled for later (e.g. the same-day safety re-check)."""
        if flow not in self.conversations.library.flows:
            return Drop(f"no flow {flow}")
        gate = self.gates.get(flow)
        reason = await gate(uow, patient) if gate is not None else None
        if reason is not None:
            return Drop(reason)
        variables = await self.conversations.scheduled_variables(uow, patient, flow)
        priority = PRIORITY_SAFETY if kind == "safety" else PRIORITY_BULK
        await self.conversations.start_flow(
            uow, patient, flow, kind=kind, variables=variables, priority=priority
        )
        return Fired(f"{flow} started")

    async def after_safety(self, uow: UnitOfWork, patient: Patient) -> Wait | None:
        """A Wait while the patient's safety pathway is open, else None: it comes first."""
        if await uow.runs.get_active(patient.id, SAFETY_KIND) is None:
            return None
        return Wait(self.now() + SAFETY_FIRST_WAIT, "the safety pathway is open")

    async def fire_timeout(
        self, uow: UnitOfWork, patient: Patient, run_id: int, token: str
    ) -> Outcome:
        """A flow's own timeout, stepped inside the scheduler's transaction."""
        run = await uow.runs.get(run_id)
        if run is None or run.status != "active":
            return Fired("run no longer active")
        event = TimeoutFired(token=token, at=self.now())
        # Stepped in the sweep's own transaction, so the item and the run change together.
        await self.conversations.advance(uow, patient, run, event, priority=PRIORITY_BULK)
        return Fired("timeout stepped")

    async def module_finished(self, uow: UnitOfWork, patient: Patient, k: int) -> bool:
        """True when the patient has finished module `k` (abandoned runs do not count)."""
        flow = self.modules[k - 1]
        runs = await uow.runs.list_for_patient(patient.id)
        return any(
            r.flow_id == flow and r.status == "finished" and r.outcome != "abandoned" for r in runs
        )

    async def _schedule_reminder(
        self, uow: UnitOfWork, patient: Patient, k: int, n: int, now: datetime, first: bool = True
    ) -> None:
        if n > self.table.max_reminders:
            return
        released = now
        if not first:  # later reminders count from the release, not from the last reminder
            item = await uow.scheduled.get_by_key(planner.release_key(patient.id, k))
            released = item.fired_at if item is not None and item.fired_at else now
        zone, preferred = self.zone(patient), self.preferred(patient)
        due = planner.reminder_due(released, n, zone, preferred, self.table)
        key = planner.reminder_key(patient.id, k, n)
        payload = {"module": k, "n": n}
        await uow.scheduled.add("reminder", due, key=key, patient_id=patient.id, payload=payload)

    async def _nudge(self, uow: UnitOfWork, patient: Patient, k: int) -> None:
        """Remind the patient of module `k` with the reminder flow's words, then re-ask."""
        flow = self._first_flow(f"{self.modules[k - 1]}_reminder", "reminder")
        if flow is not None:
            await self.conversations.start_flow(
                uow, patient, flow, kind="reminder", variables={"module": k},
                priority=PRIORITY_BULK,
            )  # fmt: skip
        else:
            log.warning("no reminder flow for module %d; re-asking the open question", k)
            await self.conversations.resume(uow, patient)

    async def _flag_behind(self, uow: UnitOfWork, patient: Patient, k: int) -> None:
        """Tell the patient's helper that reminders have run out for module `k`."""
        alert = await uow.alerts.open(patient.id, "behind_schedule", "info", {"module": k})
        await uow.outbox.enqueue(
            target_kind="staff",
            target_key=STAFF_ALERTS,
            payload=AlertMessage(
                alert_id=alert.id,
                patient_id=patient.id,
                pseudonym=patient.pseudonym,
                reason="behind_schedule",
                level="info",
                detail={"module": k},
            ),
            priority=PRIORITY_BULK,
        )
        log.info("behind schedule: patient=%s module=%d", patient.pseudonym, k)

    def _first_flow(self, *candidates: str) -> str | None:
        return next((f for f in candidates if f in self.conversations.library.flows), None)
