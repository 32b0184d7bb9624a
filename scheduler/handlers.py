"""Which care service each kind of scheduled item calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.care.ports import Drop, DueItem, Outcome, Patient, UnitOfWork
from bot.care.programme import Programme
from scheduler.sweep import Handler

PatientHandler = Callable[[UnitOfWork, DueItem, Patient], Awaitable[Outcome]]


def _for_patient(handler: PatientHandler, programme: Programme, kind: str) -> Handler:
    """Every kind here belongs to a patient: an item without one is dropped, not fired.

    While the safety pathway is open, nothing else starts (it would be a second open question):
    the item waits. A flow's own timeout still fires, so the pathway's own waits run out.
    """

    async def guarded(work: UnitOfWork, item: DueItem, patient: Patient | None) -> Outcome:
        if patient is None:
            return Drop("no patient")
        if kind != "flow_timeout":
            waiting = await programme.after_safety(work, patient)
            if waiting is not None:
                return waiting
        return await handler(work, item, patient)

    return guarded


def care_handlers(programme: Programme) -> dict[str, Handler]:
    """The handler for every kind the programme and the care layer schedule."""

    async def module_release(work: UnitOfWork, item: DueItem, patient: Patient) -> Outcome:
        module = int(item.payload["module"])
        return await programme.release_module(work, patient, module, attempt=item.attempts)

    async def reminder(work: UnitOfWork, item: DueItem, patient: Patient) -> Outcome:
        payload = item.payload
        return await programme.remind(work, patient, int(payload["module"]), int(payload["n"]))

    async def measure(work: UnitOfWork, item: DueItem, patient: Patient) -> Outcome:
        payload = item.payload
        return await programme.run_measure(
            work, patient, str(payload["instrument"]), str(payload["timepoint"])
        )

    async def checkin(work: UnitOfWork, item: DueItem, patient: Patient) -> Outcome:
        return await programme.checkin(work, patient)

    async def homework(work: UnitOfWork, item: DueItem, patient: Patient) -> Outcome:
        payload = item.payload
        entry = payload.get("entry_id")
        return await programme.remind_homework(
            work, patient, str(payload["exercise"]), int(entry) if entry is not None else None
        )

    async def timeout(work: UnitOfWork, item: DueItem, patient: Patient) -> Outcome:
        payload = item.payload
        return await programme.fire_timeout(
            work, patient, int(payload["run_id"]), str(payload["token"])
        )

    async def start_flow(work: UnitOfWork, item: DueItem, patient: Patient) -> Outcome:
        payload = item.payload
        return await programme.start_later(
            work, patient, str(payload["flow"]), str(payload.get("kind", "scheduled"))
        )

    handlers: dict[str, PatientHandler] = {
        "start_flow": start_flow,
        "module_release": module_release,
        "reminder": reminder,
        "measure": measure,
        "checkin": checkin,
        "homework_reminder": homework,
        "flow_timeout": timeout,
    }
    return {kind: _for_patient(handler, programme, kind) for kind, handler in handlers.items()}
