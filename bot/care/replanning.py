"""A patient who moves to another time zone keeps the local times of their plan.

Releases, reminders, measures, follow-ups and check-ins were planned at the patient's preferred
local time ("Monday 09:00"); after a move each one is due on the same local day and time in the
new zone. Timeouts and the safety re-check count hours from an event, so they are left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.care.pausing import HELD_FROM
from bot.care.planner import resolve_local
from bot.care.ports import Patient, UnitOfWork

log = logging.getLogger(__name__)

# Kinds planned at a local time of day (all others count from an event).
LOCAL_KINDS = frozenset({"module_release", "reminder", "measure", "checkin", "homework_reminder"})


def same_local_time(moment: datetime, old: ZoneInfo, new: ZoneInfo) -> datetime:
    """The UTC moment at which `new` shows the local day and time that `old` showed at `moment`."""
    local = moment.astimezone(old)
    return resolve_local(local.date(), local.time().replace(tzinfo=None), new)


async def keep_local_times(uow: UnitOfWork, patient: Patient, old: ZoneInfo, new: ZoneInfo) -> int:
    """Move the patient's pending planned items to the same local times in `new`; how many."""
    moved = 0
    for item in await uow.scheduled.list_for_patient(patient.id, status="pending"):
        if item.kind not in LOCAL_KINDS:
            continue
        held = item.payload.get(HELD_FROM)
        if held is not None:  # paused: its planned time moves; when the hold looks again does not
            planned = same_local_time(datetime.fromisoformat(held), old, new)
            item.payload = {**item.payload, HELD_FROM: planned.isoformat()}
        else:
            item.due_at = same_local_time(item.due_at, old, new)
        moved += 1
    await uow.flush()
    log.info("plan moved to a new time zone: patient=%s items=%d", patient.pseudonym, moved)
    return moved
