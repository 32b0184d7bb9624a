"""The erasure tombstones table: keyed marks of forgotten patients (see storage.erasure_log)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.erasure_log import ErasureLog, tombstone_mark
from storage.models import ErasureTombstone, Patient
from storage.repositories.base import Clock, EncryptedRepository, utcnow


class TombstoneRepository(EncryptedRepository):
    """Marks that keep forgotten patients forgotten, in the table and (when set) the side file."""

    def __init__(
        self,
        session: AsyncSession,
        cipher: FieldCipher,
        clock: Clock = utcnow,
        erasure_log: ErasureLog | None = None,
    ) -> None:
        """Bind to one session, the cipher (its index key makes the marks) and the side file."""
        super().__init__(session, cipher, clock)
        self.erasure_log = erasure_log

    async def record(self, patient: Patient) -> str:
        """Leave the tombstone of a patient being erased in this transaction; return its mark."""
        mark = tombstone_mark(self.cipher, patient.id, patient.pseudonym)
        # The file first: if the commit then fails, a restore would erase someone who asked to
        # be forgotten, never bring back someone who was.
        if self.erasure_log is not None:
            self.erasure_log.append([mark])
        await self.keep({mark})
        return mark

    async def keep(self, marks: set[str]) -> None:
        """Add marks the table does not hold yet."""
        held = await self.marks()
        for mark in sorted(marks - held):
            self.session.add(ErasureTombstone(mark=mark, at=self.clock()))
        await self.session.flush()

    async def marks(self) -> set[str]:
        """Every mark in the table."""
        return set((await self.session.scalars(sa.select(ErasureTombstone.mark))).all())

    async def marked_patients(self, marks: set[str]) -> list[int]:
        """The ids of patient rows that one of `marks` recognises (none after a clean erasure)."""
        rows = (await self.session.execute(sa.select(Patient.id, Patient.pseudonym))).all()
        return [pid for pid, name in rows if tombstone_mark(self.cipher, pid, name) in marks]
