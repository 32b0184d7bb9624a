"""Telegram's limits with real 429s: per private chat, per group, overall, and paid broadcasts."""

from __future__ import annotations

import aiohttp
from fakebot_support import PATIENT, STAFF_CHAT, call

from tests.fakebot import FakeBotApi, Limits
from tests.fakebot.limits import RateLimiter


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_private_chat_allows_a_burst_then_one_per_second() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(private_burst=3), clock)
    assert [limiter.check(7, private=True) for _ in range(3)] == [None, None, None]
    refusal = limiter.check(7, private=True)
    assert refusal is not None
    assert (refusal.scope, refusal.retry_after) == ("chat", 1)
    assert limiter.check(8, private=True) is None  # another chat has its own budget
    clock.now = 1.0
    assert limiter.check(7, private=True) is None
    assert limiter.check(7, private=True) is not None


def test_group_sliding_window_and_global_cap() -> None:
    clock = Clock()
    limiter = RateLimiter(
        Limits(group_per_window=20, group_window=60.0, global_per_window=1000), clock
    )
    for second in range(20):
        clock.now = float(second)
        assert limiter.check(-5, private=False) is None
    clock.now = 30.0
    refusal = limiter.check(-5, private=False)
    assert refusal is not None
    assert (refusal.scope, refusal.retry_after) == ("group", 30)
    clock.now = 60.5  # the first send left the window
    assert limiter.check(-5, private=False) is None
    capped = RateLimiter(Limits(private_per_second=None, global_per_window=2), clock)
    assert capped.check(1, private=True) is None
    assert capped.check(2, private=True) is None
    refusal = capped.check(3, private=True)
    assert refusal is not None
    assert refusal.scope == "global"
    assert capped.check(3, private=True, paid=True) is None  # allow_paid_broadcast: up to 1000/s


async def test_real_429_per_chat(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    for _ in range(3):
        assert (await call(http, fake, "sendMessage", chat_id=PATIENT, text="hi"))[0] == 200
    status, body = await call(http, fake, "sendMessage", chat_id=PATIENT, text="hi")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert [r["scope"] for r in fake.rate_limited] == ["chat"]
    status, _ = await call(
        http, fake, "editMessageText", chat_id=PATIENT, message_id=1, text="edited"
    )
    assert status == 200  # edits are not counted
    assert fake.violations == []


async def test_real_429_per_group_shared_by_all_topics(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    fake.limits.group_per_window = 3
    _, topic = await call(http, fake, "createForumTopic", chat_id=STAFF_CHAT, name="Alerts")
    thread = topic["result"]["message_thread_id"]
    for target in (None, thread, None):
        status, _ = await call(
            http, fake, "sendMessage", chat_id=STAFF_CHAT, text="x", message_thread_id=target
        )
        assert status == 200
    status, body = await call(
        http, fake, "sendMessage", chat_id=STAFF_CHAT, text="x", message_thread_id=thread
    )
    assert status == 429
    assert 1 <= body["parameters"]["retry_after"] <= 60
    assert fake.rate_limited[0]["scope"] == "group"


async def test_real_429_overall_and_paid_broadcast(http: aiohttp.ClientSession) -> None:
    async with FakeBotApi(
        limits=Limits(global_per_window=5, paid_per_window=8), auto_create_chats=True
    ) as fake:
        statuses = [
            (await call(http, fake, "sendMessage", chat_id=100 + i, text="x"))[0] for i in range(6)
        ]
        assert statuses == [200] * 5 + [429]
        status, _ = await call(
            http, fake, "sendMessage", chat_id=200, text="x", allow_paid_broadcast=True
        )
        assert status == 200
        assert fake.rate_limited[0]["scope"] == "global"
        assert fake.violations == []
