"""An in-memory unit of work: changes land on commit, leaving without commit discards them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from storage.memory.care import MemoryConsentRepository, MemoryEnrolmentRepository
from storage.memory.flows import (
    MemoryAnswerRepository,
    MemoryFlowRevisionRepository,
    MemoryRunRepository,
    MemoryVariableRepository,
)
from storage.memory.outbox import MemoryOutboxRepository
from storage.memory.patients import MemoryIdentityRepository, MemoryPatientRepository
from storage.memory.privacy import MemoryPrivacyRepository
from storage.memory.processes import (
    MemoryHealthRepository,
    MemoryInboxRepository,
    MemoryLeaseRepository,
    MemoryProcessRepository,
)
from storage.memory.repositories import (
    MemoryInboundEventRepository,
    MemoryScheduledItemRepository,
)
from storage.memory.results import MemoryHomeworkRepository, MemoryQuestionnaireRepository
from storage.memory.safety import (
    MemoryAdverseEventRepository,
    MemoryAlertRepository,
    MemoryAuditRepository,
)
from storage.memory.staff import MemoryStaffRepository, MemorySupportTopicRepository
from storage.memory.store import MemoryStore, Workspace
from storage.repositories import Clock, utcnow
from storage.uow import SingleWriter


class MemoryUnitOfWork:
    """`async with uow:` copies the committed rows; `await uow.commit()` lands the changes."""

    patients: MemoryPatientRepository
    identities: MemoryIdentityRepository
    consents: MemoryConsentRepository
    enrolments: MemoryEnrolmentRepository
    outbox: MemoryOutboxRepository
    inbound: MemoryInboundEventRepository
    scheduled: MemoryScheduledItemRepository
    flow_revisions: MemoryFlowRevisionRepository
    runs: MemoryRunRepository
    answers: MemoryAnswerRepository
    variables: MemoryVariableRepository
    questionnaires: MemoryQuestionnaireRepository
    homework: MemoryHomeworkRepository
    alerts: MemoryAlertRepository
    adverse_events: MemoryAdverseEventRepository
    audit: MemoryAuditRepository
    staff: MemoryStaffRepository
    support_topics: MemorySupportTopicRepository
    privacy: MemoryPrivacyRepository
    processes: MemoryProcessRepository
    leases: MemoryLeaseRepository
    inbox: MemoryInboxRepository
    health: MemoryHealthRepository

    def __init__(
        self,
        store: MemoryStore,
        clock: Clock = utcnow,
        after_commit: Callable[[], None] | None = None,
        writer: SingleWriter | None = None,
    ) -> None:
        """Prepare a unit of work; nothing is copied until `async with`."""
        self._store = store
        self._clock = clock
        self._after_commit = after_commit
        self._writer = writer
        self._workspace: Workspace | None = None

    def clock(self) -> datetime:
        """Return 'now' from the clock this unit of work stamps rows with."""
        return self._clock()

    def _open(self) -> None:
        workspace = self._workspace = Workspace(self._store)
        self.patients = MemoryPatientRepository(workspace, self._clock)
        self.identities = MemoryIdentityRepository(workspace, self._clock)
        self.consents = MemoryConsentRepository(workspace, self._clock)
        self.enrolments = MemoryEnrolmentRepository(workspace, self._clock)
        self.outbox = MemoryOutboxRepository(workspace, self._clock)
        self.inbound = MemoryInboundEventRepository(workspace, self._clock)
        self.scheduled = MemoryScheduledItemRepository(workspace, self._clock)
        self._open_the_rest(workspace)

    def _open_the_rest(self, workspace: Workspace) -> None:
        # The journey, safety, staff and privacy repositories, on the same private rows.
        on = (workspace, self._clock)
        self.flow_revisions = MemoryFlowRevisionRepository(*on)
        self.runs = MemoryRunRepository(*on)
        self.answers = MemoryAnswerRepository(*on)
        self.variables = MemoryVariableRepository(*on)
        self.questionnaires = MemoryQuestionnaireRepository(*on)
        self.homework = MemoryHomeworkRepository(*on)
        self.alerts = MemoryAlertRepository(*on)
        self.adverse_events = MemoryAdverseEventRepository(*on)
        self.audit = MemoryAuditRepository(*on)
        self.staff = MemoryStaffRepository(*on)
        self.support_topics = MemorySupportTopicRepository(*on)
        self.privacy = MemoryPrivacyRepository(*on)
        self.processes = MemoryProcessRepository(*on)
        self.leases = MemoryLeaseRepository(*on)
        self.inbox = MemoryInboxRepository(*on)
        self.health = MemoryHealthRepository(*on)

    async def __aenter__(self) -> Self:
        """Copy the committed rows and build the repositories on the copy."""
        if self._workspace is not None:
            raise RuntimeError("a unit of work cannot be entered twice at once")
        if self._writer is not None:
            # Writers take turns, so two units of work never both change the same row.
            await self._writer.acquire()
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Drop the private copy; whatever was not committed is gone."""
        self._workspace = None
        if self._writer is not None:
            self._writer.release()

    def _opened(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("the unit of work is not open; use `async with`")
        return self._workspace

    async def commit(self, *, notify: bool = True) -> None:
        """Land everything done in this unit of work, then (unless not `notify`) ring the bell."""
        self._opened().merge()
        if notify and self._after_commit is not None:
            self._after_commit()

    async def rollback(self) -> None:
        """Discard everything done since the last commit."""
        self._opened()
        self._open()

    async def flush(self) -> None:
        """Nothing to send anywhere: ids are assigned when rows are added."""
        self._opened()


class MemoryUnitOfWorkFactory:
    """Makes units of work that share one in-memory store and a clock."""

    def __init__(
        self,
        clock: Clock = utcnow,
        store: MemoryStore | None = None,
        *,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        """Start an empty store (or share a given one); `after_commit` is called after commits."""
        self.store = store or MemoryStore()
        self.clock = clock
        self.after_commit = after_commit
        self._writer = SingleWriter()

    def __call__(self, *, reading: bool = False) -> MemoryUnitOfWork:
        """Return a new, unopened unit of work; `reading` ones never write and need no turn."""
        writer = None if reading else self._writer
        return MemoryUnitOfWork(self.store, self.clock, self.after_commit, writer)

    async def rotate_keys(self, batch_size: int = 500) -> int:
        """Nothing to re-encrypt: memory keeps values as they were given."""
        return 0
