"""A new time zone in /settings moves every planned item to the same local time in the new zone:
module 2 still opens on Monday at 09:00, now 09:00 in Shanghai rather than London."""

from __future__ import annotations

from datetime import time, timedelta

from bot.app import App
from scheduler.clock import FrozenClock
from tests.integration.scheduler.helpers import enrol, fast_forward, items, local
from tests.support.journey import Patient

SHANGHAI = "Asia/Shanghai"


async def move_to_shanghai(app: App, patient_id: int) -> None:
    """The patient changes their time zone with /settings."""
    patient = Patient(app)
    patient.id = patient_id
    await patient.command("settings")
    await patient.tap("Time zone")
    await patient.tap("Beijing / Shanghai")
    await patient.tap("Done")


async def test_a_new_time_zone_moves_releases_reminders_and_measures(
    app: App, clock: FrozenClock
) -> None:
    pid = await enrol(app)  # Monday 5 January 2026, 09:00 in London
    await fast_forward(app, clock, clock.now())  # module 1 opens, its first reminder is planned
    [release_2] = [i for i in await items(app, pid, "module_release") if i.payload["module"] == 2]
    assert local(release_2.due_at) == ("2026-01-12", time(9, 0))
    async with app.uow() as work:  # a flow's own timeout counts hours, not local time
        await work.scheduled.add(
            "flow_timeout", clock.now() + timedelta(hours=3), key="timeout:test", patient_id=pid,
            payload={"run_id": 0, "token": "t"},
        )  # fmt: skip
        await work.commit()

    clock.advance(timedelta(hours=1))
    await move_to_shanghai(app, pid)

    pending = [i for i in await items(app, pid) if i.status == "pending"]
    planned = [i for i in pending if i.kind != "flow_timeout"]
    assert {i.kind for i in planned} == {"module_release", "reminder", "measure"}
    for item in planned:  # every one keeps its local day and its 09:00, now in Shanghai
        assert local(item.due_at, SHANGHAI)[1] == time(9, 0), item.key
    [release_2] = [i for i in planned if i.key.endswith(":m2")]
    assert local(release_2.due_at, SHANGHAI) == ("2026-01-12", time(9, 0))
    [reminder] = [i for i in planned if i.kind == "reminder"]
    assert local(reminder.due_at, SHANGHAI) == ("2026-01-07", time(9, 0))
    [follow_up] = [i for i in planned if i.key.endswith("phq9:followup_12m")]
    assert local(follow_up.due_at, SHANGHAI)[0] == "2027-02-23"
    [timeout] = [i for i in pending if i.kind == "flow_timeout"]
    assert timeout.due_at == clock.now() + timedelta(hours=2)


async def test_module_2_then_opens_at_nine_in_shanghai(app: App, clock: FrozenClock) -> None:
    pid = await enrol(app)
    await move_to_shanghai(app, pid)
    await fast_forward(app, clock, clock.now() + timedelta(days=7, hours=1))  # past 01:00 UTC
    [release_2] = [i for i in await items(app, pid, "module_release") if i.payload["module"] == 2]
    assert release_2.status == "done"
    assert release_2.fired_at is not None
    assert local(release_2.fired_at, SHANGHAI) == ("2026-01-12", time(9, 0))


async def test_a_paused_plan_moves_too(app: App, clock: FrozenClock) -> None:
    pid = await enrol(app)
    patient = Patient(app)
    patient.id = pid
    await patient.command("pause")
    await patient.tap("Yes")
    await move_to_shanghai(app, pid)
    await patient.command("resume")
    [release_2] = [i for i in await items(app, pid, "module_release") if i.payload["module"] == 2]
    assert local(release_2.due_at, SHANGHAI) == ("2026-01-12", time(9, 0))
