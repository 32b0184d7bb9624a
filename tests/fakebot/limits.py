"""Telegram's sending limits: per private chat, per group, and overall, answered with real 429s."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

SEND_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendVoice",
        "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendMediaGroup",
        "copyMessage", "forwardMessage",
    }
)  # fmt: skip


@dataclass
class Limits:
    """The limits and their windows; tests shrink or widen them (None switches a limit off)."""

    private_per_second: float | None = 1.0
    private_burst: int = 3
    group_per_window: int | None = 20
    group_window: float = 60.0
    global_per_window: int | None = 30
    paid_per_window: int | None = 1000
    global_window: float = 1.0

    @classmethod
    def off(cls) -> Limits:
        """No limits at all (for tests about something else)."""
        return cls(
            private_per_second=None,
            group_per_window=None,
            global_per_window=None,
            paid_per_window=None,
        )


@dataclass(frozen=True)
class Refusal:
    """Why a send was refused: its scope ("chat", "group", "global") and whole seconds to wait."""

    scope: str
    retry_after: int


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """Counts accepted sends and says whether the next one would exceed a limit."""

    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[int, _Bucket] = field(default_factory=dict)
    _groups: dict[int, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)

    def check(self, chat_id: int, *, private: bool, paid: bool = False) -> Refusal | None:
        """Record the send and return None if it is within every limit, else the refusal."""
        now = self.clock()
        refusal = self._global(now, paid) or (
            self._private(chat_id, now) if private else self._group(chat_id, now)
        )
        if refusal is None:
            self._take(chat_id, now, private=private)
        return refusal

    def _global(self, now: float, paid: bool) -> Refusal | None:
        cap = self.limits.paid_per_window if paid else self.limits.global_per_window
        if cap is None:
            return None
        window = self._all
        _expire(window, now - self.limits.global_window)
        if len(window) < cap:
            return None
        return Refusal(
            "global", _seconds(window[len(window) - cap] + self.limits.global_window - now)
        )

    def _private(self, chat_id: int, now: float) -> Refusal | None:
        rate = self.limits.private_per_second
        if rate is None:
            return None
        bucket = self._refill(chat_id, now, rate)
        if bucket.tokens >= 1:
            return None
        return Refusal("chat", _seconds((1 - bucket.tokens) / rate))

    def _group(self, chat_id: int, now: float) -> Refusal | None:
        cap = self.limits.group_per_window
        if cap is None:
            return None
        window = self._groups.setdefault(chat_id, deque())
        _expire(window, now - self.limits.group_window)
        if len(window) < cap:
            return None
        return Refusal(
            "group", _seconds(window[len(window) - cap] + self.limits.group_window - now)
        )

    def _refill(self, chat_id: int, now: float, rate: float) -> _Bucket:
        burst = max(1, self.limits.private_burst)
        bucket = self._buckets.setdefault(chat_id, _Bucket(float(burst), now))
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        return bucket

    def _take(self, chat_id: int, now: float, *, private: bool) -> None:
        self._all.append(now)
        if private and self.limits.private_per_second is not None:
            self._buckets[chat_id].tokens -= 1
        elif not private and self.limits.group_per_window is not None:
            self._groups[chat_id].append(now)


def _expire(window: deque[float], horizon: float) -> None:
    while window and window[0] <= horizon:
        window.popleft()


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
