"""Group commit for delivered messages: one transaction records every send that finished meanwhile.

A transaction per delivered message costs a commit each (and on SQLite the single write lock).
The settler records whatever has queued up in one UPDATE and one commit. Each delivery still
waits until its own message is recorded, so per chat the next message goes only after the one
before it left the outbox, and a crash can repeat only the one message in flight per chat. An idle
bot waits for nothing: the first message is written at once, and batches form only from messages
that arrive while a write is under way.
"""

from __future__ import annotations

import asyncio
import logging

from bot.care.ports import UnitOfWorkFactory
from bot.supervisor import describe, is_transient

log = logging.getLogger(__name__)

RETRY_CAP = 5.0  # seconds between tries while the database is away
_Queued = tuple[int, int | None, asyncio.Future[None]]  # outbox id, Telegram id, recorded


class Settler:
    """Marks messages sent in batches; `sent()` returns once its message is committed."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        self._queued: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None
        self._tries = 0

    async def sent(self, message_id: int, telegram_message_id: int | None) -> None:
        """Record a message Telegram accepted; raise what the write raised if it failed."""
        recorded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((message_id, telegram_message_id, recorded))
        # One writer at a time. It only stops once it found the queue empty (in the same step
        # as finishing), so a writer that is not done will still see this message.
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await recorded

    async def drain(self) -> None:
        """Wait until everything queued is written (or failed)."""
        if self._writer is not None:
            await asyncio.wait([self._writer])

    async def _write(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                async with self._uow() as uow:
                    await uow.outbox.mark_sent_many([(m, t) for m, t, _ in batch])
                    await uow.commit(notify=False)  # the deliveries ending wake the sender
            except Exception as error:
                if not is_transient(error):  # a bug: the rows keep their leases and go again
                    log.error(
                        "recording %s sent outbox messages failed (%s)", len(batch), describe(error)
                    )
                    _resolve(batch, error)
                    continue
                # The database is away. Telegram has these messages: keep them queued until the
                # record lands, or a lease running out would send them a second time.
                if not self._tries:
                    log.warning(
                        "recording %s sent outbox messages failed (%s); retrying",
                        len(batch), describe(error),
                    )  # fmt: skip
                self._tries += 1
                self._queued = batch + self._queued
                await asyncio.sleep(min(RETRY_CAP, 0.5 * 2 ** min(self._tries, 8)))
            except BaseException:  # cancelled: let no delivery wait forever
                for *_, recorded in batch + self._queued:
                    recorded.cancel()
                raise
            else:
                if self._tries:
                    log.warning("recording sent messages works again")
                    self._tries = 0
                _resolve(batch, None)


def _resolve(batch: list[_Queued], error: Exception | None) -> None:
    for *_, recorded in batch:
        if recorded.done():  # its delivery was cancelled while it waited
            continue
        if error is None:
            recorded.set_result(None)
        else:
            recorded.set_exception(error)
