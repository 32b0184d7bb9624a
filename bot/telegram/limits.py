"""Telegram's sending limits, respected rather than discovered (aiogram has no limiter).

Every limit is a sliding window ("at most N sends in any T seconds"): the overall cap (30 a
second), each private chat (a burst of 3, then about one a second: N = 3, T = 3 s, which never
exceeds a 1/s token bucket with a burst of 3) and each group (20 a minute). A leaky bucket such as
aiolimiter's lets a full burst through and then refills at the rate, so a one-second window sees
up to twice the cap; and a window stamped when a send *starts* is overrun by network jitter (the
send before arrives late, the next one early). So a send holds its place while in flight and is
counted from when its answer came back: Telegram saw it before that, and sees the next send after
it started, so the windows Telegram counts can never hold more than N. A 429 pauses every send
until its `retry_after` has passed.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

PRIVATE_BURST = 3  # a short burst is allowed, then about one a second
MAX_CHATS_TRACKED = 10_000


class SlidingWindow:
    """At most `count` sends in any `period` seconds, each counted from when it finished."""

    def __init__(self, count: int, period: float) -> None:
        self._count = count
        self._period = period
        self._finished: deque[float] = deque()  # when sends finished, oldest first
        self._in_flight = 0
        self._lock = asyncio.Lock()
        self._released = asyncio.Event()

    def _expire(self, now: float) -> None:
        while self._finished and now - self._finished[0] >= self._period:
            self._finished.popleft()

    async def acquire(self) -> None:
        """Wait for a free place in the window, then hold it (call `release` afterwards)."""
        async with self._lock:  # FIFO, so waiters keep their order
            while True:
                now = time.monotonic()
                self._expire(now)
                if len(self._finished) + self._in_flight < self._count:
                    self._in_flight += 1
                    return
                if self._finished:
                    await asyncio.sleep(self._period - (now - self._finished[0]))
                else:  # every place is held by a send in flight
                    self._released.clear()
                    await self._released.wait()

    def release(self, *, sent: bool = True) -> None:
        """The send finished (counted from now), or never went out (`sent=False`)."""
        self._in_flight -= 1
        if sent:
            self._finished.append(time.monotonic())
        self._released.set()

    @property
    def idle(self) -> bool:
        """Nothing in flight and nothing counted any more: safe to forget."""
        self._expire(time.monotonic())
        return not self._in_flight and not self._finished


def rate_window(rate: float, burst: int = 1) -> SlidingWindow:
    """A window allowing `rate` sends a second on average, `burst` (at least) at once."""
    count = max(1, burst, round(rate))
    return SlidingWindow(count, count / rate)


class Limits:
    """Waits until a send to a chat is within every limit."""

    def __init__(self, *, global_rate: float, private_rate: float, group_per_minute: int) -> None:
        self._global = rate_window(global_rate)
        self._private_rate = private_rate
        self._group_per_minute = group_per_minute
        self._chats: OrderedDict[int, SlidingWindow] = OrderedDict()
        self._paused_until = 0.0

    def _for_chat(self, chat_id: int) -> SlidingWindow:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if chat_id < 0:  # groups and supergroups have negative ids
                limiter = SlidingWindow(self._group_per_minute, 60)
            else:
                burst = max(1, round(PRIVATE_BURST * self._private_rate))
                limiter = rate_window(self._private_rate, burst)
            self._chats[chat_id] = limiter
            if len(self._chats) > MAX_CHATS_TRACKED:
                oldest_id, oldest = next(iter(self._chats.items()))
                if oldest.idle:  # a busy chat's window is kept, or its limit would reset
                    del self._chats[oldest_id]
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def _unpaused(self) -> None:
        while (delay := self._paused_until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)  # a deadline, not a signal: a later 429 may extend it

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Hold a place for one send to `chat_id` while it is made (wait for it first)."""
        await self._unpaused()
        chat = self._for_chat(chat_id)
        await chat.acquire()
        try:
            await self._global.acquire()
        except BaseException:
            chat.release(sent=False)
            raise
        try:
            await self._unpaused()  # a 429 may have come in while this send waited
            yield
        finally:
            self._global.release()
            chat.release()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: hold every send for `seconds`."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
