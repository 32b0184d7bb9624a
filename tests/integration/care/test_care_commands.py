"""Patient commands through the real app: pause, resume, help, menu, settings, stop, mydata,
forget."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from bot.app import App
from storage.models import AuditEntry, Base
from storage.models import Patient as PatientRow
from tests.support.journey import Patient, onboard, texts


async def patient_row(app: App, patient: Patient) -> PatientRow | None:
    async with app.uow() as uow:
        return await uow.patients.get(patient.pid)


async def test_pause_then_resume(app: App, patient: Patient):
    await onboard(patient, name="Ada")
    asked = await patient.command("pause")
    assert "take a break" in asked[-1]["html"]
    paused = await patient.tap("Yes")
    assert "Daybreak is paused" in texts(paused)
    assert "emergency number" in texts(paused)  # help stays visible while paused
    row = await patient_row(app, patient)
    assert row is not None
    assert row.status == "paused"

    resumed = await patient.command("resume")
    assert "Welcome back, Ada!" in texts(resumed)
    row = await patient_row(app, patient)
    assert row is not None
    assert row.status == "active"


async def test_pause_can_be_cancelled(app: App, patient: Patient):
    await onboard(patient)
    await patient.command("pause")
    assert "nothing changes" in texts(await patient.tap("No"))
    row = await patient_row(app, patient)
    assert row is not None
    assert row.status == "active"


async def test_help_mid_flow_then_the_open_question_is_asked_again(app: App, patient: Patient):
    await patient.start()
    await patient.tap("I agree")
    shown = await patient.command("help")
    assert "/pause" in texts(shown)
    assert "not an emergency service" in texts(shown)
    assert shown[-1]["html"] == "Are you 18 or older?"
    assert [b["label"] for b in shown[-1]["buttons"]] == ["Yes", "No"]
    # The re-asked question's buttons carry on the onboarding.
    assert "What would you like me to call you?" in texts(await patient.tap("Yes"))


async def test_menu_offers_the_main_choices_and_help(app: App, patient: Patient):
    await onboard(patient, name="Ada")
    shown = await patient.command("menu")
    assert shown[-1]["html"] == "Hi Ada! What would you like to do?"
    labels = [b["label"] for b in shown[-1]["buttons"]]
    assert labels == [
        "Carry on where I left off",
        "Settings",
        "Help",
        "Take a break (pause)",
        "Message my helper",
    ]
    assert "/settings" in texts(await patient.tap("Help"))


async def test_settings_change_name_time_zone_and_language(app: App, patient: Patient):
    await onboard(patient, name="Ada")
    before = await patient_row(app, patient)
    assert before is not None
    await patient.command("settings")
    await patient.tap("My name")
    assert "I'll call you Bea." in texts(await patient.type("Bea"))
    await patient.tap("Time zone")
    await patient.tap("Other")
    await patient.type("Mars/Olympus_Mons")  # not a time zone: ignored
    row = await patient_row(app, patient)
    assert row is not None
    assert row.timezone == before.timezone
    await patient.tap("Time zone")
    await patient.tap("Other")
    await patient.type("Asia/Tokyo")
    await patient.tap("Language")
    switched = await patient.tap("中文")
    assert "之后我会用中文和你交流" in texts(switched)
    assert "完成" in [b["label"] for b in switched[-1]["buttons"]]
    assert "你的修改已保存" in texts(await patient.tap("完成"))
    row = await patient_row(app, patient)
    assert row is not None
    assert (row.timezone, row.language) == ("Asia/Tokyo", "zh")
    async with app.uow() as uow:
        assert uow.patients.alias(row) == "Bea"


async def withdraw_keeping_answers(patient: Patient) -> list[dict[str, Any]]:
    """Onboard, then /stop: stop everything, keep the answers for the study."""
    await onboard(patient)
    await patient.command("stop")
    await patient.tap("Stop everything")
    return await patient.tap("Keep my answers for the study")


async def test_stop_and_keep_withdraws_but_keeps_answers(app: App, patient: Patient):
    shown = await withdraw_keeping_answers(patient)
    assert "I won't message you again" in texts(shown)
    row = await patient_row(app, patient)
    assert row is not None
    assert row.status == "withdrawn"
    async with app.uow() as uow:
        assert len(await uow.questionnaires.list_for_patient(patient.pid)) == 2
        assert await uow.runs.get_active(patient.pid) is None


async def test_a_withdrawn_patient_is_not_brought_back_by_pause_and_resume(
    app: App, patient: Patient
):
    await withdraw_keeping_answers(patient)
    await patient.command("pause")
    await patient.tap("Yes")
    await patient.command("resume")
    row = await patient_row(app, patient)
    assert row is not None
    assert row.status == "withdrawn"  # only /start brings them back, through consent again
    async with app.uow() as uow:
        actions = [e.action for e in await uow.audit.list()]
    assert "patient.paused" not in actions
    assert "patient.resumed" not in actions


async def test_stop_and_delete_removes_the_patient(app: App, patient: Patient):
    await onboard(patient)
    await patient.command("stop")
    await patient.tap("Stop everything")
    await patient.tap("Delete everything")
    await patient.tap("Yes")
    assert await patient_row(app, patient) is None
    await assert_nothing_personal_left(app, patient.pid)


async def test_mydata_sends_a_file_with_everything_decrypted(app: App, patient: Patient):
    await onboard(patient, name="Zebediah-Quartz", phq9=(1, 2, 3, 0, 0, 0, 0, 0, 0))
    shown = await patient.command("mydata")
    assert len(shown) == 1
    assert shown[0]["kind"] == "file"
    assert shown[0]["filename"].endswith(".json")
    data = json.loads(shown[0]["content"])
    assert data["patient"]["alias"] == "Zebediah-Quartz"
    answers = {(a["flow_id"], a["question"]): a["value"] for a in data["answers"]}
    assert "Zebediah-Quartz" in answers.values()
    phq9 = next(r for r in data["questionnaire_results"] if r["instrument"] == "phq9")
    assert (phq9["total"], phq9["item_scores"][:3]) == (6, [1, 2, 3])
    assert [i["external_id"] for i in data["identities"]] == [str(patient.external_id)]
    assert "ciphertext" not in shown[0]["content"].lower()
    async with app.uow() as uow:
        actions = [e.action for e in await uow.audit.list()]
    assert "patient.export" in actions


async def test_forget_with_confirmation_leaves_nothing_personal(app: App, patient: Patient):
    await onboard(patient, name="Ada", phq9=(0, 0, 0, 0, 0, 0, 0, 0, 2))
    row = await patient_row(app, patient)
    assert row is not None
    pseudonym, pid = row.pseudonym, patient.pid
    await patient.command("forget")
    await patient.tap("Yes")
    await patient.type("delete ")
    assert await patient_row(app, patient) is None
    await assert_nothing_personal_left(app, pid)
    async with app.uow() as uow:
        entries = await uow.audit.list()
        goodbye = await uow.outbox.pending_for_target("chat:telegram")
        alerts = await uow.alerts.list_open()
    assert [(e.actor, e.action, e.target) for e in entries if e.action == "patient.forget"] == [
        ("patient", "patient.forget", None)
    ]
    assert all(pseudonym not in repr((e.actor, e.target, e.detail)) for e in entries)
    assert [m.payload.chat_id for m in goodbye] == [str(patient.external_id)]
    assert "has been deleted" in goodbye[0].payload.html
    # The safety record stays countable but points at nobody.
    assert [(a.reason, a.patient_id, a.detail) for a in alerts] == [("phq9_item9", None, {})]


async def test_forget_without_the_word_keeps_everything(app: App, patient: Patient):
    await onboard(patient)
    await patient.command("forget")
    await patient.tap("Yes")
    shown = await patient.type("no thanks")
    assert "left everything as it is" in texts(shown)
    assert await patient_row(app, patient) is not None
    async with app.uow() as uow:
        assert len(await uow.questionnaires.list_for_patient(patient.pid)) == 2


async def assert_nothing_personal_left(app: App, pid: int) -> None:
    """Every table with a patient column, and the patients table, hold nothing of `pid`."""
    async with app.uow() as uow:
        for table in Base.metadata.sorted_tables:
            if table.name == "patients":
                found = await uow._session.scalar(
                    sa.select(sa.func.count()).select_from(table).where(table.c.id == pid)
                )
            elif "patient_id" in table.c:
                found = await uow._session.scalar(
                    sa.select(sa.func.count()).select_from(table).where(table.c.patient_id == pid)
                )
            else:
                continue
            assert found == 0, f"{table.name} still holds rows of patient {pid}"
        remaining = await uow._session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        assert remaining
        assert remaining > 0
