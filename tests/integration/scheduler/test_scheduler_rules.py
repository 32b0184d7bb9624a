"""Time rules through the real app: DST, quiet hours, pause and resume, catch-up, staleness."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.care.pausing import hold_plan, resume_plan
from scheduler.clock import FrozenClock
from tests.integration.scheduler.conftest import AppMaker
from tests.integration.scheduler.helpers import (
    enrol,
    fast_forward,
    items,
    local,
    runs,
    set_status,
    walk,
)  # fmt: skip


async def test_dst_spring_and_autumn_neither_skip_nor_double(
    make_app: AppMaker, clock: FrozenClock
) -> None:
    # 01:30 does not exist in London on 29 March 2026 and happens twice on 25 October 2026.
    for start, odd_day in ((datetime(2026, 3, 15, 12, tzinfo=UTC), "2026-03-29"),
                           (datetime(2026, 10, 11, 12, tzinfo=UTC), "2026-10-25")):  # fmt: skip
        clock.set(start)
        async with make_app(quiet_hours=None) as app:
            pid = await enrol(app, preferred="01:30")
            await walk(app, clock, start + timedelta(days=22), timedelta(minutes=15))
            releases = [r for r in await items(app, pid, "module_release") if r.status == "done"]
            assert [r.payload["module"] for r in releases] == [1, 2, 3, 4]
            flows = [r.flow_id for r in await runs(app, pid) if r.flow_id.startswith("module")]
            assert flows == ["module_1", "module_2", "module_3", "module_4"]
            odd = next(r for r in releases if local(r.fired_at)[0] == odd_day)
            spring = odd_day.startswith("2026-03")
            # Spring: the next valid minute (02:00 BST); autumn: the first 01:30 (BST, 00:30 UTC).
            expected = datetime(2026, 3, 29, 1, 0, tzinfo=UTC) if spring else datetime(
                2026, 10, 25, 0, 30, tzinfo=UTC)  # fmt: skip
            assert odd.fired_at == expected


async def test_nine_oclock_stays_nine_across_dst(make_app: AppMaker, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 3, 16, 12, tzinfo=UTC))
    async with make_app() as app:
        pid = await enrol(app)
        await fast_forward(app, clock, datetime(2026, 4, 7, tzinfo=UTC))
        releases = await items(app, pid, "module_release")
        fired = [local(r.fired_at)[1] for r in releases if r.status == "done"]
        assert fired[1:] == [time(9, 0)] * 3  # module 1 fired at once, after 09:00 had passed
        utc_hours = [r.fired_at.hour for r in releases if r.status == "done"][1:]
        assert utc_hours == [9, 8, 8]


async def test_quiet_hours_hold_items_until_morning(make_app: AppMaker, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 1, 5, 22, 30, tzinfo=UTC))  # 22:30 in London: quiet
    async with make_app() as app:
        pid = await enrol(app)  # module 1 (09:00 today) is overdue, but it is night
        await app.scheduler.sweeper.drain()
        assert await runs(app, pid) == []
        late = await enrol(app, preferred="22:00")  # a preferred time inside quiet hours
        plan = await items(app, late, "module_release")
        assert local(plan[1].due_at)[1] == time(8, 0)
        await fast_forward(app, clock, datetime(2026, 1, 6, 7, 59, tzinfo=UTC))
        assert await runs(app, pid) == []
        await fast_forward(app, clock, datetime(2026, 1, 6, 8, 0, tzinfo=UTC))
        assert [r.flow_id for r in await runs(app, pid)] == ["module_1"]


async def test_pause_holds_and_resume_shifts_plan(make_app: AppMaker, clock: FrozenClock) -> None:
    async with make_app() as app:
        pid = await enrol(app)
        await app.scheduler.sweeper.drain()
        patient = await set_status(app, pid, "paused")
        async with app.uow() as work:
            await hold_plan(work, patient, clock.now())
            await work.commit()
        await fast_forward(app, clock, clock.now() + timedelta(days=14))
        flows = [r.flow_id for r in await runs(app, pid)]
        assert "module_2" not in flows  # held while paused
        patient = await set_status(app, pid, "active")
        async with app.uow() as work:
            delta = await resume_plan(work, patient, clock.now())
            await work.commit()
        assert delta == timedelta(days=14)
        module2 = (await items(app, pid, "module_release"))[1]
        assert module2.due_at == datetime(2026, 1, 26, 9, tzinfo=UTC)  # 12 Jan + 14 days
        await fast_forward(app, clock, datetime(2026, 1, 26, 9, tzinfo=UTC))
        flows = [r.flow_id for r in await runs(app, pid)]
        assert [f for f in flows if f.startswith("module")] == ["module_1", "module_2"]


async def test_withdrawn_items_dropped_with_note(make_app: AppMaker, clock: FrozenClock) -> None:
    async with make_app() as app:
        pid = await enrol(app)
        await set_status(app, pid, "withdrawn")
        await app.scheduler.sweeper.drain()
        (release,) = [i for i in await items(app, pid) if i.status != "pending"]
        assert (release.status, release.note) == ("dropped", "patient withdrawn")


async def test_catch_up_fires_overdue_once_in_order_and_drops_stale(
    make_app: AppMaker, clock: FrozenClock
) -> None:
    async with make_app() as app:
        pid = await enrol(app)
        clock.advance(timedelta(days=22))  # the bot was down for three weeks
        await app.scheduler.sweeper.drain()
        flows = [r.flow_id for r in await runs(app, pid)]
        assert flows[:4] == ["module_1", "module_2", "phq9", "module_3"]
        assert flows.count("module_4") == 1
        await fast_forward(app, clock, clock.now() + timedelta(days=4))
        clock.advance(timedelta(days=3))  # down again while module 4's reminders come due
        await app.scheduler.sweeper.drain()
        stale = [i for i in await items(app, pid, "reminder") if i.status == "dropped"]
        assert stale
        assert all(i.note.startswith("stale") for i in stale)


async def test_release_waits_for_previous_module(make_app: AppMaker, clock: FrozenClock) -> None:
    async with make_app(release_policy="weekly_after_completion") as app:
        pid = await enrol(app, policy="weekly_after_completion")
        await fast_forward(app, clock, clock.now() + timedelta(days=8))
        flows = [r.flow_id for r in await runs(app, pid)]
        assert "module_2" not in flows
        assert "reminder" in flows
        module2 = (await items(app, pid, "module_release"))[1]
        assert (module2.status, module2.note) == ("pending", "waiting for module 1 to be finished")
