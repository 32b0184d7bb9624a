"""Each inbound event is handled once: a redelivered update (same key) changes nothing."""

from __future__ import annotations

from bot.care.ports import Patient, UnitOfWork


async def handled_before(uow: UnitOfWork, key: str | None) -> bool:
    """True when the event with this key was handled already; otherwise it is noted as handled.

    The note is part of the unit of work, so it lands only with what handling the event
    committed. Without a key (an event from no messenger, e.g. a test) it is never a repeat.
    """
    return key is not None and await uow.inbound.seen(key)


async def patient_for_new_event(
    uow: UnitOfWork, key: str | None, patient_id: int
) -> Patient | None:
    """The patient an event is from, locked for this unit of work; None for a repeat or one gone."""
    if await handled_before(uow, key):
        return None
    await uow.patients.lock(patient_id)  # before anything of theirs is read: one writer
    return await uow.patients.get(patient_id)
