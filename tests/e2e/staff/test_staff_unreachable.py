"""A staffed deployment whose staff chat cannot be reached tells the patient so, once per alert,
and keeps trying the alert until the chat answers: an alert is never dropped."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import sqlalchemy as sa

from storage.models import OutboxMessage
from tests.e2e.staff.conftest import PATIENT, STAFF_CHAT, Rig, enrol_guided, eventually

NOTICE = "I couldn't reach them just now"


async def staff_rows(rig: Rig) -> list[tuple[str, int, str | None, datetime]]:
    """(status, attempts, last error, next try) of every staff-chat row."""
    async with rig.app.uow() as uow:
        stmt = sa.select(OutboxMessage).where(OutboxMessage.target_kind == "staff")
        rows = (await uow._session.scalars(stmt.order_by(OutboxMessage.id))).all()
        return [(r.status, r.attempts, r.last_error, r.next_try_at) for r in rows]


async def refused_once(rig: Rig) -> datetime:
    """Wait until the staff chat refused a row; when the sender will try it again."""
    found: list[datetime] = []

    async def check() -> bool:
        rows = await staff_rows(rig)
        found[:] = [due for status, tries, error, due in rows if status == "pending" and error]
        return bool(found)

    deadline = time.monotonic() + 15
    while not await check():
        assert time.monotonic() < deadline, "the staff chat was never tried"
        await rig.sender.drain()
        await asyncio.sleep(0.05)
    return max(found)


async def delivered_after(rig: Rig, retry_at: datetime) -> None:
    """Wait for every staff row to be sent, allowing each retry the sender plans meanwhile."""
    latest = retry_at.timestamp()
    while True:
        rows = await staff_rows(rig)
        if all(status == "sent" for status, *_ in rows):
            return
        latest = max(
            [latest, *(due.timestamp() for status, _, _, due in rows if status == "pending")]
        )
        # A margin past the planned retry: the sender polls once a second, then sends.
        assert time.time() < latest + 15, f"staff rows still waiting: {rows}"
        await rig.sender.drain()
        await asyncio.sleep(0.05)


async def crisis(rig: Rig) -> None:
    await enrol_guided(rig.app)
    await rig.patient_says("I want to kill myself")
    await eventually(lambda: any("Are you safe right now?" in t for t in rig.patient_texts()))


async def test_a_staff_chat_that_removed_the_bot_is_retried_and_the_patient_told(rig: Rig):
    rig.fake.set_bot_member(STAFF_CHAT, "kicked")
    await crisis(rig)
    retry_at = await refused_once(rig)
    await eventually(lambda: any(NOTICE in t for t in rig.patient_texts()), what="the notice")
    notice = next(t for t in rig.patient_texts() if NOTICE in t)
    assert "Samaritans" in notice or "Emergency services" in notice  # where to get help now
    assert all(status == "pending" for status, *_ in await staff_rows(rig))  # nothing dropped
    async with rig.app.uow() as uow:
        person = await uow.patients.get(await rig.pid())
        assert person is not None
        assert person.status == "active"  # the staff chat's 403 is not the patient blocking us
    rig.fake.set_bot_member(STAFF_CHAT, "administrator", can_manage_topics=True)
    await delivered_after(rig, retry_at)
    alerts_topic = next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Alerts")
    assert rig.topic_texts(alerts_topic), "the alert never reached the staff chat"
    assert sum(NOTICE in t for t in rig.patient_texts()) == 1  # once, however often it was tried


async def test_a_staff_chat_that_is_not_found_is_retried_and_the_patient_told_once(rig: Rig):
    group = rig.fake.world.chats.pop(STAFF_CHAT)  # "Bad Request: chat not found"
    await crisis(rig)
    await rig.patient_says("I'm not safe")  # a second alert, soon after the first
    retry_at = await refused_once(rig)
    await eventually(lambda: any(NOTICE in t for t in rig.patient_texts()), what="the notice")
    assert not any(status == "failed" for status, *_ in await staff_rows(rig))
    rig.fake.world.chats[STAFF_CHAT] = group
    await delivered_after(rig, max(retry_at, max(due for *_, due in await staff_rows(rig))))
    assert sum(NOTICE in t for t in rig.patient_texts()) == 1  # one notice for the moment
    alerts_topic = next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Alerts")
    posted = rig.topic_texts(alerts_topic)
    assert len(posted) == 2  # both alerts, none dropped: the first, then "not safe"
    assert "not safe" in posted[1].lower().replace("_", " ")
    async with rig.app.uow() as uow:
        told = [e for e in await uow.audit.list() if e.action == "alert.undelivered"]
    assert [e.detail["told"] for e in told] == [True]


async def test_forget_during_an_undelivered_alert_still_delivers_it_under_the_pseudonym(rig: Rig):
    rig.fake.set_bot_member(STAFF_CHAT, "kicked")
    await crisis(rig)
    async with rig.app.uow() as uow:
        person = await uow.patients.get(await rig.pid())
        assert person is not None
        pseudonym = person.pseudonym
    retry_at = await refused_once(rig)
    await rig.patient_says("/forget")
    await eventually(lambda: any("go ahead?" in t for t in rig.patient_texts()))
    await rig.feed(await rig.fake.user_presses(PATIENT, "Yes"))
    await eventually(lambda: any("DELETE" in t for t in rig.patient_texts()))
    await rig.patient_says("DELETE")
    await eventually(lambda: any("has been deleted" in t for t in rig.patient_texts()))
    async with rig.app.uow() as uow:
        assert await uow.identities.find_patient_id("telegram", PATIENT) is None
    told = sum(NOTICE in t for t in rig.patient_texts())
    rig.fake.set_bot_member(STAFF_CHAT, "administrator", can_manage_topics=True)
    await delivered_after(rig, retry_at)
    alerts_topic = next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Alerts")
    assert any(pseudonym in text for text in rig.topic_texts(alerts_topic))
    assert sum(NOTICE in t for t in rig.patient_texts()) == told  # nothing to someone gone


async def test_a_short_outage_delays_the_alert_but_tells_the_patient_nothing(rig: Rig):
    await enrol_guided(rig.app)
    rig.fake.fail_next("createForumTopic", 502, times=3)  # the Alerts topic, tried and tried
    await rig.patient_says("I want to kill myself")
    await eventually(lambda: any("Are you safe right now?" in t for t in rig.patient_texts()))
    retry_at = await refused_once(rig)
    await delivered_after(rig, retry_at)
    alerts_topic = next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Alerts")
    assert rig.topic_texts(alerts_topic)  # it got there in the end
    assert [i["status"] for i in rig.fake.injected] == [502, 502, 502]
    assert not any(NOTICE in t for t in rig.patient_texts())  # a blip is no news for the patient
