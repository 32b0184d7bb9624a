"""The inbox worker: handles stored updates, in order per chat, until each is handled or parked.

An update reaches the handlers only from the inbox, where it was stored before Telegram was told
it arrived (polling.py, webhook.py). Each chat's oldest update is taken alone, so a chat's
updates are handled one after another while other chats go on. A failure that is not the
update's own (the database or the network away) is retried for as long as it lasts and never
counts; any other failure is retried a few times with backoff, and then the update is parked:
counted, reported in one line without its content, and out of its chat's way.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.care.ports import Clock, StoredUpdate, UnitOfWorkFactory
from bot.supervisor import is_transient, where

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # a worker that died lets go of its updates after this
IDLE_POLL = 1.0  # seconds between inbox polls when nothing woke the worker


@dataclass(frozen=True)
class InboxPolicy:
    """How hard the worker tries: attempts before parking, and the longest wait between tries."""

    attempts: int = 8
    retry_cap: float = 60.0
    concurrency: int = 10


class InboxWorker:
    """Claims stored updates and feeds them to the dispatcher, concurrently across chats."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        dispatcher: Dispatcher,
        bot: Bot,
        holder: str,
        policy: InboxPolicy | None = None,
    ) -> None:
        """Handle what `uow`'s inbox holds with `dispatcher`, claiming as `holder`."""
        self.uow = uow
        self.clock = clock
        self.dispatcher = dispatcher
        self.bot = bot
        self.holder = holder
        self.policy = policy or InboxPolicy()
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """Something was stored: look at the inbox now."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Handle updates until `stop` is set (raising what the inbox itself raised)."""
        while not stop.is_set():
            self._wake.clear()  # before claiming: a store during the claim must wake us
            room = self.policy.concurrency - len(self._in_flight)
            claimed = await self._claim(room) if room > 0 else []
            for stored in claimed:
                task = asyncio.create_task(self._handle(stored))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            if not claimed:
                await self._sleep(stop)

    async def drain(self, within: float) -> None:
        """Let the updates in flight finish, for at most `within` seconds."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=within)

    async def _claim(self, room: int) -> list[StoredUpdate]:
        async with self.uow() as uow:
            claimed = await uow.inbox.claim(self.holder, room, LEASE)
            await uow.commit(notify=False)
        return claimed

    async def _sleep(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())}
        if self._in_flight:  # a chat's next update is claimable once the one before is done
            waiters.add(asyncio.create_task(asyncio.wait(set(self._in_flight))))  # type: ignore[arg-type]
        _done, pending = await asyncio.wait(
            waiters, timeout=IDLE_POLL, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()

    async def _handle(self, stored: StoredUpdate) -> None:
        try:
            update = Update.model_validate(stored.payload, context={"bot": self.bot})
            await self.dispatcher.feed_update(self.bot, update)
        except Exception as error:  # every failure is the inbox's to retry or park
            await self._failed(stored, error)
        else:
            await self._record(self._done, stored)

    async def _done(self, stored: StoredUpdate) -> None:
        async with self.uow() as uow:
            await uow.inbox.done([stored.id])
            await uow.commit(notify=False)

    async def _failed(self, stored: StoredUpdate, error: Exception) -> None:
        reason = type(error).__name__
        if is_transient(error):  # not the update's fault: it waits as long as the outage
            await self._record(self._retry, stored, reason, count=False)
            return
        tries = stored.attempts + 1
        if tries >= self.policy.attempts:
            log.error(
                "parked update %s after %s tries (%s)\n%s", stored.id, tries, reason, where(error)
            )
            await self._record(self._park, stored, reason)
            return
        log.warning("handling update %s failed (%s); it will be tried again", stored.id, reason)
        await self._record(self._retry, stored, reason, count=True)

    async def _retry(self, stored: StoredUpdate, reason: str, *, count: bool) -> None:
        delay = random.uniform(0, min(self.policy.retry_cap, 2.0 ** (stored.attempts + 1)))
        async with self.uow() as uow:
            at = self.clock.now() + timedelta(seconds=delay)
            await uow.inbox.retry(stored.id, reason, at, count=count)
            await uow.commit(notify=False)
        self._wake_at(delay)

    async def _park(self, stored: StoredUpdate, reason: str) -> None:
        async with self.uow() as uow:
            await uow.inbox.park(stored.id, reason)
            await uow.commit(notify=False)
        self.wake()  # the chat's next update may go now

    def _wake_at(self, delay: float) -> None:
        asyncio.get_running_loop().call_later(delay, self.wake)

    async def _record(self, step: Any, stored: StoredUpdate, *args: Any, **kwargs: Any) -> None:
        """Write the outcome; if the database is away, the update's lease brings it back."""
        try:
            await step(stored, *args, **kwargs)
        except Exception as error:
            log.warning("could not record update %s (%s)", stored.id, type(error).__name__)
        self.wake()
