"""Helpers' commands in a topic, alerts with acknowledgement and re-alert, and the digest."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.care.effects import open_alert
from tests.e2e.staff.conftest import HELPER, MEMBER, STAFF_CHAT, Rig, enrol_guided


async def _topic(rig: Rig) -> int:
    await rig.patient_says("/helper")
    await rig.patient_says("hello")
    await rig.settled()
    return await rig.topic_of_patient()


async def test_status_encourage_and_unlock(rig: Rig):
    await enrol_guided(rig.app)
    thread = await _topic(rig)
    await rig.staff_says(HELPER, "/status", thread)
    await rig.settled()
    card = rig.fake.sent(STAFF_CHAT, message_thread_id=thread)[-1]
    assert card["method"] == "sendPhoto"  # the progress chart, with the card as its caption
    assert "PHQ-9: 21 (severe), baseline 14, change +7" in card["caption"]
    assert "Week 2" in card["caption"]
    assert "Open alerts: 0" in card["caption"]

    await rig.staff_says(HELPER, "/encourage", thread)
    await rig.settled()
    await rig.feed(
        await rig.fake.user_presses(HELPER, "Nudge for the current module", chat_id=STAFF_CHAT)
    )
    await rig.settled()
    assert any("just checking in" in t for t in rig.patient_texts())

    await rig.staff_says(HELPER, "/unlock", thread)
    await rig.settled()
    assert any("Module 3 opened" in t for t in rig.topic_texts(thread))
    async with rig.app.uow() as uow:
        enrolment = await uow.enrolments.current(await rig.pid())
        actions = [e.action for e in await uow.audit.list()]
    assert enrolment is not None
    assert enrolment.current_module == 3
    assert rig.fake.topics(STAFF_CHAT)[thread].endswith("week 3 · guided")  # renamed
    assert {"staff.status", "staff.encourage", "staff.encourage_sent", "staff.unlock"} <= set(
        actions
    )


async def test_alert_acknowledged_and_reposted_to_on_call(rig: Rig):
    pid = await enrol_guided(rig.app)
    async with rig.app.uow() as uow:
        patient = await uow.patients.get(pid)
        assert patient is not None
        await open_alert(uow, patient, "phq9_item9", "urgent", {"item9": 2}, "phq9")
        await open_alert(uow, patient, "deterioration", "urgent", {"total": 21}, "phq9")
        await uow.commit()
    await rig.settled()
    alerts_topic = next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Alerts")
    first = rig.topic_texts(alerts_topic)
    assert "PHQ-9 item 9" in first[0]
    assert "https://t.me/c/1234567890/" in first[0]
    assert "PHQ-9 21 (severe)" in first[0]

    # A member who is not staff cannot acknowledge; the helper can.
    first_alert = rig.fake.sent(STAFF_CHAT, message_thread_id=alerts_topic)[0]
    await rig.feed(
        await rig.fake.user_presses(
            MEMBER, "Acknowledge", message=first_alert["message_id"], chat_id=STAFF_CHAT
        )
    )
    await rig.feed(
        await rig.fake.user_presses(
            HELPER, "Acknowledge", message=first_alert["message_id"], chat_id=STAFF_CHAT
        )
    )
    await rig.settled()
    assert "Acknowledged by" in str(
        rig.fake.sent(STAFF_CHAT, message_thread_id=alerts_topic)[0]["edits"]
    )

    # The second is still open after staff.alert_ack_minutes: posted again, naming on-call.
    staff = rig.app.staff
    assert staff is not None
    staff.support.config = dataclasses.replace(staff.support.config, ack_after=timedelta(0))
    assert await staff.watch.follow_up_alerts() == 1
    await rig.settled()
    repost = rig.topic_texts(alerts_topic)[-1]
    assert "STILL OPEN" in repost
    assert "@oncall_helper" in repost
    assert "deterioration" in repost


async def test_daily_digest(rig: Rig):
    await enrol_guided(rig.app)
    thread = await _topic(rig)
    staff = rig.app.staff
    assert staff is not None
    staff.support.config = dataclasses.replace(staff.support.config, reply_target=timedelta(0))
    await staff.watch.digest()
    await rig.settled()
    digest = next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Daily digest")
    text = rig.topic_texts(digest)[0]
    assert "Waiting for an answer</b> (1)" in text
    assert f"https://t.me/c/1234567890/{thread}" in text
    assert "Deteriorating scores</b> (1)" in text  # PHQ-9 14 → 21
