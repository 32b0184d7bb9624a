"""Each inbound event is handled once: a redelivered update (same key) changes nothing."""

from __future__ import annotations

from bot.care.ports import UnitOfWork


async def handled_before(uow: UnitOfWork, key: str | None) -> bool:
    """True when the event with this key was handled already; otherwise it is noted as handled.

    The note is part of the unit of work, so it lands only with what handling the event
    committed. Without a key (an event from no messenger, e.g. a test) it is never a repeat.
    """
    return key is not None and await uow.inbound.seen(key)
