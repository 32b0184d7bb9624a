"""Key rotation re-encrypts in committed batches and can be resumed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.crypto import FieldCipher, generate_key
from storage.models import Answer
from storage.rotation import rotate_keys
from storage.uow import UnitOfWork


class FlakyCipher(FieldCipher):
    """A cipher that fails after a number of re-encryptions, like a crash mid-rotation."""

    def __init__(self, *args, fail_after, **kwargs):
        super().__init__(*args, **kwargs)
        self.left = fail_after

    def reencrypt(self, token, purpose):
        if self.left == 0:
            raise RuntimeError("power cut")
        self.left -= 1
        return super().reencrypt(token, purpose)


async def test_rotation_is_resumable_and_keeps_lookups(database, clock):
    old = generate_key()
    before = FieldCipher(old, index_key=old)
    async with UnitOfWork(database.sessions, before, clock) as u:
        for n in range(12):
            patient = await u.patients.create(alias=f"alias {n}")
            await u.identities.add(patient.id, "telegram", 1000 + n, chat_id=1000 + n)
            await u.answers.add(
                patient.id, flow_id="f", question="q", value=f"text {n}", is_free_text=True
            )
        await u.commit()

    new = generate_key()
    flaky = FlakyCipher(new, [old], index_key=old, fail_after=7)
    with pytest.raises(RuntimeError, match="power cut"):
        await rotate_keys(database.sessions, flaky, batch_size=5)
    after = FieldCipher(new, [old], index_key=old)
    async with UnitOfWork(database.sessions, after, clock) as u:
        tokens = (await u._session.execute(select(Answer.value_enc))).scalars().all()
    # Patients come first: one full batch of 5 was committed before the crash.
    first = await rotate_keys(database.sessions, after, batch_size=5)
    assert 0 < first < 12 * 3
    assert await rotate_keys(database.sessions, after, batch_size=5) == 0
    assert not any(after.is_current(t) for t in tokens)

    only_new = FieldCipher(new, index_key=old)
    async with UnitOfWork(database.sessions, only_new, clock) as u:
        found = await u.patients.get_by_identity("telegram", 1003)
        assert u.patients.alias(found) == "alias 3"
        assert [a.value for a in await u.answers.list_for_patient(found.id)] == ["text 3"]
        assert await u.identities.chat_id(found.id) == "1003"


async def test_rotation_repairs_blind_indexes_when_the_index_key_changed(database, clock):
    old, new = generate_key(), generate_key()
    async with UnitOfWork(database.sessions, FieldCipher(old), clock) as u:
        patient = await u.patients.create()
        await u.identities.add(patient.id, "telegram", 555, chat_id=555)
        await u.commit()
    # No stable index key configured: the index key follows the active key and changes.
    rotated = FieldCipher(new, [old])
    async with UnitOfWork(database.sessions, rotated, clock) as u:
        assert await u.patients.get_by_identity("telegram", 555) is None
    assert await rotate_keys(database.sessions, rotated) == 2  # identity ciphertexts + index
    async with UnitOfWork(database.sessions, FieldCipher(new), clock) as u:
        assert (await u.patients.get_by_identity("telegram", 555)).id == patient.id


def test_unpadded_keys_are_accepted():
    key = generate_key()
    assert FieldCipher(key.rstrip("=")).active_key_id == FieldCipher(key).active_key_id
