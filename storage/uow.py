"""The unit of work: one session per handled event, committed once or rolled back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import FieldCipher
from storage.repositories import (
    AdverseEventRepository,
    AlertRepository,
    AnswerRepository,
    AuditRepository,
    Clock,
    ConsentRepository,
    EnrolmentRepository,
    FlowRevisionRepository,
    HomeworkRepository,
    IdentityRepository,
    InboundEventRepository,
    OutboxRepository,
    PatientRepository,
    PrivacyRepository,
    QuestionnaireRepository,
    RunRepository,
    ScheduledItemRepository,
    StaffRepository,
    SupportTopicRepository,
    VariableRepository,
    utcnow,
)


class UnitOfWork:
    """`async with uow:` opens a session; `await uow.commit()` lands every change together."""

    patients: PatientRepository
    identities: IdentityRepository
    consents: ConsentRepository
    enrolments: EnrolmentRepository
    flow_revisions: FlowRevisionRepository
    runs: RunRepository
    answers: AnswerRepository
    variables: VariableRepository
    questionnaires: QuestionnaireRepository
    homework: HomeworkRepository
    outbox: OutboxRepository
    inbound: InboundEventRepository
    scheduled: ScheduledItemRepository
    alerts: AlertRepository
    adverse_events: AdverseEventRepository
    audit: AuditRepository
    staff: StaffRepository
    support_topics: SupportTopicRepository
    privacy: PrivacyRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        clock: Clock = utcnow,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        """Prepare a unit of work; nothing opens until `async with`."""
        self._sessions = sessions
        self._cipher = cipher
        self._clock = clock
        self._after_commit = after_commit
        self._session: AsyncSession | None = None

    def clock(self) -> datetime:
        """Return 'now' from the clock this unit of work stamps rows with."""
        return self._clock()

    @property
    def session(self) -> AsyncSession:
        """Return the open session (for queries no repository offers yet)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        """Open the session and build the repositories on it."""
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice at once")
        session = self._session = self._sessions()
        sealed = (session, self._cipher, self._clock)
        plain = (session, self._clock)
        self.patients = PatientRepository(*sealed)
        self.identities = IdentityRepository(*sealed)
        self.consents = ConsentRepository(*plain)
        self.enrolments = EnrolmentRepository(*plain)
        self.flow_revisions = FlowRevisionRepository(*plain)
        self.runs = RunRepository(*sealed)
        self.answers = AnswerRepository(*sealed)
        self.variables = VariableRepository(*sealed)
        self.questionnaires = QuestionnaireRepository(*plain)
        self.homework = HomeworkRepository(*sealed)
        self.outbox = OutboxRepository(*sealed)
        self.inbound = InboundEventRepository(*plain)
        self.scheduled = ScheduledItemRepository(*plain)
        self.alerts = AlertRepository(*plain)
        self.adverse_events = AdverseEventRepository(*plain)
        self.audit = AuditRepository(*plain)
        self.staff = StaffRepository(*sealed)
        self.support_topics = SupportTopicRepository(*plain)
        self.privacy = PrivacyRepository(*sealed)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session, rolling back whatever was not committed."""
        session, self._session = self.session, None
        # Leaving without commit() is an abort, by design: partial work never lands.
        # close() rolls back the open transaction without expiring loaded objects, so
        # values read inside the unit of work stay readable (detached) afterwards.
        await session.close()

    async def commit(self) -> None:
        """Commit everything done in this unit of work, then tell whoever waits for outbox rows."""
        await self.session.commit()
        if self._after_commit is not None:
            self._after_commit()  # wakes the sender at once instead of at its next poll

    async def rollback(self) -> None:
        """Discard everything done since the last commit."""
        await self.session.rollback()

    async def flush(self) -> None:
        """Send pending changes to the database without committing (to get ids)."""
        await self.session.flush()


class UnitOfWorkFactory:
    """Makes units of work that share a session factory, cipher and clock."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        clock: Clock = utcnow,
    ) -> None:
        """Remember what every unit of work needs."""
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock
        self.after_commit: Callable[[], None] | None = None

    def __call__(self) -> UnitOfWork:
        """Return a new, unopened unit of work."""
        return UnitOfWork(self.sessions, self.cipher, self.clock, self.after_commit)
