"""The one composition root: settings in, a wired application out (tests wire it the same way)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bell import OutboxBell
from bot.care.commands import Commands
from bot.care.conversations import Conversations
from bot.care.eligibility import effective_policy
from bot.care.enrolment import Enrolment, NewPatientDefaults
from bot.care.health import BacklogWatch
from bot.care.hooks import FlowHooks
from bot.care.ports import UnitOfWorkFactory as PortUnitOfWorkFactory
from bot.care.programme import Programme
from bot.care.safety_followup import SafetyFollowUp
from bot.config import Settings
from bot.errors import StartupError
from bot.wiring.hooks import connect_hooks
from bot.wiring.safety import (
    CrisisData,
    build_followup,
    build_pathway,
    keep_quiet,
    load_crisis_data,
)
from bot.wiring.scheduling import build_programme, build_scheduler
from bot.wiring.staff import StaffChannel, build_staff_channel
from flows.cache import load_checked
from flows.diagnostics import has_errors
from flows.library import FlowLibrary, load_programme
from flows.model import RECHECK_FLOW
from scheduler.clock import Clock, SystemClock
from scheduler.clockwork import Scheduler
from storage import db
from storage.crypto import FieldCipher, load_or_create_key_file
from storage.erasure_log import ErasureLog
from storage.migrate import upgrade_engine
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
BACKLOG_CHECK_SECONDS = 60.0  # how often the log is told of an outbox falling behind


def check_staffing(settings: Settings) -> None:
    """Refuse to run the bot where patients would be promised a person nobody can be."""
    programme = settings.programme
    if programme.staffing == "unstaffed" or programme.triage == "unguided":
        return
    if _has_helpers(settings):
        return
    raise StartupError(
        f'programme.triage is "{programme.triage}", which gives some patients a helper and '
        "tells patients at risk that a person was alerted, but telegram.staff_chat_id is not "
        "set, so nobody would read either. Choose one:\n"
        "  - staff it: set telegram.staff_chat_id (DAYBREAK_TELEGRAM__STAFF_CHAT_ID) to your "
        "staff forum\n"
        '  - run it unstaffed: set programme.staffing = "unstaffed" '
        "(DAYBREAK_PROGRAMME__STAFFING=unstaffed); nobody is then promised a person"
    )


def without_staff(settings: Settings) -> Settings:
    """The same settings, run unstaffed (nobody reads a staff chat from a terminal)."""
    programme = settings.programme.model_copy(update={"staffing": "unstaffed"})
    return settings.model_copy(update={"programme": programme})


@dataclass
class App:
    """Everything a transport or the scheduler needs, wired once."""

    settings: Settings
    engine: AsyncEngine | None  # None over the in-memory unit of work
    uow: PortUnitOfWorkFactory
    bell: OutboxBell  # rung by every commit; the sender listens
    library: FlowLibrary
    clock: Clock
    conversations: Conversations
    enrolment: Enrolment
    commands: Commands
    programme: Programme  # releases, reminders, measures
    scheduler: Scheduler  # start() it to sweep; close() stops it
    staff: StaffChannel | None = None  # relay, helpers' actions, alerts, digest
    followup: SafetyFollowUp | None = None  # re-checks, and the truth when staff are unreachable

    async def close(self) -> None:
        """Stop the clockwork and release the database connections."""
        await self.scheduler.shutdown()
        if self.engine is not None:
            await self.engine.dispose()


def load_library(path: Path, cache_dir: Path | None = None) -> FlowLibrary:
    """Load the programme, refusing to start on any error (each printed with file:line:col).

    With `cache_dir`, a programme checked before with the same content is read from there.
    """
    library, problems = load_checked(path, cache_dir) if cache_dir else load_programme([path])
    if has_errors(problems):
        listed = "\n".join(str(p) for p in problems if p.severity == "error")
        raise StartupError(f"the programme in {path} has errors:\n{listed}")
    return library


def data_cipher(settings: Settings, *, allow_key_file: bool) -> FieldCipher:
    """The field cipher from the configured key, or a local key file when that is allowed."""
    security = settings.security
    if security.data_key is not None:
        active = security.data_key.get_secret_value()
    elif allow_key_file:
        active, created = load_or_create_key_file(security.key_file)
        if created:
            log.warning("created a new data key in %s (owner-only); back it up", security.key_file)
    else:
        raise StartupError(
            "security.data_key is not set: with PostgreSQL, Daybreak will not store patients' "
            "words without a configured key (set DAYBREAK_SECURITY__DATA_KEY)"
        )
    old = [key.get_secret_value() for key in security.old_keys]
    index = security.index_key.get_secret_value() if security.index_key else None
    return FieldCipher(active, old, index_key=index)


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    library: FlowLibrary | None = None,
    allow_key_file: bool | None = None,
    migrate: bool = True,
) -> App:
    """Wire the application: database (upgraded), cipher, flows and care services."""
    clock = clock or SystemClock()
    engine = db.create_engine(settings.database.url)
    if allow_key_file is None:
        allow_key_file = not db.is_postgres(engine)
    try:
        cipher = data_cipher(settings, allow_key_file=allow_key_file)
        programme = settings.programme
        library = library or load_library(programme.path, programme.cache_dir)
        crisis = load_crisis_data(settings, library)
        if migrate:
            await upgrade_engine(engine)
    except BaseException:
        await engine.dispose()
        raise
    bell = OutboxBell()
    uow = UnitOfWorkFactory(
        db.session_factory(engine), cipher, clock.now,
        single_writer=db.is_sqlite(engine), after_commit=bell.ring,
        erasure_log=ErasureLog(settings.security.erasure_log),
    )  # fmt: skip
    app = assemble(settings, engine, uow, bell, library, crisis, clock)
    await store_revisions(uow, library)
    await app.conversations.migrate_runs()  # runs a new revision's `migrate:` map moves
    return app


def assemble(
    settings: Settings,
    engine: AsyncEngine | None,
    uow: PortUnitOfWorkFactory,
    bell: OutboxBell,
    library: FlowLibrary,
    crisis: CrisisData | None,
    clock: Clock,
) -> App:
    """The care services and the clockwork over a ready unit of work, each given what it needs."""
    hooks = FlowHooks(keep_quiet=keep_quiet(library))
    conversations = Conversations(uow, library, clock, hooks=hooks, staffed=_has_helpers(settings))
    pathway = build_pathway(settings, conversations, crisis)
    followup = build_followup(settings, conversations, pathway)
    # A re-check planned for later starts only while the patient still needs it.
    gates = {RECHECK_FLOW: followup.still_needed} if followup is not None else {}
    programme = build_programme(settings, conversations, gates)
    enrolment = Enrolment(
        conversations,
        new_patient_defaults(settings, library),
        onboarding_flow=library.settings.onboarding,
        programme=programme,  # plans releases once a patient is enrolled
    )
    commands = Commands(conversations)
    staff = build_staff_channel(settings, conversations, programme)
    connect_hooks(
        hooks, enrolment=enrolment, commands=commands, programme=programme, staff=staff,
        pathway=pathway, followup=followup,
    )  # fmt: skip
    backlog = BacklogWatch(uow, clock, settings.health.limits())
    every = {**staff.frequent_jobs(), "backlog": (BACKLOG_CHECK_SECONDS, backlog.check)}
    scheduler = build_scheduler(
        settings, uow, clock, programme, daily=staff.daily_jobs(settings), every=every
    )
    return App(
        settings, engine, uow, bell, library, clock, conversations, enrolment, commands,
        programme, scheduler, staff, followup,
    )  # fmt: skip


def _has_helpers(settings: Settings) -> bool:
    """True when helpers read a staff chat (and so can review and approve)."""
    staffed = settings.programme.staffing == "staffed"
    return staffed and settings.telegram.staff_chat_id is not None


def new_patient_defaults(settings: Settings, library: FlowLibrary) -> NewPatientDefaults:
    """What a new patient starts with, from `programme.*` and the programme's languages."""
    programme = settings.programme
    return NewPatientDefaults(
        timezone=programme.default_timezone,
        preferred_time=programme.preferred_time.strftime("%H:%M"),
        default_language=library.default_language,
        languages=tuple(library.settings.languages),
        # Nobody to guide anyone when unstaffed.
        triage=programme.triage if programme.staffing == "staffed" else "unguided",
        high_risk_baseline=effective_policy(programme.high_risk_baseline, _has_helpers(settings)),
        release_policy=programme.release_policy,
    )


async def store_revisions(uow: UnitOfWorkFactory, library: FlowLibrary) -> None:
    """Keep a copy of every current flow revision, so runs pinned to it survive later edits."""
    async with uow() as work:
        for flow in library.flows.values():
            await work.flow_revisions.store(flow.id, flow.revision, flow.text, flow.path)
        await work.commit()
