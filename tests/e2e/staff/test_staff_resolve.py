"""Alerts acknowledged, then resolved with an outcome and a note; /ae grading by buttons; the
digest's unresolved alerts. The real dispatcher and sender against the fake Bot API."""

from __future__ import annotations

from typing import Any

from bot.care.effects import open_alert
from tests.e2e.staff.conftest import HELPER, MEMBER, PATIENT, STAFF_CHAT, Rig, enrol_guided

NOTE = "Called back, she is staying with a friend tonight"


async def _two_alerts(rig: Rig) -> tuple[int, int]:
    pid = await enrol_guided(rig.app)
    async with rig.app.uow() as uow:
        patient = await uow.patients.get(pid)
        assert patient is not None
        await open_alert(uow, patient, "phq9_item9", "urgent", {"item9": 2}, "phq9")
        await open_alert(uow, patient, "patient_not_safe", "urgent", {}, "safety")
        await uow.commit()
        first, second = await uow.alerts.list_for_patient(pid)
    await rig.settled()
    return first.id, second.id


def _alerts_topic(rig: Rig) -> int:
    return next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Alerts")


async def _press(rig: Rig, user: int, label: str, message: int | None = None) -> str:
    """Press a button in the staff chat; the answer the presser saw."""
    await rig.feed(
        await rig.fake.user_presses(user, label, message=message, chat_id=STAFF_CHAT)
    )  # fmt: skip
    await rig.settled()
    return str(rig.fake.callback_answers[-1].get("text") or "")


def _buttons(record: dict[str, Any]) -> list[str]:
    rows = (record.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_acknowledge_then_resolve_from_the_alert_message(rig: Rig):
    await rig.staff_says(HELPER, "/alias Hana", None)
    first, second = await _two_alerts(rig)
    posted = rig.fake.sent(STAFF_CHAT, message_thread_id=_alerts_topic(rig))
    alert = posted[0]
    assert f"alert #{first}" in alert["text"]

    assert await _press(rig, HELPER, "Acknowledge", alert["message_id"]) == "Acknowledged by Hana"
    assert "Contacted, safe" in _buttons(alert)  # acknowledged: now the outcome buttons
    assert "Could not reach" in _buttons(alert)

    # Someone in the group who is not staff cannot resolve it.
    assert "Only helpers" in await _press(rig, MEMBER, "Contacted, safe", alert["message_id"])
    async with rig.app.uow() as uow:
        row = await uow.alerts.get(first)
        assert row is not None
        assert row.status == "acknowledged"

    answer = await _press(rig, HELPER, "Contacted, safe", alert["message_id"])
    assert answer == "Resolved: Contacted, safe"
    assert "Resolved by Hana: Contacted, safe" in alert["text"]
    assert "Acknowledged by Hana" in alert["text"]  # the history stays on the message
    assert _buttons(alert) == []

    await rig.staff_says(HELPER, f"/resolve {first} {NOTE}", _alerts_topic(rig))
    await rig.settled()
    assert f"Note kept on alert #{first}" in rig.topic_texts(_alerts_topic(rig))[-1]
    async with rig.app.uow() as uow:
        row = await uow.alerts.get(first)
        assert row is not None
        assert (row.status, row.resolved_by, row.resolution) == ("resolved", "Hana", "safe")
        assert uow.alerts.note(row) == NOTE
        other = await uow.alerts.get(second)
        assert other is not None
        assert other.status == "open"

    # The digest lists what is still unresolved, acknowledged or not.
    await _press(rig, HELPER, "Acknowledge", posted[1]["message_id"])
    staff = rig.app.staff
    assert staff is not None
    await staff.watch.digest()
    await rig.settled()
    digest = next(t for t, n in rig.fake.topics(STAFF_CHAT).items() if n == "Daily digest")
    text = rig.topic_texts(digest)[-1]
    assert "Unresolved alerts</b> (1)" in text
    assert f"#{second} patient not safe · acknowledged by Hana, not resolved" in text


async def test_resolve_and_ae_commands_with_buttons(rig: Rig):
    await rig.staff_says(HELPER, "/alias Hana", None)
    first, _ = await _two_alerts(rig)
    await rig.staff_says(HELPER, "/resolve", None)
    await rig.settled()
    listed = rig.fake.sent(STAFF_CHAT)[-1]
    assert "Alerts to resolve</b> (2)" in listed["text"]
    await _press(
        rig, HELPER, next(b for b in _buttons(listed) if b.startswith(f"Resolve #{first} "))
    )
    assert await _press(rig, HELPER, "Emergency services involved") == (
        "Resolved: Emergency services involved"
    )

    await rig.staff_says(HELPER, "/ae", None)
    await rig.settled()
    listing = rig.fake.sent(STAFF_CHAT)[-1]
    assert "Adverse events to grade</b> (1)" in listing["text"]
    assert "Ann" not in listing["text"]  # the patient's Telegram name never reaches staff
    assert str(PATIENT) not in listing["text"]
    label = next(text for text in _buttons(listing) if text.startswith("Grade #"))
    for choice in (label, "Severe", "Serious: hospitalisation", "Possibly", "Unexpected"):
        await _press(rig, HELPER, choice)
    assert await _press(rig, HELPER, "Resolved with sequelae") == "Graded"
    assert "Graded by Hana: severe · serious (hospitalisation)" in listing["text"]
    async with rig.app.uow() as uow:
        (event,) = await uow.adverse_events.list_for_patient(await rig.pid())
    assert (event.severity, event.serious_criterion, event.relatedness) == (
        "severe", "hospitalisation", "possibly",
    )  # fmt: skip
    assert (event.expectedness, event.outcome, event.reviewer) == (
        "unexpected", "resolved_with_sequelae", "Hana",
    )  # fmt: skip

    # A member who is not staff gets no list from /ae, only the refusal.
    await rig.staff_says(MEMBER, "/ae", _alerts_topic(rig))
    await rig.settled()
    assert "Only helpers" in rig.topic_texts(_alerts_topic(rig))[-1]
    async with rig.app.uow() as uow:
        refused = [e for e in await uow.audit.list() if e.action == "staff.refused"]
    assert [e.detail for e in refused] == [{"where": "staff chat", "what": "/ae"}]


async def test_an_alert_after_the_alerts_topic_was_deleted_makes_it_again(rig: Rig):
    """The alerts topic is remade; the patient's own topic, which the alert links to, is kept."""
    pid = await enrol_guided(rig.app)
    await rig.patient_says("/helper")
    await rig.patient_says("hello")
    await rig.settled()
    patient_thread = await rig.topic_of_patient()
    async with rig.app.uow() as uow:
        patient = await uow.patients.get(pid)
        assert patient is not None
        await open_alert(uow, patient, "phq9_item9", "urgent", {"item9": 2}, "phq9")
        await uow.commit()
    await rig.settled()
    gone = _alerts_topic(rig)
    rig.fake.delete_topic(STAFF_CHAT, gone)

    async with rig.app.uow() as uow:
        await open_alert(uow, patient, "patient_not_safe", "urgent", {}, "safety")
        await uow.commit()
        second = (await uow.alerts.list_for_patient(pid))[-1]
    await rig.settled()
    remade = _alerts_topic(rig)
    assert remade != gone
    assert any(f"alert #{second.id}" in t for t in rig.topic_texts(remade))
    assert await rig.topic_of_patient() == patient_thread
