"""Alerts with a life cycle and the graded adverse-event log; migration 0007.

Tests taking `any_uow` run on memory too; the stored note's ciphertext and the migration are
SQL-only.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from storage.migrate import alembic_config, upgrade_engine
from storage.models import AdverseEvent, Alert
from storage.repositories import Grade

NOTE = "Rang her sister at the harbour flat, all calm now"
GRADE = Grade("moderate", "non_serious", None, "possibly", "expected", "resolved")


async def _patient(uow) -> tuple[int, str]:
    async with uow() as u:
        patient = await u.patients.create(alias="Robin Example")
        await u.commit()
    return patient.id, patient.pseudonym


async def test_an_alert_and_the_pathway_share_one_event_and_later_alerts_join_it(any_uow):
    uow = any_uow
    pid, pseudonym = await _patient(uow)
    async with uow() as u:
        event = await u.adverse_events.for_alert(pid, "crisis_language", {"source": "free_text"})
        first = await u.alerts.open(pid, "crisis_language", "urgent", adverse_event_id=event.id)
        same = await u.adverse_events.pathway_started(pid, "crisis_language", {})
        await u.commit()
    assert same.id == event.id
    async with uow() as u:  # a later unit of work: the unresolved alert keeps the event going
        later = await u.adverse_events.for_alert(pid, "patient_not_safe")
        await u.alerts.open(pid, "patient_not_safe", "urgent", adverse_event_id=later.id)
        assert await u.alerts.unresolved_for(pid)
        await u.commit()
    assert later.id == event.id
    async with uow() as u:
        events = await u.adverse_events.list_for_patient(pid)
        assert [(e.trigger, e.response, e.pseudonym) for e in events] == [
            ("crisis_language", "safety_pathway_started", pseudonym)
        ]
        linked = await u.alerts.list_for_event(event.id)
        assert [a.reason for a in linked] == ["crisis_language", "patient_not_safe"]
        assert linked[0].id == first.id


async def test_a_rule_alert_before_the_pathway_is_named_by_the_pathways_trigger(any_uow):
    uow = any_uow
    pid, _ = await _patient(uow)
    async with uow() as u:
        event = await u.adverse_events.for_alert(pid, "phq9_severe", {"total": 22})
        await u.alerts.open(pid, "phq9_severe", "warning", adverse_event_id=event.id)
        await u.adverse_events.pathway_started(pid, "severe_score", {"instrument": "phq9"})
        await u.commit()
    async with uow() as u:
        (row,) = await u.adverse_events.list_for_patient(pid)
    assert (row.trigger, row.response) == ("severe_score", "safety_pathway_started")
    assert row.detail == {"total": 22, "instrument": "phq9"}


async def test_acknowledge_then_resolve_with_a_note(any_uow):
    uow = any_uow
    pid, _ = await _patient(uow)
    async with uow() as u:
        event = await u.adverse_events.for_alert(pid, "phq9_item9")
        alert = await u.alerts.open(pid, "phq9_item9", "urgent", adverse_event_id=event.id)
        await u.commit()
    async with uow() as u:
        assert await u.alerts.acknowledge(alert.id, "Hana")
        assert await u.alerts.unresolved_for(pid)  # acknowledged is not resolved
        assert [a.id for a in await u.alerts.list_unresolved()] == [alert.id]
        assert await u.alerts.resolve(alert.id, "Hana", "safe", NOTE)
        assert not await u.alerts.resolve(alert.id, "Milo", "false_alarm")  # once only
        await u.commit()
    async with uow() as u:
        row = await u.alerts.get(alert.id)
        assert row is not None
        assert (row.status, row.resolved_by, row.resolution) == ("resolved", "Hana", "safe")
        assert row.acknowledged_by == "Hana"
        assert u.alerts.note(row) == NOTE
        assert not await u.alerts.unresolved_for(pid)
        assert await u.alerts.list_unresolved() == []


async def test_the_note_is_encrypted(uow):
    """SQL-only: it reads the stored ciphertext."""
    pid, _ = await _patient(uow)
    async with uow() as u:
        alert = await u.alerts.open(pid, "phq9_item9", "urgent")
        assert await u.alerts.resolve(alert.id, "Hana", "safe", NOTE)
        await u.commit()
    async with uow() as u:
        stored = await u._session.scalar(sa.select(Alert.resolution_note_enc))
    assert NOTE.encode() not in bytes(stored)


async def test_resolving_an_open_alert_acknowledges_it_too(any_uow):
    uow = any_uow
    pid, _ = await _patient(uow)
    async with uow() as u:
        alert = await u.alerts.open(pid, "deterioration", "urgent")
        assert await u.alerts.resolve(alert.id, "Hana", "unreachable")
        row = await u.alerts.get(alert.id)
    assert row is not None
    assert (row.acknowledged_by, row.resolved_by, row.status) == ("Hana", "Hana", "resolved")
    assert row.acknowledged_at == row.resolved_at


async def test_only_alerts_of_a_safety_event_count_as_unresolved_safety_alerts(any_uow):
    uow = any_uow
    pid, _ = await _patient(uow)
    async with uow() as u:
        await u.alerts.open(pid, "behind_schedule", "info", {"module": 2})
        assert not await u.alerts.unresolved_for(pid)
        assert await u.alerts.count_unresolved(pid) == 1


async def test_grading_and_the_export_summary(any_uow):
    uow = any_uow
    pid, pseudonym = await _patient(uow)
    async with uow() as u:
        event = await u.adverse_events.for_alert(pid, "crisis_language")
        one = await u.alerts.open(pid, "crisis_language", "urgent", adverse_event_id=event.id)
        two = await u.alerts.open(pid, "patient_not_safe", "urgent", adverse_event_id=event.id)
        await u.commit()
    async with uow() as u:
        assert [e.id for e in await u.adverse_events.list_unreviewed()] == [event.id]
        await u.alerts.resolve(one.id, "Hana", "referred")
        (summary,) = await u.adverse_events.export()
        assert (summary.alerts, summary.resolution) == (2, "unresolved")
        await u.alerts.resolve(two.id, "Hana", "emergency")
        graded = await u.adverse_events.grade(event.id, GRADE, "Hana")
        assert graded is not None
        assert await u.adverse_events.grade(999_999, GRADE, "Hana") is None
        await u.commit()
    async with uow() as u:
        (summary,) = await u.adverse_events.export()
        assert await u.adverse_events.list_unreviewed() == []
    row = summary.event
    assert (row.severity, row.seriousness, row.serious_criterion) == (
        "moderate",
        "non_serious",
        None,
    )
    assert (row.relatedness, row.expectedness, row.outcome) == ("possibly", "expected", "resolved")
    assert (row.reviewer, row.pseudonym) == ("Hana", pseudonym)
    assert row.reviewed_at is not None
    assert (summary.alerts, summary.resolution) == (2, "referred|emergency")
    assert summary.resolved_at is not None


async def test_forget_keeps_the_alert_actionable_under_its_pseudonym(any_uow):
    uow = any_uow
    pid, pseudonym = await _patient(uow)
    async with uow() as u:
        event = await u.adverse_events.for_alert(pid, "crisis_language", {"source": "free_text"})
        alert = await u.alerts.open(
            pid, "crisis_language", "urgent", {"x": 1}, adverse_event_id=event.id
        )
        await u.alerts.set_note(alert.id, NOTE)
        await u.commit()
    async with uow() as u:
        assert await u.privacy.delete_patient_personal_data(pid, actor="patient")
        await u.commit()
    async with uow() as u:
        row = await u.alerts.get(alert.id)
        logged = await u.adverse_events.get(event.id)
        assert row is not None
        assert logged is not None
        assert (row.patient_id, row.pseudonym, row.status, row.detail) == (
            None,
            pseudonym,
            "open",
            {},
        )
        assert row.resolution_note_enc is None  # a helper's words may name the person
        assert (logged.patient_id, logged.pseudonym, logged.detail) == (None, pseudonym, {})
        assert [a.id for a in await u.alerts.list_unresolved()] == [alert.id]
        assert await u.alerts.resolve(alert.id, "Hana", "unreachable")
        await u.commit()


async def test_mydata_exports_the_alert_note_decrypted(any_uow):
    uow = any_uow
    pid, _ = await _patient(uow)
    async with uow() as u:
        alert = await u.alerts.open(pid, "phq9_item9", "urgent")
        await u.alerts.resolve(alert.id, "Hana", "safe", NOTE)
        data = await u.privacy.export_patient(pid)
    json.dumps(data)
    assert data["alerts"][0]["resolution_note"] == NOTE
    assert "resolution_note_enc" not in data["alerts"][0]


async def test_migration_0007_up_and_down_keeps_the_rows(database):
    """Down to 0006 and up again: the old log's alert links and pseudonyms are filled in."""

    def run(connection, revision: str, up: bool) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        (command.upgrade if up else command.downgrade)(cfg, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run, "0006", False)
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("alerts")}
        )
        assert "resolution" not in columns
        assert "adverse_event_id" not in columns
        now = "2026-01-05 09:00:00"
        await connection.execute(
            text(
                "INSERT INTO patients (id, pseudonym, language, timezone, preferred_time, status, "
                "created_at, daily_checkin) VALUES (1, 'P-ABCD', 'en', 'UTC', '09:00', 'active', "
                f"'{now}', false)"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO alerts (id, patient_id, reason, level, detail, status, created_at) "
                f"VALUES (7, 1, 'phq9_item9', 'urgent', '{{}}', 'open', '{now}')"
            )
        )
        await connection.execute(
            text(
                'INSERT INTO adverse_events (id, patient_id, "trigger", response, detail, at) '
                f"VALUES (3, 1, 'phq9_item9', 'alert_opened', :detail, '{now}')"
            ),
            {"detail": json.dumps({"alert_id": 7, "flow": "phq9"})},
        )
    await upgrade_engine(database.engine)
    async with database.engine.connect() as connection:
        alert = (await connection.execute(sa.select(Alert.adverse_event_id, Alert.pseudonym))).one()
        event = (await connection.execute(sa.select(AdverseEvent.pseudonym))).one()
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert tuple(alert) == (3, "P-ABCD")
    assert tuple(event) == ("P-ABCD",)
    assert version == "0011_audit_chain"
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE alerts SET status = 'resolved', resolution = 'safe'"))
        await connection.run_sync(run, "0006", False)
        status = await connection.scalar(text("SELECT status FROM alerts"))
        assert status == "closed"  # 0006 has no resolved: the nearest it knows
        await connection.run_sync(run, "head", True)
