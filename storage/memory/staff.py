"""In-memory staff members and the patient <-> forum topic map."""

from __future__ import annotations

import hashlib

from storage.memory.repositories import MemoryRepository
from storage.memory.tables import add, delete, rows
from storage.models import StaffMember, StaffTopic, SupportTopic
from storage.repositories.staff import STAFF_USER


class MemoryStaffRepository(MemoryRepository):
    """Helpers, found by an index of their Telegram user id."""

    def index(self, user_id: str | int) -> str:
        """Return the index of a staff member's user id (opaque, like the SQL blind index)."""
        return hashlib.sha256(f"{STAFF_USER}:{user_id}".encode()).hexdigest()

    async def add(self, user_id: str | int, alias: str) -> StaffMember:
        """Register a helper (or update their alias and reactivate them)."""
        member = await self.get_by_user(user_id, include_inactive=True)
        if member is None:
            member = add(
                self.workspace,
                StaffMember,
                user_index=self.index(user_id),
                alias=alias,
                active=True,
                created_at=self.clock(),
            )
        member.alias, member.active = alias, True
        return member

    async def get_by_user(
        self, user_id: str | int, *, include_inactive: bool = False
    ) -> StaffMember | None:
        """Return the helper with this Telegram user id."""
        index = self.index(user_id)
        found = (
            m
            for m in rows(self.workspace, StaffMember)
            if m.user_index == index and (include_inactive or m.active)
        )
        return next(found, None)

    async def deactivate(self, user_id: str | int) -> None:
        """Stop treating this user as staff."""
        member = await self.get_by_user(user_id)
        if member is not None:
            member.active = False

    async def list_active(self) -> list[StaffMember]:
        """Return active helpers."""
        return [m for m in rows(self.workspace, StaffMember) if m.active]


class MemorySupportTopicRepository(MemoryRepository):
    """Which forum topic belongs to which patient (Telegram cannot list topics)."""

    async def get_for_patient(self, patient_id: int, staff_chat_key: str) -> SupportTopic | None:
        """Return the patient's topic in a staff chat."""
        found = (
            t
            for t in rows(self.workspace, SupportTopic)
            if t.patient_id == patient_id and t.staff_chat_key == staff_chat_key
        )
        return next(found, None)

    async def patient_for_thread(self, staff_chat_key: str, thread_id: int) -> int | None:
        """Return the patient whose topic this thread is."""
        found = (
            t.patient_id
            for t in rows(self.workspace, SupportTopic)
            if t.staff_chat_key == staff_chat_key and t.thread_id == thread_id
        )
        return next(found, None)

    async def set(
        self, patient_id: int, staff_chat_key: str, thread_id: int, name: str
    ) -> SupportTopic:
        """Record (or replace, after a topic was deleted) a patient's topic."""
        owner = await self.patient_for_thread(staff_chat_key, thread_id)
        if owner is not None and owner != patient_id:
            raise ValueError("not unique: this thread is another patient's topic")
        topic = await self.get_for_patient(patient_id, staff_chat_key)
        if topic is None:
            topic = add(
                self.workspace,
                SupportTopic,
                patient_id=patient_id,
                staff_chat_key=staff_chat_key,
                thread_id=thread_id,
                name=name,
                created_at=self.clock(),
            )
        topic.thread_id, topic.name, topic.created_at = thread_id, name, self.clock()
        return topic

    async def delete(self, patient_id: int, staff_chat_key: str) -> None:
        """Forget a patient's topic (e.g. 'message thread not found')."""
        topic = await self.get_for_patient(patient_id, staff_chat_key)
        if topic is not None:
            delete(self.workspace, SupportTopic, topic.id)

    def _purpose(self, staff_chat_key: str, purpose: str) -> StaffTopic | None:
        found = (
            t
            for t in rows(self.workspace, StaffTopic)
            if t.staff_chat_key == staff_chat_key and t.purpose == purpose
        )
        return next(found, None)

    async def get_purpose(self, staff_chat_key: str, purpose: str) -> int | None:
        """Return the thread of a topic kept for a purpose ("alerts", "digest")."""
        topic = self._purpose(staff_chat_key, purpose)
        return None if topic is None else topic.thread_id

    async def set_purpose(self, staff_chat_key: str, purpose: str, thread_id: int) -> None:
        """Record (or replace) the topic kept for a purpose."""
        topic = self._purpose(staff_chat_key, purpose) or add(
            self.workspace,
            StaffTopic,
            staff_chat_key=staff_chat_key,
            purpose=purpose,
            thread_id=thread_id,
            created_at=self.clock(),
        )
        topic.thread_id, topic.created_at = thread_id, self.clock()

    async def rename(self, patient_id: int, staff_chat_key: str, name: str) -> None:
        """Remember a patient's topic's new name."""
        topic = await self.get_for_patient(patient_id, staff_chat_key)
        if topic is not None:
            topic.name = name

    async def delete_purpose(self, staff_chat_key: str, purpose: str) -> None:
        """Forget the topic kept for a purpose (it was deleted by hand)."""
        topic = self._purpose(staff_chat_key, purpose)
        if topic is not None:
            delete(self.workspace, StaffTopic, topic.id)
