"""In-memory patients and their messenger identities."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from typing import Any

from bot.care import ports
from bot.care.ports import Identity
from storage.memory.repositories import MemoryRepository
from storage.memory.store import Workspace
from storage.models import MessengerIdentity, Patient
from storage.repositories import Clock
from storage.repositories.patients import ACTIVE_RESOLUTION, PatientLocks, new_pseudonym

# The same fields the SQL repository lets callers set.
UPDATABLE = {
    "language",
    "timezone",
    "preferred_time",
    "care_mode",
    "status",
    "last_active_at",
    "study_site",
    "daily_checkin",
}


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise TypeError(f"not updatable patient fields: {sorted(unknown)}")


def _seal(value: str | None) -> bytes | None:
    # Memory keeps no data at rest, so "sealed" text is only encoded.
    return None if value is None else value.encode()


def _open(token: bytes | None) -> str | None:
    return None if token is None else token.decode()


class MemoryPatientRepository(MemoryRepository):
    """Create, find and update patients."""

    def __init__(self, workspace: Workspace, clock: Clock) -> None:
        """Bind to one unit of work's rows and a clock."""
        super().__init__(workspace, clock)
        self._locks = PatientLocks()

    def _all(self) -> list[Patient]:
        rows = self.workspace.table(Patient.__tablename__).values()
        return sorted((r for r in rows if isinstance(r, Patient)), key=lambda r: r.id)

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
        values: dict[str, Any] = {
            "care_mode": None,
            "last_active_at": None,
            "study_site": None,
            "status": "active",
            "daily_checkin": False,
            **fields,
        }
        return self.workspace.insert(
            Patient,
            pseudonym=self._unused_pseudonym(),
            alias_enc=_seal(alias),
            language=language,
            timezone=timezone,
            preferred_time=preferred_time,
            created_at=self.clock(),
            **values,
        )

    def _unused_pseudonym(self) -> str:
        taken = {p.pseudonym for p in self._all()}
        for _ in range(50):
            candidate = new_pseudonym()
            if candidate not in taken:
                return candidate
        raise RuntimeError("could not find an unused pseudonym; widen PSEUDONYM_LENGTH")

    async def get(self, patient_id: int) -> Patient | None:
        """Return the patient with this id."""
        row = self.workspace.table(Patient.__tablename__).get(patient_id)
        return row if isinstance(row, Patient) else None

    async def lock(self, patient_id: int, *, wait: bool = True) -> bool:
        """Nothing to hold: memory's units of work that write take turns; the order is checked."""
        self._locks.take(patient_id)
        return True

    async def get_by_pseudonym(self, pseudonym: str) -> Patient | None:
        """Return the patient with this pseudonym (case-insensitive input)."""
        wanted = pseudonym.strip().upper()
        return next((p for p in self._all() if p.pseudonym == wanted), None)

    async def get_by_identity(self, messenger: str, external_id: str | int) -> Patient | None:
        """Return the patient behind a messenger account."""
        found = _find(self, messenger, external_id)
        return None if found is None else await self.get(found)

    async def update(self, patient: ports.Patient, **fields: Any) -> ports.Patient:
        """Set plain fields (language, timezone, status, ...) on a patient."""
        _check_fields(fields)
        for name, value in fields.items():
            setattr(patient, name, value)
        return patient

    def alias(self, patient: ports.Patient) -> str | None:
        """Return the patient's alias."""
        return _open(patient.alias_enc)

    async def set_alias(self, patient: ports.Patient, alias: str | None) -> None:
        """Store the name the patient wants to be called."""
        patient.alias_enc = _seal(alias)

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
            batch = [p for p in self._all() if p.status == status and p.id > last_id]
            batch = batch[:batch_size]
            if not batch:
                return
            yield batch
            last_id = batch[-1].id

    async def list_active(self, after_id: int = 0, limit: int = 500) -> list[Patient]:
        """Return up to `limit` active patients with id > after_id, in id order."""
        return [p for p in self._all() if p.status == "active" and p.id > after_id][:limit]


def _identities(repository: MemoryRepository) -> list[MessengerIdentity]:
    rows = repository.workspace.table(MessengerIdentity.__tablename__).values()
    return sorted((r for r in rows if isinstance(r, MessengerIdentity)), key=lambda r: r.id)


def _find(repository: MemoryRepository, messenger: str, external_id: str | int) -> int | None:
    index = _index(messenger, external_id)
    found = (
        i.patient_id
        for i in _identities(repository)
        if i.messenger == messenger and i.external_id_index == index
    )
    return next(found, None)


def _index(messenger: str, external_id: str | int) -> str:
    return f"{messenger}:{external_id}"


class MemoryIdentityRepository(MemoryRepository):
    """Messenger accounts linked to patients."""

    async def add(
        self, patient_id: int, messenger: str, external_id: str | int, chat_id: str | int | None
    ) -> None:
        """Link a messenger account (and its chat) to a patient."""
        if _find(self, messenger, external_id) is not None:
            raise ValueError("not unique: this messenger account is linked already")
        self.workspace.insert(
            MessengerIdentity,
            patient_id=patient_id,
            messenger=messenger,
            external_id_enc=str(external_id).encode(),
            external_id_index=self.index(messenger, external_id),
            chat_id_enc=_seal(None if chat_id is None else str(chat_id)),
            created_at=self.clock(),
        )

    def index(self, messenger: str, external_id: str | int) -> str:
        """Return the lookup key for one messenger account."""
        return _index(messenger, external_id)

    async def find_patient_id(self, messenger: str, external_id: str | int) -> int | None:
        """Return the id of the patient using this messenger account."""
        return _find(self, messenger, external_id)

    async def for_patient(self, patient_id: int, messenger: str | None = None) -> list[Identity]:
        """Return a patient's identities."""
        return [
            Identity(
                patient_id=row.patient_id,
                messenger=row.messenger,
                external_id=row.external_id_enc.decode(),
                chat_id=_open(row.chat_id_enc),
            )
            for row in _identities(self)
            if row.patient_id == patient_id and (messenger is None or row.messenger == messenger)
        ]

    async def chat_id(self, patient_id: int, messenger: str = "telegram") -> str | None:
        """Return the chat to send a patient's messages to."""
        identities = await self.for_patient(patient_id, messenger)
        return identities[0].chat_id if identities else None

    async def chat_ids(
        self, patient_ids: Iterable[int], messenger: str = "telegram"
    ) -> dict[int, str]:
        """The chat of each of these patients that has one (the first identity wins)."""
        found: dict[int, str] = {}
        for patient_id in set(patient_ids):
            chat = await self.chat_id(patient_id, messenger)
            if chat:
                found[patient_id] = chat
        return found
