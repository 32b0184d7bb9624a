"""Telegram's sending limits, respected rather than discovered (aiogram has no limiter).

Leaky buckets from aiolimiter for the overall cap and each private chat (about one message a
second, with a short burst). Groups get a sliding window instead: "20 a minute" is counted over
any 60 seconds, and a leaky bucket's burst would overrun it. A 429 pauses every send until its
`retry_after` has passed.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque

from aiolimiter import AsyncLimiter

PRIVATE_BURST = 3  # a short burst is allowed, then about one a second
MAX_CHATS_TRACKED = 10_000


class SlidingWindow:
    """At most `count` acquisitions in any `period` seconds."""

    def __init__(self, count: int, period: float) -> None:
        self._count = count
        self._period = period
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for a free place in the window, then take it."""
        async with self._lock:  # FIFO, so waiters keep their order
            while True:
                now = time.monotonic()
                while self._times and now - self._times[0] >= self._period:
                    self._times.popleft()
                if len(self._times) < self._count:
                    self._times.append(now)
                    return
                await asyncio.sleep(self._period - (now - self._times[0]) + 0.01)


Limiter = AsyncLimiter | SlidingWindow


class Limits:
    """Waits until a send to a chat is within every limit."""

    def __init__(self, *, global_rate: float, private_rate: float, group_per_minute: int) -> None:
        self._global = AsyncLimiter(global_rate, 1)
        self._private_rate = private_rate
        self._group_per_minute = group_per_minute
        self._chats: OrderedDict[int, Limiter] = OrderedDict()
        self._paused_until = 0.0

    def _for_chat(self, chat_id: int) -> Limiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if chat_id < 0:  # groups and supergroups have negative ids
                limiter = SlidingWindow(self._group_per_minute, 60)
            else:
                burst = max(1, round(PRIVATE_BURST * self._private_rate))
                limiter = AsyncLimiter(burst, burst / self._private_rate)
            self._chats[chat_id] = limiter
            if len(self._chats) > MAX_CHATS_TRACKED:  # idle chats' buckets are long empty
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def wait(self, chat_id: int) -> None:
        """Return when a message to `chat_id` may go out."""
        while (delay := self._paused_until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)  # a deadline, not a signal: a later 429 may extend it
        await self._for_chat(chat_id).acquire()
        await self._global.acquire()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: hold every send for `seconds`."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
