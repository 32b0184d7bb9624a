"""The audit log is a keyed hash chain: any edit or removed row is found and named."""

from __future__ import annotations

import sqlalchemy as sa

from storage.audit_chain import verify_chain
from storage.crypto import FieldCipher, generate_key
from storage.models import AuditEntry, Patient
from storage.uow import UnitOfWorkFactory


async def _five_entries(uow: UnitOfWorkFactory) -> list[int]:
    async with uow() as u:
        patient = await u.patients.create(alias="Robin")
        for number in range(5):
            await u.audit.append("Helper Ana", "staff.reply", patient.pseudonym, {"n": number})
        await u.commit()
    async with uow() as u:
        return list(await u._session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)))


async def _verify(uow: UnitOfWorkFactory):
    async with uow(reading=True) as u:
        return await verify_chain(u._session, uow.cipher)


async def test_a_clean_chain_verifies(uow):
    await _five_entries(uow)
    report = await _verify(uow)
    assert report.intact
    assert report.rows == 5


async def test_an_updated_row_is_named(uow):
    ids = await _five_entries(uow)
    async with uow() as u:
        await u._session.execute(sa.text("UPDATE audit_log SET actor = 'nobody' WHERE id = :id"),
                                 {"id": ids[2]})  # fmt: skip
        await u.commit()
    report = await _verify(uow)
    assert (report.broken_row, report.rows) == (ids[2], 2)
    assert "changed" in report.reason


async def test_a_row_deleted_in_the_middle_is_found(uow):
    ids = await _five_entries(uow)
    async with uow() as u:
        await u._session.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
        await u.commit()
    report = await _verify(uow)
    assert report.broken_row == ids[2]
    assert "removed" in report.reason


async def test_a_seal_is_not_made_without_the_key(uow, database):
    """Someone re-sealing an edited row with another key is caught like any edit."""
    ids = await _five_entries(uow)
    forger = UnitOfWorkFactory(database.sessions, FieldCipher(generate_key()))
    async with forger() as u:
        await u.audit.append("intruder", "staff.reply")
        await u.commit()
    report = await _verify(uow)
    assert report.broken_row == ids[-1] + 1


async def test_the_log_names_a_reference_that_forget_unlinks_without_rewriting(uow):
    async with uow() as u:
        patient = await u.patients.create(alias="Robin")
        pid, pseudonym = patient.id, patient.pseudonym
        await u.audit.append(f"patient:{pseudonym}", "patient.paused", pseudonym)
        await u.commit()
    async with uow() as u:
        before = [(e.id, e.actor, e.target, e.row_hash) for e in await u.audit.list()]
        reference = await u._session.scalar(sa.select(Patient.audit_ref).where(Patient.id == pid))
        assert await u.privacy.delete_patient_personal_data(pid, actor=f"patient:{pseudonym}")
        await u.commit()
    assert before[0][1:3] == (f"patient:{reference}", reference)
    assert pseudonym not in repr(before)
    async with uow() as u:
        after = [(e.id, e.actor, e.target, e.row_hash) for e in await u.audit.list()]
        left = await u._session.scalar(
            sa.select(sa.func.count()).select_from(Patient).where(Patient.audit_ref == reference)
        )
    assert after[: len(before)] == before  # not one sealed row was rewritten
    assert left == 0  # nothing links the reference to anyone any more
    assert (await _verify(uow)).intact


async def test_key_rotation_is_audited(database, clock):
    first = generate_key()
    old = FieldCipher(first)
    async with UnitOfWorkFactory(database.sessions, old, clock)() as u:
        await u.patients.create(alias="Robin")
        await u.commit()
    new = FieldCipher(generate_key(), [first], index_key=first)
    rotating = UnitOfWorkFactory(database.sessions, new, clock)
    await rotating.rotate_keys()
    async with rotating() as u:
        rotated = [e for e in await u.audit.list() if e.action == "keys.rotated"]
    assert [(e.actor, e.detail["active_key_id"]) for e in rotated] == [
        ("operator", new.active_key_id.hex())
    ]
    async with rotating(reading=True) as u:
        assert (await verify_chain(u._session, new)).intact  # rotation leaves the chain whole
