"""A pause and a resume, asked by the helper or by the patient: each side hears of it."""

from __future__ import annotations

from tests.e2e.staff.conftest import HELPER, PATIENT, Rig, enrol_guided


async def _topic(rig: Rig) -> int:
    await rig.patient_says("/helper")
    await rig.patient_says("hello")
    await rig.settled()
    return await rig.topic_of_patient()


async def _status(rig: Rig) -> str:
    async with rig.app.uow() as uow:
        patient = await uow.patients.get(await rig.pid())
        assert patient is not None
        return patient.status


async def _audited(rig: Rig) -> list[tuple[str, str]]:
    async with rig.app.uow() as uow:
        return [(e.actor, e.action) for e in await uow.audit.list()]


async def _patient_pauses(rig: Rig) -> None:
    await rig.patient_says("/pause")
    await rig.settled()
    await rig.feed(await rig.fake.user_presses(PATIENT, "Yes"))
    await rig.settled()


async def test_a_helpers_pause_is_told_to_the_patient_and_logged_as_a_pause(rig: Rig):
    await enrol_guided(rig.app)
    thread = await _topic(rig)
    await rig.staff_says(HELPER, "/pause", thread)
    await rig.settled()
    assert any("Your helper has paused your programme" in t for t in rig.patient_texts())
    assert "paused by" in rig.topic_texts(thread)[-1]
    assert await _status(rig) == "paused"
    # The same audit entry as the patient's own pause, naming the helper who paused.
    audited = await _audited(rig)
    helper = next(who for who, action in audited if action == "staff.pause")
    assert (helper, "patient.paused") in audited

    await rig.staff_says(HELPER, "/pause", thread)  # twice: nothing more happens
    await rig.settled()
    assert "nothing to pause" in rig.topic_texts(thread)[-1]

    await rig.staff_says(HELPER, "/resume", thread)
    await rig.settled()
    assert any("Your helper has resumed your programme" in t for t in rig.patient_texts())
    assert await _status(rig) == "active"
    assert "patient.resumed" in [action for _, action in await _audited(rig)]


async def test_the_patients_own_pause_and_resume_are_noted_in_their_topic(rig: Rig):
    await enrol_guided(rig.app)
    await _patient_pauses(rig)
    assert any("Daybreak is paused" in t for t in rig.patient_texts())
    assert await _status(rig) == "paused"
    thread = await rig.topic_of_patient()  # opened for the note, as for any first staff message
    assert rig.topic_texts(thread)[-1].endswith("paused their programme.")

    notes = len(rig.topic_texts(thread))
    await _patient_pauses(rig)  # already paused: the helper is not told again
    assert len(rig.topic_texts(thread)) == notes

    await rig.patient_says("/resume")
    await rig.settled()
    assert await _status(rig) == "active"
    assert rig.topic_texts(thread)[-1].endswith("resumed their programme.")
