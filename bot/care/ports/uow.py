"""Time and transactions as care sees them: the Clock, the unit of work and its factory."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.care.ports.processes import (
    HealthRepository,
    InboxRepository,
    LeaseRepository,
    ProcessRepository,
)
from bot.care.ports.repositories import (
    AnswerRepository,
    ConsentRepository,
    EnrolmentRepository,
    FlowRevisionRepository,
    HomeworkRepository,
    IdentityRepository,
    PatientRepository,
    QuestionnaireRepository,
    RunRepository,
    VariableRepository,
)
from bot.care.ports.safety_repositories import (
    AdverseEventRepository,
    AlertRepository,
    AuditRepository,
    InboundEventRepository,
    OutboxRepository,
    PrivacyRepository,
    ScheduledItemRepository,
    StaffRepository,
    SupportTopicRepository,
)


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time (UTC, timezone-aware)."""
        ...


class UnitOfWork(Protocol):
    """`async with uow:` opens it; `await uow.commit()` lands every change together.

    The repositories are read-only here: care only uses them, so storage may type them exactly.
    """

    @property
    def adverse_events(self) -> AdverseEventRepository:
        """The adverse events."""
        ...

    @property
    def alerts(self) -> AlertRepository:
        """The alerts."""
        ...

    @property
    def answers(self) -> AnswerRepository:
        """The answers."""
        ...

    @property
    def audit(self) -> AuditRepository:
        """The audit."""
        ...

    @property
    def consents(self) -> ConsentRepository:
        """The consents."""
        ...

    @property
    def enrolments(self) -> EnrolmentRepository:
        """The enrolments."""
        ...

    @property
    def flow_revisions(self) -> FlowRevisionRepository:
        """The flow revisions."""
        ...

    @property
    def homework(self) -> HomeworkRepository:
        """The homework."""
        ...

    @property
    def identities(self) -> IdentityRepository:
        """The identities."""
        ...

    @property
    def inbound(self) -> InboundEventRepository:
        """The inbound."""
        ...

    @property
    def health(self) -> HealthRepository:
        """The figures that say whether the bot is working."""
        ...

    @property
    def inbox(self) -> InboxRepository:
        """Updates stored until handled."""
        ...

    @property
    def leases(self) -> LeaseRepository:
        """The leases (the one poller)."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The outbox."""
        ...

    @property
    def patients(self) -> PatientRepository:
        """The patients."""
        ...

    @property
    def privacy(self) -> PrivacyRepository:
        """The privacy."""
        ...

    @property
    def processes(self) -> ProcessRepository:
        """The processes running on this database."""
        ...

    @property
    def questionnaires(self) -> QuestionnaireRepository:
        """The questionnaires."""
        ...

    @property
    def runs(self) -> RunRepository:
        """The runs."""
        ...

    @property
    def scheduled(self) -> ScheduledItemRepository:
        """The scheduled."""
        ...

    @property
    def staff(self) -> StaffRepository:
        """The staff."""
        ...

    @property
    def support_topics(self) -> SupportTopicRepository:
        """The support topics."""
        ...

    @property
    def variables(self) -> VariableRepository:
        """The variables."""
        ...

    def clock(self) -> datetime:
        """Return 'now' from the clock this unit of work stamps rows with."""
        ...

    async def __aenter__(self) -> Self:
        """Open the unit of work and its repositories."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close it, rolling back whatever was not committed."""
        ...

    async def commit(self, *, notify: bool = True) -> None:
        """Commit everything done in this unit of work; `notify=False` leaves the sender asleep."""
        ...

    async def rollback(self) -> None:
        """Discard everything done since the last commit."""
        ...

    async def flush(self) -> None:
        """Send pending changes without committing (to get ids)."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes units of work; `reading` ones never write."""

    def __call__(self, *, reading: bool = False) -> UnitOfWork:
        """Return a new, unopened unit of work."""
        ...

    async def rotate_keys(self, batch_size: int = 500) -> int:
        """Re-encrypt every stored value under the active key; return the values changed."""
        ...
