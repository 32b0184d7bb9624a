"""Consents, enrolments, flow revisions, runs, answers, variables, results, homework.

Tests taking `any_uow` run on memory too; those reading the stored ciphertext stay SQL-only
(memory keeps nothing at rest).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Answer, Run, Variable

STATE = {"state": "ask_feeling", "vars": {"feeling": "lonely since the move"}}


async def _patient(uow):
    async with uow() as u:
        patient = await u.patients.create()
        await u.commit()
    return patient.id


async def test_consent_and_enrolment(any_uow, clock):
    uow = any_uow
    pid = await _patient(uow)
    async with uow() as u:
        await u.consents.record(pid, "consent-v1", agreed=False)
        clock.advance(minutes=1)
        await u.consents.record(pid, "consent-v2", agreed=True)
        enrolment = await u.enrolments.create(pid, "morning-mood", release_policy="weekly")
        await u.enrolments.update(enrolment, current_module=2)
        await u.commit()
    async with uow() as u:
        latest = await u.consents.latest(pid)
        assert (latest.text_revision, latest.agreed, latest.at) == ("consent-v2", True, clock())
        current = await u.enrolments.current(pid)
        assert (current.programme, current.current_module) == ("morning-mood", 2)


async def test_flow_revisions_are_stored_once(any_uow):
    uow = any_uow
    async with uow() as u:
        assert await u.flow_revisions.store("intro", "abc123", "id: intro\n", "intro.yaml")
        assert not await u.flow_revisions.store("intro", "abc123", "ignored", "x.yaml")
        assert await u.flow_revisions.store("intro", "def456", "id: intro # v2\n")
        await u.commit()
    async with uow() as u:
        assert await u.flow_revisions.get_content("intro", "abc123") == "id: intro\n"
        assert await u.flow_revisions.get_content("intro", "nope") is None
        assert await u.flow_revisions.revisions("intro") == ["abc123", "def456"]


async def test_run_state_round_trip(any_uow, clock):
    uow = any_uow
    pid = await _patient(uow)
    async with uow() as u:
        run = await u.runs.create(pid, "module1", "abc", STATE, kind="module")
        child = await u.runs.create(pid, "phq9", "r1", {}, kind="checkin", parent_run_id=run.id)
        await u.commit()
    async with uow() as u:
        active = await u.runs.get_active(pid)
        assert active.id == child.id
        parent = await u.runs.get_active(pid, kind="module")
        assert u.runs.state(parent) == STATE
        clock.advance(seconds=5)
        await u.runs.save_state(parent, {"state": "end"}, status="finished", outcome="done")
        await u.runs.finish(active, "completed")
        await u.commit()
    async with uow() as u:
        assert await u.runs.get_active(pid) is None
        done = await u.runs.get(run.id)
        assert (done.status, done.outcome, done.updated_at) == ("finished", "done", clock())
        assert u.runs.state(done) == {"state": "end"}
        assert [r.id for r in await u.runs.list_for_patient(pid)] == [run.id, child.id]
        assert await u.runs.list_active_for_flow("module1") == []


async def test_run_state_is_encrypted(uow):
    """SQL-only: it reads the stored ciphertext."""
    pid = await _patient(uow)
    async with uow() as u:
        await u.runs.create(pid, "module1", "abc", STATE, kind="module")
        await u.commit()
    async with uow() as u:
        raw = (await u._session.execute(select(Run.state_enc))).scalars().all()
        assert raw
        assert all(b"lonely" not in blob for blob in raw)


async def _answers(uow, pid):
    async with uow() as u:
        await u.answers.add(
            pid, flow_id="m1", question="q_text", value="my sister", is_free_text=True
        )
        await u.answers.add(
            pid, flow_id="m1", question="q_mood", value=4, is_free_text=False, variable="mood"
        )
        await u.commit()


async def test_answers_read_back_as_given(any_uow):
    pid = await _patient(any_uow)
    await _answers(any_uow, pid)
    async with any_uow() as u:
        answers = await u.answers.list_for_patient(pid)
        assert [(a.question, a.value) for a in answers] == [("q_text", "my sister"), ("q_mood", 4)]
        assert [(a.is_free_text, a.variable) for a in answers] == [(True, None), (False, "mood")]


async def test_answers_keep_free_text_encrypted_and_choices_plain(uow):
    """SQL-only: it reads the stored columns."""
    pid = await _patient(uow)
    await _answers(uow, pid)
    async with uow() as u:
        rows = (await u._session.execute(select(Answer).order_by(Answer.id))).scalars().all()
        assert rows[0].value_json is None
        assert b"sister" not in rows[0].value_enc
        assert rows[1].value_json == 4
        assert rows[1].value_enc is None


async def _variables(uow, pid):
    async with uow() as u:
        await u.variables.set_many(pid, {"name": "Robin", "mood": 3, "done": True, "none": None})
        await u.variables.set(pid, "mood", 5)
        await u.commit()


async def test_variables_as_dict(any_uow):
    uow = any_uow
    pid = await _patient(uow)
    await _variables(uow, pid)
    async with uow() as u:
        assert await u.variables.get_all(pid) == {
            "name": "Robin",
            "mood": 5,
            "done": True,
            "none": None,
        }
        assert await u.variables.get(pid, "missing", "dflt") == "dflt"
        assert await u.variables.get(pid, "name") == "Robin"


async def test_variables_with_text_are_encrypted(uow):
    """SQL-only: it reads the stored columns."""
    pid = await _patient(uow)
    await _variables(uow, pid)
    async with uow() as u:
        row = (
            await u._session.execute(select(Variable).where(Variable.name == "name"))
        ).scalar_one()
        assert row.value_json is None
        assert b"Robin" not in row.value_enc


async def test_questionnaires_and_homework(any_uow, clock):
    uow = any_uow
    pid = await _patient(uow)
    async with uow() as u:
        await u.questionnaires.add(
            pid,
            instrument="PHQ-9",
            timepoint="baseline",
            item_scores=[1, 2, 1, 0, 3, 1, 2, 1, 0],
            total=11,
            band="moderate",
        )
        clock.advance(days=7)
        await u.questionnaires.add(
            pid, instrument="PHQ-9", timepoint="week1", item_scores=[0] * 9, total=0, band="minimal"
        )
        entry = await u.homework.add(
            pid,
            exercise="thought_record",
            kind="thought_record",
            data={"thought": "I always fail", "belief": 80},
            due_at=clock() + timedelta(days=1),
        )
        await u.homework.add(pid, exercise="mood_diary", kind="diary", data={"mood": 6})
        await u.homework.set_status(entry, "reviewed")
        await u.commit()
    async with uow() as u:
        results = await u.questionnaires.list_for_patient(pid, "PHQ-9")
        assert [r.total for r in results] == [11, 0]
        assert results[0].item_scores[4] == 3
        assert (await u.questionnaires.latest(pid, "PHQ-9")).timepoint == "week1"
        homework = await u.homework.list_for_patient(pid)
        assert homework[0].data == {"thought": "I always fail", "belief": 80}
        assert homework[0].status == "reviewed"
        assert homework[1].data == {"mood": 6}
        assert [h.kind for h in await u.homework.list_for_patient(pid, kind="diary")] == ["diary"]
