"""The one composition root: settings in, a wired application out (tests wire it the same way)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.care.commands import Commands
from bot.care.contacts import ContactBook, load_book
from bot.care.conversations import Conversations
from bot.care.crisis import CrisisTerms, CrisisTermsError, load_terms
from bot.care.eligibility import effective_policy
from bot.care.enrolment import Enrolment, NewPatientDefaults
from bot.care.programme import Programme
from bot.care.safety import SafetyPathway
from bot.care.safety_followup import FollowUpRules, SafetyFollowUp
from bot.care.support_wiring import StaffChannel, build_staff_channel
from bot.config import Settings
from flows.contacts import CONTACTS_FILE
from flows.diagnostics import has_errors
from flows.library import FlowLibrary, load_programme
from flows.model import CHECK_FLOW, RECHECK_FLOW, SAFETY_FLOW
from scheduler.clock import Clock, SystemClock
from scheduler.clockwork import Scheduler
from scheduler.wiring import build_scheduling
from storage import db
from storage.crypto import FieldCipher, load_or_create_key_file
from storage.migrate import upgrade_engine
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

CRISIS_TERMS = Path("safety/crisis_terms.yml")  # .yml: a data file, not a flow


class StartupError(Exception):
    """Daybreak cannot start as configured; the message says why and what to do."""


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
    engine: AsyncEngine
    uow: UnitOfWorkFactory
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
        await self.engine.dispose()


def load_library(path: Path) -> FlowLibrary:
    """Load the programme, refusing to start on any error (each printed with file:line:col)."""
    library, problems = load_programme([path])
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
        library = library or load_library(settings.programme.path)
        if migrate:
            await upgrade_engine(engine)
    except BaseException:
        await engine.dispose()
        raise
    uow = UnitOfWorkFactory(
        db.session_factory(engine), cipher, clock.now, single_writer=db.is_sqlite(engine)
    )
    conversations = Conversations(uow, library, clock, staffed=_has_helpers(settings))
    programme = settings.programme
    defaults = NewPatientDefaults(
        timezone=programme.default_timezone,
        preferred_time=programme.preferred_time.strftime("%H:%M"),
        default_language=library.default_language,
        languages=tuple(library.settings.languages),
        # Nobody to guide anyone when unstaffed.
        triage=programme.triage if programme.staffing == "staffed" else "unguided",
        high_risk_baseline=effective_policy(programme.high_risk_baseline, _has_helpers(settings)),
        release_policy=programme.release_policy,
    )
    enrolment = Enrolment(conversations, defaults, onboarding_flow=library.settings.onboarding)
    commands = Commands(conversations)
    conversations.hooks.update(commands.hooks())
    conversations.hooks[library.settings.onboarding] = enrolment.onboarding_finished
    # The programme plans on enrolment and pause/resume hold and shift its plan.
    programme_service, scheduler = build_scheduling(settings, uow, conversations, clock)
    enrolment.programme = programme_service
    conversations.hooks["settings"] = programme_service.settings_changed
    conversations.zone_changed = programme_service.zone_changed
    pathway = _add_safety(settings, conversations, library)
    followup = _add_followup(settings, conversations, programme_service, pathway)
    staff = build_staff_channel(settings, conversations, commands, programme_service, scheduler)
    await store_revisions(uow, library)
    await conversations.migrate_runs()  # runs a new revision's `migrate:` map moves
    return App(
        settings, engine, uow, library, clock, conversations, enrolment, commands,
        programme_service, scheduler, staff, followup,
    )  # fmt: skip


def _has_helpers(settings: Settings) -> bool:
    """True when helpers read a staff chat (and so can review and approve)."""
    staffed = settings.programme.staffing == "staffed"
    return staffed and settings.telegram.staff_chat_id is not None


def _add_safety(
    settings: Settings, conversations: Conversations, library: FlowLibrary
) -> SafetyPathway | None:
    """Listen to every step for risk, when the programme has a safety pathway."""
    if SAFETY_FLOW not in library.flows:
        log.warning("the programme has no `%s` flow: the safety pathway is off", SAFETY_FLOW)
        return None
    terms_path = settings.safety.crisis_terms_path or settings.programme.path / CRISIS_TERMS
    try:
        terms = load_terms(terms_path) if terms_path.is_file() else CrisisTerms.empty()
    except CrisisTermsError as error:  # a file outside the programme: not seen by flows check
        raise StartupError(str(error)) from None
    if terms.is_empty:
        log.warning("no crisis terms in %s: crisis language will not be detected", terms_path)
    pathway = SafetyPathway(
        conversations,
        terms,
        crisis_contacts(settings, library),
        timedelta(hours=settings.safety.recheck_hours),
        library.settings.safety,
    )
    conversations.guard = pathway
    conversations.hooks[CHECK_FLOW] = pathway.check_finished
    for flow in (SAFETY_FLOW, RECHECK_FLOW):
        conversations.keep_quiet[flow] = frozenset(library.settings.safety.unsafe_outcomes)
    conversations.providers[RECHECK_FLOW] = pathway.recheck_variables
    return pathway


def _add_followup(
    settings: Settings,
    conversations: Conversations,
    programme: Programme,
    pathway: SafetyPathway | None,
) -> SafetyFollowUp | None:
    """Re-checks that go on until the patient is safe, when the programme has them."""
    if pathway is None or RECHECK_FLOW not in conversations.library.flows:
        return None
    followup = SafetyFollowUp(conversations, pathway, FollowUpRules.from_settings(settings))
    conversations.hooks.update(followup.hooks(conversations.hooks.get(SAFETY_FLOW)))
    conversations.providers[RECHECK_FLOW] = followup.recheck_variables
    programme.gates[RECHECK_FLOW] = followup.still_needed
    return followup


def crisis_contacts(settings: Settings, library: FlowLibrary) -> ContactBook:
    """The programme's crisis contacts per country (`safety/crisis_contacts.yml`)."""
    if settings.safety.crisis_contacts is not None:
        log.warning(
            "safety.crisis_contacts in the config is no longer read: crisis contacts are "
            "programme data now, one list per country in %s; move any numbers of your own "
            "there and delete the key",
            settings.programme.path / CONTACTS_FILE,
        )
    path = settings.programme.path / CONTACTS_FILE
    if not path.is_file():
        log.warning("no %s: the safety flows show only their general advice", path)
        return ContactBook(default_language=library.default_language)
    try:
        return load_book(path, library.default_language)
    except ValueError as error:
        raise StartupError(f"the crisis contacts in {path} have errors:\n{error}") from None


async def store_revisions(uow: UnitOfWorkFactory, library: FlowLibrary) -> None:
    """Keep a copy of every current flow revision, so runs pinned to it survive later edits."""
    async with uow() as work:
        for flow in library.flows.values():
            await work.flow_revisions.store(flow.id, flow.revision, flow.text, flow.path)
        await work.commit()
