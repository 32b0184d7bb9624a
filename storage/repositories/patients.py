"""Patients and their messenger identities."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.care import ports
from bot.care.ports import Identity
from storage.crypto import FieldCipher
from storage.models import MessengerIdentity, Patient
from storage.repositories.base import Clock, EncryptedRepository, utcnow

# No 0/O, 1/I/L: pseudonyms are read aloud and typed by staff.
PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PSEUDONYM_LENGTH = 4
ALIAS = "patients.alias"
EXTERNAL_ID = "identities.external_id"
CHAT_ID = "identities.chat_id"
# How finely "last active" is kept: staff see days of silence, so a minute is plenty.
ACTIVE_RESOLUTION = timedelta(minutes=1)
# Looked up for every update, so built once (building cost as much as running it).
_PATIENT_OF_ACCOUNT = sa.select(MessengerIdentity.patient_id).where(
    MessengerIdentity.messenger == sa.bindparam("messenger"),
    MessengerIdentity.external_id_index == sa.bindparam("index"),
)
_UPDATABLE = {
    "language",
    "timezone",
    "preferred_time",
    "care_mode",
    "status",
    "last_active_at",
    "study_site",
    "daily_checkin",
}


class PatientLocks:
    """The patients one unit of work holds, taken in ascending id order so none wait in a cycle."""

    def __init__(self) -> None:
        self.held: set[int] = set()

    def take(self, patient_id: int) -> bool:
        """Note a new lock (False when already held); a lower id after a higher one is a bug."""
        if patient_id in self.held:
            return False
        if self.held and patient_id < max(self.held):
            raise RuntimeError("patients must be locked in ascending id order")
        self.held.add(patient_id)
        return True


def identity_index(cipher: FieldCipher, messenger: str, external_id: str | int) -> str:
    """Return the blind index of one messenger account."""
    return cipher.blind_index(str(external_id), f"{EXTERNAL_ID}.{messenger}")


def new_pseudonym() -> str:
    """Return a random pseudonym such as 'P-7Q4K'."""
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(PSEUDONYM_LENGTH))


class PatientRepository(EncryptedRepository):
    """Create, find and update patients."""

    def __init__(
        self,
        session: AsyncSession,
        cipher: FieldCipher,
        clock: Clock = utcnow,
        *,
        writing: bool = True,
    ) -> None:
        """Bind to a session; `writing` units of work lock the patients they change."""
        super().__init__(session, cipher, clock)
        self._writing = writing
        self._locks = PatientLocks()

    async def create(
        self,
        *,
        alias: str | None = None,
        language: str = "en",
        timezone: str = "UTC",
        preferred_time: str = "09:00",
        **fields: Any,
    ) -> Patient:
        """Create a patient with a fresh unique pseudonym."""
        _check_fields(fields)
        patient = Patient(
            pseudonym=await self._unused_pseudonym(),
            alias_enc=self.seal(alias, ALIAS),
            language=language,
            timezone=timezone,
            preferred_time=preferred_time,
            status=fields.pop("status", "active"),
            daily_checkin=fields.pop("daily_checkin", False),
            created_at=self.clock(),
            **fields,
        )
        self.session.add(patient)
        await self.session.flush()
        return patient

    async def _unused_pseudonym(self) -> str:
        # 31^4 ≈ 923k names: collisions are rare but real, so draw until unused. A concurrent
        # insert of the same name still fails on the unique constraint rather than merging.
        for _ in range(50):
            candidate = new_pseudonym()
            taken = await self.session.scalar(
                sa.select(Patient.id).where(Patient.pseudonym == candidate)
            )
            if taken is None:
                return candidate
        raise RuntimeError("could not find an unused pseudonym; widen PSEUDONYM_LENGTH")

    async def get(self, patient_id: int) -> Patient | None:
        """Return the patient with this id."""
        return await self.session.get(Patient, patient_id)

    async def lock(self, patient_id: int, *, wait: bool = True) -> bool:
        """Make this unit of work the patient's one writer until it ends; False if busy.

        PostgreSQL holds the patient's row (FOR NO KEY UPDATE, which still lets other
        transactions insert rows that refer to the patient) until commit or rollback. SQLite
        needs nothing: its units of work that write take turns (`SingleWriter`).
        """
        if not self._writing or self.dialect_name != "postgresql":
            return True
        if patient_id in self._locks.held:
            return True
        stmt = (
            sa.select(Patient.id)
            .where(Patient.id == patient_id)
            .with_for_update(key_share=True, skip_locked=not wait)
        )
        held = await self.session.scalar(stmt)
        if held is None and not wait and await self._exists(patient_id):
            return False  # skipped: another unit of work holds the patient
        self._locks.take(patient_id)
        return True

    def forget_locks(self) -> None:
        """The transaction ended (commit or rollback), and with it every lock it held."""
        self._locks = PatientLocks()

    async def _exists(self, patient_id: int) -> bool:
        stmt = sa.select(Patient.id).where(Patient.id == patient_id)
        return await self.session.scalar(stmt) is not None

    async def get_by_pseudonym(self, pseudonym: str) -> Patient | None:
        """Return the patient with this pseudonym (case-insensitive input)."""
        stmt = sa.select(Patient).where(Patient.pseudonym == pseudonym.strip().upper())
        return await self.session.scalar(stmt)

    async def get_by_identity(self, messenger: str, external_id: str | int) -> Patient | None:
        """Return the patient behind a messenger account, found by blind index."""
        index = identity_index(self.cipher, messenger, external_id)
        stmt = (
            sa.select(Patient)
            .join(MessengerIdentity, MessengerIdentity.patient_id == Patient.id)
            .where(
                MessengerIdentity.messenger == messenger,
                MessengerIdentity.external_id_index == index,
            )
        )
        return await self.session.scalar(stmt)

    async def update(self, patient: ports.Patient, **fields: Any) -> ports.Patient:
        """Set plain fields (language, timezone, status, ...) on a patient."""
        _check_fields(fields)
        for name, value in fields.items():
            setattr(patient, name, value)
        await self.session.flush()
        return patient

    def alias(self, patient: ports.Patient) -> str | None:
        """Return the patient's decrypted alias."""
        return self.open(patient.alias_enc, ALIAS)

    async def set_alias(self, patient: ports.Patient, alias: str | None) -> None:
        """Encrypt and store the name the patient wants to be called."""
        patient.alias_enc = self.seal(alias, ALIAS)
        await self.session.flush()

    async def touch(self, patient: ports.Patient) -> None:
        """Record that the patient was active now (to the minute: one write, not one a message)."""
        now = self.clock()
        last = patient.last_active_at
        if last is None or not timedelta(0) <= now - last < ACTIVE_RESOLUTION:
            patient.last_active_at = now

    async def iter_by_status(
        self, status: str = "active", batch_size: int = 500
    ) -> AsyncIterator[list[Patient]]:
        """Yield patients with a status in id order, a batch at a time."""
        last_id = 0
        while True:
            stmt = (
                sa.select(Patient)
                .where(Patient.status == status, Patient.id > last_id)
                .order_by(Patient.id)
                .limit(batch_size)
            )
            batch = list((await self.session.scalars(stmt)).all())
            if not batch:
                return
            yield batch
            last_id = batch[-1].id

    async def list_active(self, after_id: int = 0, limit: int = 500) -> list[Patient]:
        """Return up to `limit` active patients with id > after_id, in id order."""
        stmt = (
            sa.select(Patient)
            .where(Patient.status == "active", Patient.id > after_id)
            .order_by(Patient.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"not updatable patient fields: {sorted(unknown)}")


class IdentityRepository(EncryptedRepository):
    """Messenger accounts linked to patients."""

    async def add(
        self, patient_id: int, messenger: str, external_id: str | int, chat_id: str | int | None
    ) -> None:
        """Link a messenger account (and its chat) to a patient."""
        self.session.add(
            MessengerIdentity(
                patient_id=patient_id,
                messenger=messenger,
                external_id_enc=self.cipher.encrypt_text(str(external_id), EXTERNAL_ID),
                external_id_index=self.index(messenger, external_id),
                chat_id_enc=self.seal(None if chat_id is None else str(chat_id), CHAT_ID),
                created_at=self.clock(),
            )
        )
        await self.session.flush()

    def index(self, messenger: str, external_id: str | int) -> str:
        """Return the blind index for one messenger account."""
        return identity_index(self.cipher, messenger, external_id)

    async def find_patient_id(self, messenger: str, external_id: str | int) -> int | None:
        """Return the id of the patient using this messenger account."""
        found = {"messenger": messenger, "index": self.index(messenger, external_id)}
        return await self.session.scalar(_PATIENT_OF_ACCOUNT, found)

    async def for_patient(self, patient_id: int, messenger: str | None = None) -> list[Identity]:
        """Return a patient's identities, decrypted."""
        stmt = sa.select(MessengerIdentity).where(MessengerIdentity.patient_id == patient_id)
        if messenger is not None:
            stmt = stmt.where(MessengerIdentity.messenger == messenger)
        rows = (await self.session.scalars(stmt.order_by(MessengerIdentity.id))).all()
        return [
            Identity(
                patient_id=row.patient_id,
                messenger=row.messenger,
                external_id=self.cipher.decrypt_text(row.external_id_enc, EXTERNAL_ID),
                chat_id=self.open(row.chat_id_enc, CHAT_ID),
            )
            for row in rows
        ]

    async def chat_id(self, patient_id: int, messenger: str = "telegram") -> str | None:
        """Return the chat to send a patient's messages to."""
        identities = await self.for_patient(patient_id, messenger)
        return identities[0].chat_id if identities else None

    async def chat_ids(
        self, patient_ids: Iterable[int], messenger: str = "telegram"
    ) -> dict[int, str]:
        """The chat of each of these patients that has one (as `chat_id`, in one query)."""
        wanted = set(patient_ids)
        if not wanted:
            return {}
        stmt = (
            sa.select(MessengerIdentity.patient_id, MessengerIdentity.chat_id_enc)
            .where(MessengerIdentity.patient_id.in_(wanted))
            .where(MessengerIdentity.messenger == messenger)
            .order_by(MessengerIdentity.id.desc())  # the first identity wins, as in chat_id
        )
        found: dict[int, str] = {}
        for patient_id, sealed in (await self.session.execute(stmt)).all():
            chat = self.open(sealed, CHAT_ID)
            if chat:
                found[patient_id] = chat
            else:
                found.pop(patient_id, None)
        return found
