"""Staff members and the patient <-> forum topic map."""

from __future__ import annotations

import sqlalchemy as sa

from storage.models import StaffMember, StaffTopic, SupportTopic
from storage.repositories.base import EncryptedRepository, Repository

STAFF_USER = "staff.telegram_user"


class StaffRepository(EncryptedRepository):
    """Helpers, found by a blind index of their Telegram user id."""

    def index(self, user_id: str | int) -> str:
        """Return the blind index of a staff member's user id."""
        return self.cipher.blind_index(str(user_id), STAFF_USER)

    async def add(self, user_id: str | int, alias: str) -> StaffMember:
        """Register a helper (or update their alias and reactivate them)."""
        member = await self.get_by_user(user_id, include_inactive=True)
        if member is None:
            member = StaffMember(
                user_index=self.index(user_id), alias=alias, created_at=self.clock()
            )
            self.session.add(member)
        member.alias, member.active = alias, True
        await self.session.flush()
        return member

    async def get_by_user(
        self, user_id: str | int, *, include_inactive: bool = False
    ) -> StaffMember | None:
        """Return the helper with this Telegram user id."""
        stmt = sa.select(StaffMember).where(StaffMember.user_index == self.index(user_id))
        if not include_inactive:
            stmt = stmt.where(StaffMember.active.is_(True))
        return await self.session.scalar(stmt)

    async def deactivate(self, user_id: str | int) -> None:
        """Stop treating this user as staff."""
        member = await self.get_by_user(user_id)
        if member is not None:
            member.active = False
            await self.session.flush()

    async def list_active(self) -> list[StaffMember]:
        """Return active helpers."""
        stmt = sa.select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.id)
        return list((await self.session.scalars(stmt)).all())


class SupportTopicRepository(Repository):
    """Which forum topic belongs to which patient (Telegram cannot list topics)."""

    async def get_for_patient(self, patient_id: int, staff_chat_key: str) -> SupportTopic | None:
        """Return the patient's topic in a staff chat."""
        stmt = sa.select(SupportTopic).where(
            SupportTopic.patient_id == patient_id, SupportTopic.staff_chat_key == staff_chat_key
        )
        return await self.session.scalar(stmt)

    async def patient_for_thread(self, staff_chat_key: str, thread_id: int) -> int | None:
        """Return the patient whose topic this thread is."""
        stmt = sa.select(SupportTopic.patient_id).where(
            SupportTopic.staff_chat_key == staff_chat_key, SupportTopic.thread_id == thread_id
        )
        return await self.session.scalar(stmt)

    async def set(
        self, patient_id: int, staff_chat_key: str, thread_id: int, name: str
    ) -> SupportTopic:
        """Record (or replace, after a topic was deleted) a patient's topic."""
        topic = await self.get_for_patient(patient_id, staff_chat_key)
        if topic is None:
            topic = SupportTopic(patient_id=patient_id, staff_chat_key=staff_chat_key)
            self.session.add(topic)
        topic.thread_id, topic.name, topic.created_at = thread_id, name, self.clock()
        await self.session.flush()
        return topic

    async def delete(self, patient_id: int, staff_chat_key: str) -> None:
        """Forget a patient's topic (e.g. 'message thread not found')."""
        stmt = sa.delete(SupportTopic).where(
            SupportTopic.patient_id == patient_id, SupportTopic.staff_chat_key == staff_chat_key
        )
        await self.session.execute(stmt)

    async def get_purpose(self, staff_chat_key: str, purpose: str) -> int | None:
        """Return the thread of a topic kept for a purpose ("alerts", "digest")."""
        stmt = sa.select(StaffTopic.thread_id).where(
            StaffTopic.staff_chat_key == staff_chat_key, StaffTopic.purpose == purpose
        )
        return await self.session.scalar(stmt)

    async def set_purpose(self, staff_chat_key: str, purpose: str, thread_id: int) -> None:
        """Record (or replace) the topic kept for a purpose."""
        stmt = sa.select(StaffTopic).where(
            StaffTopic.staff_chat_key == staff_chat_key, StaffTopic.purpose == purpose
        )
        topic = await self.session.scalar(stmt)
        if topic is None:
            topic = StaffTopic(staff_chat_key=staff_chat_key, purpose=purpose)
            self.session.add(topic)
        topic.thread_id, topic.created_at = thread_id, self.clock()
        await self.session.flush()

    async def rename(self, patient_id: int, staff_chat_key: str, name: str) -> None:
        """Remember a patient's topic's new name."""
        stmt = (
            sa.update(SupportTopic)
            .where(
                SupportTopic.patient_id == patient_id,
                SupportTopic.staff_chat_key == staff_chat_key,
            )
            .values(name=name)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(stmt)

    async def delete_purpose(self, staff_chat_key: str, purpose: str) -> None:
        """Forget the topic kept for a purpose (it was deleted by hand)."""
        stmt = sa.delete(StaffTopic).where(
            StaffTopic.staff_chat_key == staff_chat_key, StaffTopic.purpose == purpose
        )
        await self.session.execute(stmt)
