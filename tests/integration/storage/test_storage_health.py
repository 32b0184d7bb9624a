"""What `daybreak status` and `/healthz` say, over memory, SQLite and PostgreSQL alike.

Healthy while messages leave and the schedule is kept; not healthy once the oldest message to
send or the oldest due item is too late. Counts and ages only, never anything about a patient.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.care.health import BacklogWatch, HealthLimits, health_report
from bot.care.messages import TextMessage
from bot.care.ports import PRIORITY_SAFETY
from bot.telegram.webhook import add_health_route

LIMITS = HealthLimits(outbox_max_age=timedelta(minutes=5), sweep_max_lag=timedelta(minutes=5))


async def enqueue(uow, *, staff: bool = False) -> None:
    async with uow() as u:
        await u.outbox.enqueue(
            target_kind="staff" if staff else "chat",
            target_key="staff" if staff else "chat:telegram:1",
            payload=TextMessage(html="private words", messenger="telegram", chat_id="1"),
            priority=PRIORITY_SAFETY if staff else 1,
        )
        await u.commit()


async def test_an_idle_bot_is_healthy(any_uow, clock):
    report = await health_report(any_uow, _Clock(clock), LIMITS)
    assert report.healthy
    assert report.as_dict()["outbox_pending"] == 0
    assert report.as_dict()["last_update_handled_seconds_ago"] is None


async def test_an_outbox_falling_behind_is_not_healthy_and_says_how_far(any_uow, clock):
    await enqueue(any_uow)
    await enqueue(any_uow, staff=True)
    clock.advance(minutes=4)
    assert (await health_report(any_uow, _Clock(clock), LIMITS)).healthy  # late, but not too late
    clock.advance(minutes=2)
    report = await health_report(any_uow, _Clock(clock), LIMITS)
    assert not report.healthy
    figures = report.as_dict()
    assert figures["outbox_pending"] == 2
    assert figures["alerts_pending_delivery"] == 1
    assert figures["outbox_oldest_pending_seconds"] == 360
    assert "waited 360 s" in report.problems[0]
    assert "private words" not in json.dumps(figures)


async def test_a_schedule_falling_behind_is_not_healthy(any_uow, clock):
    async with any_uow() as u:
        await u.scheduled.add("reminder", clock(), key="reminder:1")
        await u.commit()
    clock.advance(minutes=10)
    report = await health_report(any_uow, _Clock(clock), LIMITS)
    assert not report.healthy
    assert report.as_dict()["sweep_lag_seconds"] == 600


async def test_parked_updates_are_counted_but_leave_the_bot_healthy(any_uow, clock):
    async with any_uow() as u:
        await u.inbox.store([(1, 100, {"update_id": 1})])
        (stored,) = await u.inbox.claim("me", 1, timedelta(seconds=30))
        await u.inbox.park(stored.id, "AssertionError")
        await u.inbound.seen("tg:1")
        await u.commit()
    clock.advance(seconds=30)
    report = await health_report(any_uow, _Clock(clock), LIMITS)
    assert report.healthy
    assert report.as_dict()["inbox_parked"] == 1
    assert report.as_dict()["last_update_handled_seconds_ago"] == 30


async def test_the_log_is_warned_once_while_the_backlog_stays(any_uow, clock, caplog):
    watch = BacklogWatch(any_uow, _Clock(clock), LIMITS)
    await enqueue(any_uow)
    clock.advance(minutes=6)
    with caplog.at_level(logging.WARNING):
        await watch.check()
        clock.advance(minutes=1)
        await watch.check()  # still behind, told a minute ago: quiet
        clock.advance(minutes=5)
        await watch.check()  # still behind five minutes on: told again
    warnings = [r.getMessage() for r in caplog.records if "falling behind" in r.getMessage()]
    assert len(warnings) == 2
    assert "1 messages to send" in warnings[0]


async def test_healthz_answers_200_when_healthy_and_503_when_not(any_uow, clock):
    app = web.Application()
    add_health_route(app, any_uow, _Clock(clock), LIMITS)
    async with TestClient(TestServer(app)) as client:
        healthy = await client.get("/healthz")
        assert healthy.status == 200
        assert (await healthy.json())["healthy"] is True
        await enqueue(any_uow)
        clock.advance(minutes=6)
        behind = await client.get("/healthz")
        assert behind.status == 503
        assert (await behind.json())["outbox_pending"] == 1


class _Clock:
    """The care layer's Clock over the tests' frozen one."""

    def __init__(self, frozen) -> None:
        self.frozen = frozen

    def now(self):
        return self.frozen()
