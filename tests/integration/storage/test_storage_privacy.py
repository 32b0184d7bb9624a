"""/mydata exports everything decrypted; /forget erases it; nothing readable at rest.

Tests taking `any_uow` run on memory too; those reading every table or the SQLite file stay
SQL-only (memory has neither a schema to sweep nor anything at rest).
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.care.messages import TextMessage
from storage.models import AdverseEvent, Alert, AuditEntry, Base

SECRET_ANSWER = "I keep thinking about the lake house"
TELEGRAM_ID = 731_552_908_4


async def _journey(uow, telegram_id=TELEGRAM_ID):
    async with uow() as u:
        patient = await u.patients.create(alias="Jordan Example")
        pid = patient.id
        await u.identities.add(pid, "telegram", telegram_id, chat_id=telegram_id)
        await u.consents.record(pid, "consent-v1", agreed=True)
        await u.enrolments.create(pid, "morning-mood")
        run = await u.runs.create(pid, "module1", "rev1", {"vars": {"worry": SECRET_ANSWER}})
        await u.answers.add(
            pid,
            flow_id="module1",
            question="worry",
            value=SECRET_ANSWER,
            is_free_text=True,
            run_id=run.id,
        )
        await u.variables.set(pid, "worry", SECRET_ANSWER)
        await u.questionnaires.add(
            pid,
            instrument="PHQ-9",
            timepoint="baseline",
            item_scores=[3] * 9,
            total=27,
            band="severe",
            run_id=run.id,
        )
        await u.homework.add(
            pid, exercise="diary", kind="diary", data={"note": SECRET_ANSWER, "mood": 2}
        )
        await u.outbox.enqueue(
            target_kind="patient",
            target_key=f"patient:{pid}",
            payload=TextMessage(html=f"You said: {SECRET_ANSWER}"),
            patient_id=pid,
        )
        await u.scheduled.add("release", u.clock(), key=f"release:{pid}:1", patient_id=pid)
        await u.alerts.open(pid, "phq9_item9", "high", {"item9": 3})
        await u.adverse_events.record(pid, "phq9_item9", "crisis_contacts_shown", {"item9": 3})
        await u.support_topics.set(pid, "staff:-100", pid, patient.pseudonym)
        await u.audit.append("Helper Ana", "support.reply", patient.pseudonym)
        await u.commit()
    return pid, patient.pseudonym


async def test_export_gathers_everything_decrypted_and_is_audited(any_uow):
    uow = any_uow
    pid, pseudonym = await _journey(uow)
    async with uow() as u:
        data = await u.privacy.export_patient(pid)
        await u.commit()
    json.dumps(data)  # the /mydata file must serialise as is
    assert data["patient"]["pseudonym"] == pseudonym
    assert data["patient"]["alias"] == "Jordan Example"
    assert data["identities"][0]["external_id"] == str(TELEGRAM_ID)
    assert data["answers"][0]["value"] == SECRET_ANSWER
    assert data["variables"] == {"worry": SECRET_ANSWER}
    assert data["runs"][0]["state"] == {"vars": {"worry": SECRET_ANSWER}}
    assert data["homework"][0]["data"] == {"note": SECRET_ANSWER, "mood": 2}
    assert data["messages"][0]["payload"]["html"].endswith(SECRET_ANSWER)
    assert data["questionnaire_results"][0]["total"] == 27
    assert data["consents"][0]["text_revision"] == "consent-v1"
    for key in ("enrolments", "scheduled_items", "alerts", "adverse_events", "audit_log"):
        assert len(data[key]) == 1, key
    async with uow() as u:
        actions = [e.action for e in await u.audit.list(target=pseudonym)]
    assert actions == ["support.reply", "patient.export"]


async def test_forget_erases_personal_data_and_keeps_anonymous_audit(any_uow):
    uow = any_uow
    pid, pseudonym = await _journey(uow)
    other, _ = await _journey(uow, telegram_id=42)
    async with uow() as u:
        assert await u.privacy.delete_patient_personal_data(pid, actor=f"patient:{pseudonym}")
        await u.commit()
    async with uow() as u:
        assert await u.patients.get(pid) is None
        assert await u.patients.get_by_identity("telegram", TELEGRAM_ID) is None
        assert (await u.patients.get_by_identity("telegram", 42)).id == other
        assert await u.runs.list_for_patient(pid) == []
        assert await u.answers.list_for_patient(pid) == []
        assert await u.variables.get_all(pid) == {}
        assert await u.homework.list_for_patient(pid) == []
        assert await u.outbox.list_for_patient(pid) == []
        assert await u.scheduled.list_for_patient(pid) == []
        assert await u.support_topics.get_for_patient(pid, "staff:-100") is None
        alerts = await u.alerts.list_unresolved()
        assert len(alerts) == 2
        assert [(a.patient_id, a.pseudonym, a.detail) for a in alerts if a.patient_id is None] == [
            (None, pseudonym, {})
        ]
        orphans = [e for e in await u.adverse_events.export() if e.event.patient_id is None]
        assert [e.event.detail for e in orphans] == [{}]
        entries = await u.audit.list()
        assert all(e.target != pseudonym for e in entries)
        assert all(pseudonym not in e.actor for e in entries)
        forget = [e for e in entries if e.action == "patient.forget"]
        assert [(e.actor, e.target, e.detail) for e in forget] == [("patient", None, {})]
        assert await u.privacy.export_patient(other)
        assert not await u.privacy.delete_patient_personal_data(pid)


async def test_forget_leaves_no_row_pointing_at_the_patient(uow):
    """SQL-only: it sweeps every table of the schema for the patient's id."""
    pid, pseudonym = await _journey(uow)
    await _journey(uow, telegram_id=42)
    async with uow() as u:
        assert await u.privacy.delete_patient_personal_data(pid, actor=f"patient:{pseudonym}")
        await u.commit()
    async with uow() as u:
        for table in Base.metadata.sorted_tables:
            if "patient_id" in table.c:
                left = await u._session.scalar(
                    select(func.count()).select_from(table).where(table.c.patient_id == pid)
                )
                assert left == 0, table.name
        assert await u._session.scalar(select(func.count()).select_from(Alert)) == 2
        orphan = await u._session.scalar(
            select(AdverseEvent).where(AdverseEvent.patient_id.is_(None))
        )
        assert orphan.detail == {}
        entries = (await u._session.execute(select(AuditEntry))).scalars().all()
        assert all(e.target != pseudonym for e in entries)
        assert all(pseudonym not in e.actor for e in entries)


async def test_sqlite_file_holds_no_free_text_or_messenger_id(database, uow):
    if database.backend != "sqlite":
        return  # the file-level check is about the SQLite file; PG columns are checked elsewhere
    await _journey(uow)
    await database.engine.dispose()  # checkpoint the WAL into the main file
    raw = b"".join(p.read_bytes() for p in database.path.parent.glob(database.path.name + "*"))
    assert b"lake house" not in raw
    assert SECRET_ANSWER.encode("utf-16-le") not in raw
    assert str(TELEGRAM_ID).encode() not in raw
    assert b"Jordan" not in raw
    assert b"P-" in raw  # sanity: the file is readable and holds the pseudonym
