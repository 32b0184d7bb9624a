"""Long polling that loses nothing: an update is stored before Telegram is told it arrived.

Telegram forgets updates once a getUpdates asks for a later offset. aiogram's own polling asks
for it as soon as updates are fetched, before they are handled, so an update whose handling
failed was gone. Here the next offset is asked for only once the batch is committed to the
inbox; if storing fails, the same updates come again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from aiogram import Bot
from aiogram.types import Update

from bot.care.ports import UnitOfWorkFactory
from bot.telegram.ordering import chat_id_of

log = logging.getLogger(__name__)
PAUSED_POLL = 0.5  # seconds between looks at whether polling may go on


async def store_updates(uow: UnitOfWorkFactory, updates: Sequence[Update]) -> int:
    """Commit updates to the inbox (each once, however often it arrives); how many were new."""
    rows = [
        (u.update_id, chat_id_of(u), u.model_dump(mode="json", exclude_none=True)) for u in updates
    ]
    async with uow() as work:
        new = await work.inbox.store(rows)
        await work.commit(notify=False)
    return new


class Poller:
    """Fetches updates by long polling and stores them; `stored` is called after each batch."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        bot: Bot,
        *,
        timeout: int,
        allowed_updates: list[str],
        stored: Callable[[], None],
        may_poll: Callable[[], bool] = lambda: True,
    ) -> None:
        """Poll `bot` with `timeout`-second long polls, keeping what arrives through `uow`.

        While `may_poll()` is false (the poller lease is in doubt) it waits instead.
        """
        self.may_poll = may_poll
        self.uow = uow
        self.bot = bot
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self.stored = stored
        self.offset: int | None = None
        self._webhook_cleared = False

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; raises what the Bot API or the database raised."""
        if not self._webhook_cleared:
            await self.bot.delete_webhook(drop_pending_updates=False)
            self._webhook_cleared = True
            log.info("polling for updates")
        while not stop.is_set():
            if not self.may_poll():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), PAUSED_POLL)
                continue
            fetch = asyncio.ensure_future(self._fetch())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():  # stopped mid-poll: what it would bring comes again next time
                fetch.cancel()
                return
            await self._keep(fetch.result())

    async def _fetch(self) -> list[Update]:
        return await self.bot.get_updates(
            offset=self.offset,
            timeout=self.timeout,
            allowed_updates=self.allowed_updates,
            request_timeout=self.timeout + 10,
        )

    async def _keep(self, updates: list[Update]) -> None:
        if not updates:
            return
        await store_updates(self.uow, updates)
        self.offset = updates[-1].update_id + 1  # only now: the next poll confirms these
        self.stored()
