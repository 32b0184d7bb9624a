"""Patient ↔ helper through the patient's forum topic, as both of them notice it."""

from __future__ import annotations

from tests.e2e.staff.conftest import (
    HELPER,
    MEMBER,
    OUTSIDER,
    PATIENT,
    STAFF_CHAT,
    Rig,
    enrol_guided,
    eventually,
)


async def test_relay_both_ways_with_text_photo_note_and_topic_recreated(rig: Rig):
    await enrol_guided(rig.app)
    await rig.patient_says("/helper")
    await eventually(lambda: any("Write your message" in t for t in rig.patient_texts()))
    await rig.patient_says("I could not do the diary this week")
    photo = await rig.fake.user_sends_photo(PATIENT, caption="my plan")
    await rig.feed(photo)
    await rig.settled()

    thread = await rig.topic_of_patient()
    topics = rig.fake.topics(STAFF_CHAT)
    pseudonym = topics[thread].split(" · ")[0]
    assert topics[thread] == f"{pseudonym} · week 2 · guided"
    posted = rig.topic_texts(thread)
    assert "I could not do the diary this week" in posted[0]
    assert pseudonym in posted[0]
    assert "PHQ-9 21 (severe)" in posted[0]
    assert "my plan" in posted[1]
    assert rig.fake.calls("copyMessage")
    # Staff see the pseudonym only: never the patient's name, username or Telegram id.
    everything = " ".join(" ".join(rig.topic_texts(t)) for t in topics)
    assert "Ann" not in everything
    assert "ann_private" not in everything
    assert str(PATIENT) not in everything
    assert any("answer within 48 hours" in t for t in rig.patient_texts())

    # The helper signs as "Hana" and answers; the patient gets it signed, the helper a receipt.
    await rig.staff_says(HELPER, "/alias Hana", thread)
    await rig.staff_says(HELPER, "Thank you for telling me. Let's look at it together.", thread)
    await rig.staff_says(HELPER, "!note: check in again on Friday", thread)
    reply_photo = await rig.fake.user_sends_photo(
        HELPER, caption="Here is a worksheet", chat_id=STAFF_CHAT, message_thread_id=thread
    )
    await rig.feed(reply_photo)
    await rig.settled()
    to_patient = rig.patient_texts()
    assert any("Let's look at it together" in t and "— Hana" in t for t in to_patient)
    assert any("Here is a worksheet" in t and "— Hana" in t for t in to_patient)
    assert not any("check in again" in t for t in to_patient)  # the note stayed internal
    assert rig.topic_texts(thread).count("✓ delivered") == 2

    # Someone deletes the topic by hand: the next relay makes a new one.
    rig.fake.delete_topic(STAFF_CHAT, thread)
    await rig.patient_says("are you still there?")
    await rig.settled()
    again = await rig.topic_of_patient()
    assert again != thread
    assert "are you still there?" in rig.topic_texts(again)[0]
    assert rig.fake.violations == []
    assert rig.fake.rate_limited == []


async def test_a_command_during_the_relay_runs_and_is_not_passed_on(rig: Rig):
    """/help while talking to a helper ends the relay and shows help; the helper never sees it."""
    await enrol_guided(rig.app)
    await rig.patient_says("/helper")
    await rig.patient_says("can we talk on Friday?")
    await rig.settled()
    thread = await rig.topic_of_patient()
    await rig.patient_says("/help")
    await rig.settled()
    assert any("What you can send me" in t for t in rig.patient_texts())
    assert not any("/help" in t for t in rig.topic_texts(thread))
    # The relay ended: what the patient types next goes to the conversation, not the helper.
    relayed = len(rig.topic_texts(thread))
    await rig.patient_says("thanks")
    await rig.settled()
    assert len(rig.topic_texts(thread)) == relayed


async def test_an_edit_is_carried_over(rig: Rig):
    await enrol_guided(rig.app)
    await rig.patient_says("/helper")
    sent = await rig.patient_says("I feel a bit btter")
    await rig.settled()
    await rig.feed(await rig.fake.user_edits(sent, "I feel a bit better"))
    await rig.settled()
    texts = rig.topic_texts(await rig.topic_of_patient())
    assert any("edited" in t and "I feel a bit better" in t for t in texts)


async def test_non_admin_member_and_outsider_are_refused_and_audited(rig: Rig):
    await enrol_guided(rig.app)
    await rig.patient_says("/helper")
    await rig.patient_says("hello")
    await rig.settled()
    thread = await rig.topic_of_patient()
    before = len(rig.patient_texts())

    await rig.staff_says(MEMBER, "hi, I am not a helper", thread)
    await rig.staff_says(MEMBER, "/unlock", thread)
    await rig.feed(await rig.fake.user_sends(OUTSIDER, "/status"))
    await rig.settled()

    assert len(rig.patient_texts()) == before  # nothing reached the patient
    assert any("Only helpers" in t for t in rig.topic_texts(thread))
    assert any("for helpers" in str(r["text"]) for r in rig.fake.sent(OUTSIDER))
    async with rig.app.uow() as uow:
        refused = [e for e in await uow.audit.list() if e.action == "staff.refused"]
        enrolment = await uow.enrolments.current(await rig.pid())
    assert enrolment is not None
    assert enrolment.current_module == 2
    assert {e.detail["what"] for e in refused} == {"message", "/unlock", "/status"}
    # Each refused person is named by a keyed hash of their Telegram id, never by the id itself:
    # the member's two attempts share one, the outsider has another.
    by_what = {e.detail["what"]: e.actor for e in refused}
    assert by_what["message"] == by_what["/unlock"] != by_what["/status"]
    async with rig.app.uow() as uow:
        member = uow.audit.keyed_actor("not-staff", "telegram", MEMBER)
        outsider = uow.audit.keyed_actor("not-staff", "telegram", OUTSIDER)
    assert (by_what["message"], by_what["/status"]) == (member, outsider)
    assert all(len(actor.removeprefix("not-staff:")) == 32 for actor in by_what.values())


async def test_unguided_patient_is_told_what_help_exists(rig: Rig):
    pid = await enrol_guided(rig.app)
    async with rig.app.uow() as uow:
        patient = await uow.patients.get(pid)
        assert patient is not None
        await uow.patients.update(patient, care_mode="unguided")
        await uow.commit()
    await rig.patient_says("/helper")
    await rig.settled()
    assert any("self-guided" in t and "/help" in t for t in rig.patient_texts())
    assert rig.fake.sent(STAFF_CHAT) == []
