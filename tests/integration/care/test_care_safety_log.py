"""One adverse event per safety event; alerts acknowledged then resolved; /ae grading; the CSV
export; and an alert that outlives /forget. Through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import App
from bot.care.messages import dump_payload
from bot.care.safety_export import COLUMNS, write_events
from bot.care.support_safety import SafetyDesk
from bot.cli import main
from bot.config import Settings
from scheduler.clock import FrozenClock
from storage.crypto import generate_key
from tests.support.databases import running_app
from tests.support.journey import Patient, onboard

STAFF_CHAT = -1001234567890
HELPER = 501
NAME = "Quillon-Marigold"
NOTE = "Spoke to her on the phone, she is with her brother tonight"


def staffed(url: str, data_key: str | None = None) -> Settings:
    """Settings with a staff chat, so alerts, the digest and the helpers' desk are on."""
    return Settings(
        database={"url": url},
        security={"data_key": data_key or generate_key()},
        telegram={"staff_chat_id": STAFF_CHAT},
    )


@pytest.fixture
async def app(db_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The real app with a staff chat configured."""
    async with running_app(staffed(db_url), clock) as built:
        yield built


def desk(app: App) -> SafetyDesk:
    assert app.staff is not None
    return app.staff.desk


async def helper(app: App, alias: str = "Hana") -> None:
    async with app.uow() as uow:
        await uow.staff.add(HELPER, alias)
        await uow.commit()


async def at_risk(app: App) -> Patient:
    """Onboarded with PHQ-9 item 9 above 0: the pathway started, a helper alerted."""
    patient = Patient(app)
    await onboard(patient, name=NAME, phq9=(0, 0, 0, 0, 0, 0, 0, 0, 2))
    return patient


async def alert_ids(app: App, patient: Patient) -> list[int]:
    """The patient's safety alerts (a staffed programme also asks for a review of the baseline)."""
    async with app.uow() as uow:
        alerts = await uow.alerts.list_for_patient(patient.pid)
    return [a.id for a in alerts if a.adverse_event_id is not None]


async def staff_texts(app: App) -> list[str]:
    async with app.uow() as uow:
        rows = await uow.outbox.pending_for_target("staff")
    return [str(dump_payload(m.payload).get("html", "")) for m in rows]


async def test_crisis_words_write_exactly_one_adverse_event(app: App):
    patient = Patient(app)
    await onboard(patient)
    await patient.type("I want to end my life")
    await patient.tap("I'm not safe")  # a second alert in the same safety event
    async with app.uow() as uow:
        events = await uow.adverse_events.list_for_patient(patient.pid)
        alerts = await uow.alerts.list_for_patient(patient.pid)
    assert [(e.trigger, e.response) for e in events] == [
        ("crisis_language", "safety_pathway_started")
    ]
    assert [a.reason for a in alerts] == ["crisis_language", "patient_not_safe"]
    assert {a.adverse_event_id for a in alerts} == {events[0].id}


async def test_item9_writes_one_adverse_event_for_its_alert_and_the_pathway(app: App):
    patient = await at_risk(app)
    async with app.uow() as uow:
        events = await uow.adverse_events.list_for_patient(patient.pid)
        alerts = await uow.alerts.list_for_patient(patient.pid)
        assert await uow.alerts.unresolved_for(patient.pid)
    assert [e.trigger for e in events] == ["phq9_item9"]
    linked = [(a.reason, a.adverse_event_id) for a in alerts if a.adverse_event_id]
    assert linked == [("phq9_item9", events[0].id)]


async def test_acknowledge_then_resolve_records_the_helper_and_the_outcome(app: App):
    patient = await at_risk(app)
    await helper(app)
    (alert_id,) = await alert_ids(app, patient)
    assert app.staff is not None
    assert await app.staff.actions.acknowledge(HELPER, alert_id, "tg:ack") == "Hana"
    async with app.uow() as uow:
        assert await uow.alerts.unresolved_for(patient.pid)  # acknowledged, still unresolved
    screen = await desk(app).press(HELPER, f"res:{alert_id}:referred", "tg:res")
    assert screen is not None
    assert "Resolved by Hana: Contacted, referred to urgent care" in screen.html
    assert await desk(app).press(HELPER, f"res:{alert_id}:referred", "tg:res") is None  # again
    await desk(app).resolve_command(HELPER, None, f"{alert_id} {NOTE}", "tg:note")
    async with app.uow() as uow:
        alert = await uow.alerts.get(alert_id)
        assert alert is not None
        assert (alert.status, alert.acknowledged_by) == ("resolved", "Hana")
        assert (alert.resolved_by, alert.resolution) == ("Hana", "referred")
        assert uow.alerts.note(alert) == NOTE
        assert not await uow.alerts.unresolved_for(patient.pid)
        audit = [(e.actor, e.action, e.detail) for e in await uow.audit.list()]
    assert ("Hana", "alert.resolved", {"alert_id": alert_id, "resolution": "referred",
                                       "note": False}) in audit  # fmt: skip
    assert NOTE not in repr(audit)  # the helper's words stay out of the audit log
    assert any(f"Note kept on alert #{alert_id}" in t for t in await staff_texts(app))


async def test_resolve_command_with_an_outcome_and_a_forged_button(app: App):
    patient = await at_risk(app)
    await helper(app)
    (alert_id,) = await alert_ids(app, patient)
    assert await desk(app).press(HELPER, f"res:{alert_id}:delete_everything", "tg:1") is None
    await desk(app).resolve_command(HELPER, 7, f"#{alert_id} false_alarm misread", "tg:2")
    async with app.uow() as uow:
        alert = await uow.alerts.get(alert_id)
        assert alert is not None
        assert (alert.status, alert.resolution) == ("resolved", "false_alarm")
        assert uow.alerts.note(alert) == "misread"


async def test_ae_grading_by_buttons_and_by_words_stores_the_fields(app: App):
    patient = await at_risk(app)
    await helper(app)
    await desk(app).events(HELPER, 9, "", "tg:list")
    listing = (await staff_texts(app))[-1]
    assert "Adverse events to grade</b> (1)" in listing
    assert NAME not in listing
    async with app.uow() as uow:
        (event,) = await uow.adverse_events.list_for_patient(patient.pid)
    codes = ""
    for n, code in enumerate("sh2ur"):  # severe, hospitalisation, possibly, unexpected, resolved
        screen = await desk(app).press(HELPER, f"ae:{event.id}:{codes}", f"tg:step{n}")
        assert screen is not None
        assert screen.buttons  # the next question, with its answers as buttons
        codes += code
    done = await desk(app).press(HELPER, f"ae:{event.id}:{codes}", "tg:last")
    assert done is not None
    assert "Graded by Hana: severe · serious (hospitalisation) · possibly related" in done.html
    async with app.uow() as uow:
        row = await uow.adverse_events.get(event.id)
        assert row is not None
        graded = (row.severity, row.seriousness, row.serious_criterion, row.relatedness)
        assert graded == ("severe", "serious", "hospitalisation", "possibly")
        assert (row.expectedness, row.outcome, row.reviewer) == ("unexpected", "resolved", "Hana")
        assert row.reviewed_at == app.clock.now()
    typed = "severity=moderate serious=no related=unlikely expected=yes outcome=ongoing"
    await desk(app).events(HELPER, 9, f"{event.id} {typed}", "tg:typed")
    async with app.uow() as uow:
        row = await uow.adverse_events.get(event.id)
        assert row is not None
        assert (row.severity, row.seriousness, row.serious_criterion) == (
            "moderate", "non_serious", None,
        )  # fmt: skip
        assert (row.relatedness, row.outcome) == ("unlikely", "ongoing")
        assert await uow.adverse_events.list_unreviewed() == []


async def test_the_csv_export_has_the_columns_and_no_identifiers(app: App):
    patient = await at_risk(app)
    await helper(app)
    (alert_id,) = await alert_ids(app, patient)
    await desk(app).press(HELPER, f"res:{alert_id}:safe", "tg:res")
    async with app.uow() as uow:
        person = await uow.patients.get(patient.pid)
        assert person is not None
        buffer = io.StringIO()
        assert await write_events(uow, buffer) == 1
    text = buffer.getvalue()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["pseudonym"] == person.pseudonym
    assert (rows[0]["trigger"], rows[0]["linked_alerts"]) == ("phq9_item9", "1")
    assert rows[0]["resolution"] == "safe"
    assert rows[0]["severity"] == ""  # not reviewed yet
    for identifier in (NAME, str(patient.external_id), "patient_id"):
        assert identifier not in text


async def test_an_open_alert_stays_actionable_after_forget(app: App):
    patient = await at_risk(app)
    await helper(app)
    (alert_id,) = await alert_ids(app, patient)
    async with app.uow() as uow:
        person = await uow.patients.get(patient.pid)
        assert person is not None
        pseudonym = person.pseudonym
    await patient.command("forget")
    await patient.tap("Yes")
    await patient.type("delete ")
    async with app.uow() as uow:
        assert await uow.patients.get(patient.pid) is None
    assert app.staff is not None
    await app.staff.watch.digest()
    digest = next(t for t in await staff_texts(app) if "Daily digest" in t)
    assert "<b>Unresolved alerts</b>" in digest
    assert f"{pseudonym} · #{alert_id} phq9 item9 · open, not acknowledged" in digest
    await desk(app).resolve_command(HELPER, None, f"{alert_id} safe {NOTE}", "tg:res")
    async with app.uow() as uow:
        alert = await uow.alerts.get(alert_id)
        assert alert is not None
        assert (alert.status, alert.resolved_by, alert.pseudonym) == ("resolved", "Hana", pseudonym)
        assert alert.resolution_note_enc is None  # nothing typed about a forgotten person is kept
        (event,) = [e for e in await uow.adverse_events.list_unreviewed() if e.id]
        assert (event.patient_id, event.pseudonym) == (None, pseudonym)
        entries = await uow.audit.list()
    assert all(e.target != pseudonym for e in entries)  # the audit log still names nobody
    assert any("the note is not" in t for t in await staff_texts(app))


def test_daybreak_safety_export_writes_the_file_and_a_dictionary(tmp_path: Path):
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path / 'daybreak.db'}"
    key = generate_key()

    async def prepare() -> str:
        async with running_app(staffed(url, key), FrozenClock()) as built:
            patient = await at_risk(built)
            async with built.uow() as uow:
                person = await uow.patients.get(patient.pid)
                assert person is not None
                return person.pseudonym

    pseudonym = asyncio.run(prepare())
    out, dictionary = tmp_path / "ae.csv", tmp_path / "ae_dictionary.csv"
    env = {
        "DAYBREAK_DATABASE__URL": url, "DAYBREAK_SECURITY__DATA_KEY": key,
        "DAYBREAK_TELEGRAM__STAFF_CHAT_ID": str(STAFF_CHAT),
    }  # fmt: skip
    result = CliRunner().invoke(
        main, ["safety", "export", "--output", str(out), "--dictionary", str(dictionary)], env=env
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["pseudonym"], r["trigger"], r["resolution"]) for r in rows] == [
        (pseudonym, "phq9_item9", "unresolved")
    ]
    described = csv.DictReader(io.StringIO(dictionary.read_text(encoding="utf-8")))
    fields = [r["Variable / Field Name"] for r in described]
    assert tuple(fields) == COLUMNS
    assert NAME not in out.read_text(encoding="utf-8")
