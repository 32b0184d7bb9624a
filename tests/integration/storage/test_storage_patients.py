"""Patients, identities, staff and topics; the unit of work commits once or not at all.

Tests taking `any_uow` run on memory too; those reading raw rows (the blind index, the
rollback check) stay SQL-only.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storage.models import MessengerIdentity, Patient
from storage.repositories.patients import PSEUDONYM_ALPHABET


async def test_create_patient_with_unique_readable_pseudonym(any_uow):
    uow = any_uow
    async with uow() as u:
        patients = [await u.patients.create(alias=f"Sam {n}") for n in range(30)]
        await u.commit()
    pseudonyms = {p.pseudonym for p in patients}
    assert len(pseudonyms) == 30
    pattern = re.compile(f"^P-[{PSEUDONYM_ALPHABET}]{{4}}$")
    assert all(pattern.match(p) for p in pseudonyms)
    async with uow() as u:
        found = await u.patients.get_by_pseudonym(patients[3].pseudonym.lower())
        assert found is not None
        assert found.id == patients[3].id
        assert u.patients.alias(found) == "Sam 3"
        assert (await u.patients.get(patients[4].id)).pseudonym == patients[4].pseudonym


async def test_update_fields_and_reject_unknown(any_uow, clock):
    uow = any_uow
    async with uow() as u:
        patient = await u.patients.create(language="de", timezone="Europe/Berlin")
        await u.patients.update(patient, care_mode="guided", preferred_time="07:30")
        await u.patients.set_alias(patient, "Kim")
        await u.patients.touch(patient)
        with pytest.raises(TypeError):
            await u.patients.update(patient, pseudonym="P-AAAA")
        await u.commit()
    async with uow() as u:
        again = await u.patients.get(patient.id)
        assert (again.care_mode, again.preferred_time, again.language) == ("guided", "07:30", "de")
        assert again.last_active_at == clock()
        assert again.created_at.tzinfo is not None
        assert u.patients.alias(again) == "Kim"


async def test_find_patient_by_messenger_id_through_blind_index(uow, database):
    async with uow() as u:
        patient = await u.patients.create()
        await u.identities.add(patient.id, "telegram", 987654321, chat_id=987654321)
        await u.commit()
    async with uow() as u:
        found = await u.patients.get_by_identity("telegram", "987654321")
        assert found is not None
        assert found.id == patient.id
        assert await u.identities.find_patient_id("telegram", 987654321) == patient.id
        assert await u.patients.get_by_identity("console", "987654321") is None
        assert await u.identities.chat_id(patient.id) == "987654321"
        raw = (await u._session.execute(select(MessengerIdentity))).scalar_one()
        assert b"987654321" not in raw.external_id_enc
        assert b"987654321" not in (raw.chat_id_enc or b"")
        assert "987654321" not in raw.external_id_index


async def test_same_messenger_account_cannot_belong_to_two_patients(any_uow):
    uow = any_uow
    async with uow() as u:
        first, second = await u.patients.create(), await u.patients.create()
        await u.identities.add(first.id, "telegram", 5, chat_id=5)
        await u.commit()
    async with uow() as u:
        await u.identities.add(second.id, "telegram", 6, chat_id=6)
        with pytest.raises(Exception, match=r"(?i)unique"):
            await u.identities.add(second.id, "telegram", 5, chat_id=5)


async def test_leaving_without_commit_rolls_back(uow):
    async with uow() as u:
        await u.patients.create(alias="ghost")

    async def crash():
        async with uow() as u:
            await u.patients.create(alias="ghost")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await crash()
    async with uow() as u:
        assert (await u._session.execute(select(Patient))).first() is None


async def test_list_active_in_batches(any_uow):
    uow = any_uow
    async with uow() as u:
        made = [await u.patients.create() for _ in range(7)]
        await u.patients.update(made[2], status="paused")
        await u.commit()
    async with uow() as u:
        batches = [batch async for batch in u.patients.iter_by_status("active", batch_size=3)]
        assert [len(b) for b in batches] == [3, 3]
        first = await u.patients.list_active(limit=4)
        rest = await u.patients.list_active(after_id=first[-1].id, limit=4)
    ids = [p.id for p in first + rest]
    assert ids == sorted(p.id for p in made if p.id != made[2].id)


async def test_staff_and_support_topics(any_uow):
    uow = any_uow
    async with uow() as u:
        patient = await u.patients.create()
        await u.staff.add(4242, "Helper Ana")
        await u.support_topics.set(patient.id, "staff:-1001", 77, patient.pseudonym)
        await u.commit()
    async with uow() as u:
        member = await u.staff.get_by_user("4242")
        assert member is not None
        assert member.alias == "Helper Ana"
        assert "4242" not in member.user_index
        assert await u.staff.get_by_user(1) is None
        assert await u.support_topics.patient_for_thread("staff:-1001", 77) == patient.id
        await u.support_topics.set(patient.id, "staff:-1001", 78, patient.pseudonym)
        assert await u.support_topics.patient_for_thread("staff:-1001", 77) is None
        await u.staff.deactivate(4242)
        assert await u.staff.list_active() == []
        await u.commit()


async def test_a_forum_thread_belongs_to_one_patient(any_uow):
    async with any_uow() as u:
        first, second = await u.patients.create(), await u.patients.create()
        await u.support_topics.set(first.id, "staff:-1001", 77, first.pseudonym)
        await u.commit()
    async with any_uow() as u:
        await u.support_topics.set(second.id, "staff:-1001", 78, second.pseudonym)
        with pytest.raises(Exception, match=r"(?i)unique"):
            await u.support_topics.set(second.id, "staff:-1001", 77, second.pseudonym)


async def test_touch_keeps_last_active_to_the_minute(any_uow, clock):
    uow = any_uow
    """A burst of messages writes 'last active' once; a minute later it moves on."""
    async with uow() as u:
        patient = await u.patients.create(language="en")
        await u.patients.touch(patient)
        await u.commit()
    first = clock()
    clock.advance(seconds=30)
    async with uow() as u:
        again = await u.patients.get(patient.id)
        await u.patients.touch(again)
        assert again.last_active_at == first
    clock.advance(seconds=31)
    async with uow() as u:
        again = await u.patients.get(patient.id)
        await u.patients.touch(again)
        await u.commit()
    async with uow() as u:
        assert (await u.patients.get(patient.id)).last_active_at == clock()
