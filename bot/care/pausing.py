"""/pause holds a patient's plan; /resume shifts it by the pause's length, firing no backlog.

A held item keeps its original due time in its payload (`held_from`) and when the hold began
(`held_at`), so the shift on resume is exact however often the sweep looked at it meanwhile.
The safety pathway's items are neither held nor shifted: a pause never delays a re-check.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.care import ports
from bot.care.ports import Patient, UnitOfWork

log = logging.getLogger(__name__)

HELD_FROM = "held_from"
HELD_AT = "held_at"


async def hold_plan(uow: UnitOfWork, patient: Patient, now: datetime) -> int:
    """Note when the pause began on each pending item (their times are left alone)."""
    items = await _planned(uow, patient)
    for item in items:
        if HELD_AT not in item.payload:
            item.payload = {**item.payload, HELD_AT: now.isoformat()}
    await uow.flush()
    return len(items)


async def _planned(uow: UnitOfWork, patient: Patient) -> list[ports.ScheduledItem]:
    """The patient's pending items that a pause holds (all but the safety pathway's)."""
    items = await uow.scheduled.list_for_patient(patient.id, status="pending")
    return [item for item in items if not item.payload.get("safety")]


async def hold_item(uow: UnitOfWork, item_id: int, now: datetime, recheck: timedelta) -> None:
    """Put a claimed item of a paused patient back, to be looked at again after `recheck`."""
    item = await uow.scheduled.get(item_id)
    if item is None:
        return
    payload: dict[str, Any] = dict(item.payload)
    payload.setdefault(HELD_FROM, item.due_at.isoformat())
    payload.setdefault(HELD_AT, now.isoformat())
    await uow.scheduled.hold(item_id, now + recheck, payload, "held: paused")


def pause_length(items: list[ports.ScheduledItem], now: datetime) -> timedelta | None:
    """How long the patient was paused: from the earliest hold on their items until now."""
    starts = [datetime.fromisoformat(i.payload[HELD_AT]) for i in items if HELD_AT in i.payload]
    return max(now - min(starts), timedelta(0)) if starts else None


async def resume_plan(uow: UnitOfWork, patient: Patient, now: datetime) -> timedelta | None:
    """Shift the patient's plan by the length of the pause that just ended; return it."""
    items = await _planned(uow, patient)
    delta = pause_length(items, now)
    if delta is not None:
        await shift_plan(uow, patient, delta)
    return delta


async def shift_plan(uow: UnitOfWork, patient: Patient, delta: timedelta) -> int:
    """Move the patient's pending items `delta` later (held ones from their original time)."""
    items = await _planned(uow, patient)
    for item in items:
        payload = dict(item.payload)
        original = payload.pop(HELD_FROM, None)
        payload.pop(HELD_AT, None)
        base = datetime.fromisoformat(original) if original else item.due_at
        item.due_at = base + delta
        item.payload = payload
        item.note = f"shifted by {delta}"
    await uow.flush()
    log.info("plan shifted: patient=%s items=%d by=%s", patient.pseudonym, len(items), delta)
    return len(items)
