"""A patient's programme paused or resumed, whoever asked: the patient (/pause) or a helper.

Both ways do the same: the status changes only from the state it makes sense from (a withdrawn
or finished patient is never paused, nor brought back by /resume), the plan is held or shifted
(`pausing`), and the audit log says who did it. What differs is who must hear of it, and that
the caller says: a helper's pause is told to the patient, a patient's pause to their helper.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.care import outgoing
from bot.care.effects import send
from bot.care.messages import StaffTextMessage
from bot.care.pausing import hold_plan, resume_plan
from bot.care.ports import Patient, UnitOfWork
from bot.care.support import to_staff


@dataclass(frozen=True)
class _Change:
    """A status change and what it does to the plan."""

    before: str
    after: str
    plan: Callable[[UnitOfWork, Patient, datetime], Awaitable[object]]
    action: str  # as the audit log names it


PAUSE = _Change("active", "paused", hold_plan, "patient.paused")
RESUME = _Change("paused", "active", resume_plan, "patient.resumed")


@dataclass(frozen=True)
class Requester:
    """Who asked, as the audit log names them, and what the others should be told."""

    actor: str
    tell_patient: str | None = None  # words for the patient (a flow may already have said it)
    tell_helper: str | None = None  # words for the patient's topic in the staff chat


async def pause(uow: UnitOfWork, patient: Patient, by: Requester) -> bool:
    """Pause an active patient: planned items wait; False when there is nothing to pause."""
    return await _change(uow, patient, by, PAUSE)


async def resume(uow: UnitOfWork, patient: Patient, by: Requester) -> bool:
    """Resume a paused patient: the plan moves by the pause's length; False if not paused."""
    return await _change(uow, patient, by, RESUME)


async def _change(uow: UnitOfWork, patient: Patient, by: Requester, change: _Change) -> bool:
    if patient.status != change.before:
        return False
    await uow.patients.update(patient, status=change.after)
    await change.plan(uow, patient, uow.clock())
    await uow.audit.append(by.actor, change.action, patient.pseudonym)
    if by.tell_patient is not None:
        await send(uow, patient, outgoing.text_payload(by.tell_patient))
    if by.tell_helper is not None:
        note = StaffTextMessage(topic="patient", patient_id=patient.id, html=by.tell_helper)
        await to_staff(uow, note, patient_id=patient.id)
    return True
