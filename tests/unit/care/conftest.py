"""Care's real services on the in-memory unit of work and a frozen clock: no database, no I/O.

`care` is wired the way the composition root wires the application (the conversations, the
enrolment, the commands, the programme, the safety pathway and its follow-up, the staff
channel), only over `MemoryUnitOfWorkFactory`. What a patient or a helper would see is read back
from the outbox through the helpers at the end, so a change of payload shape is made here once.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from scheduler.wiring import timetable

from bot.care.commands import Commands
from bot.care.contacts import ContactBook, load_book
from bot.care.conversations import Conversations
from bot.care.crisis import CrisisTerms, load_terms
from bot.care.eligibility import effective_policy
from bot.care.enrolment import Enrolment, NewPatientDefaults
from bot.care.ports import OutgoingMessage, Patient, Run, UnitOfWork
from bot.care.programme import Programme
from bot.care.safety import SafetyPathway
from bot.care.safety_followup import FollowUpRules, SafetyFollowUp
from bot.care.support import Support, SupportConfig
from bot.care.support_staff import StaffActions
from bot.care.support_templates import DEFAULT_PATH, load_templates
from bot.config import Settings
from flows.contacts import CONTACTS_FILE
from flows.library import FlowLibrary
from flows.model import CHECK_FLOW, RECHECK_FLOW, SAFETY_FLOW
from flows.runtime import RunState
from scheduler.clock import FrozenClock
from scheduler.handlers import care_handlers
from scheduler.sweep import Sweeper, SweepRules
from storage.memory import MemoryUnitOfWorkFactory
from tests.support.databases import programme_library
from tests.support.journey import Patient as Chat

STAFF_CHAT_ID = -1001234567890
HELPER_USER_ID = 5550001
CRISIS_TERMS = Path("safety/crisis_terms.yml")
_event_keys = itertools.count(1)


@dataclass
class Care:
    """The care services a transport and the scheduler call, sharing one in-memory store."""

    uow: MemoryUnitOfWorkFactory
    clock: FrozenClock
    library: FlowLibrary
    conversations: Conversations
    enrolment: Enrolment
    commands: Commands
    programme: Programme
    pathway: SafetyPathway
    followup: SafetyFollowUp
    support: Support
    actions: StaffActions
    sweeper: Sweeper


def care_settings(**programme: Any) -> Settings:
    """The shipped programme, staffed by a staff forum (the database is never opened)."""
    return Settings(
        database={"url": "sqlite+aiosqlite:///:memory:"},
        telegram={"staff_chat_id": STAFF_CHAT_ID},
        programme=programme,
    )


def _defaults(settings: Settings, library: FlowLibrary) -> NewPatientDefaults:
    programme = settings.programme
    return NewPatientDefaults(
        timezone=programme.default_timezone,
        preferred_time=programme.preferred_time.strftime("%H:%M"),
        default_language=library.default_language,
        languages=tuple(library.settings.languages),
        triage=programme.triage,
        high_risk_baseline=effective_policy(programme.high_risk_baseline, True),
        release_policy=programme.release_policy,
    )


def _programme(settings: Settings, conversations: Conversations) -> Programme:
    library = conversations.library
    return Programme(
        conversations,
        timetable(settings, len(library.settings.modules)),
        tuple(library.settings.modules),
        checkin_flow=library.settings.checkin,
        default_timezone=settings.programme.default_timezone,
        default_preferred=settings.programme.preferred_time,
    )


@functools.cache
def _crisis_data(folder: Path, language: str) -> tuple[CrisisTerms, ContactBook]:
    # Parsed once per test process: the programme's files never change under the tests.
    return load_terms(folder / CRISIS_TERMS), load_book(folder / CONTACTS_FILE, language)


def _safety(settings: Settings, conversations: Conversations) -> SafetyPathway:
    library = conversations.library
    terms, contacts = _crisis_data(settings.programme.path, library.default_language)
    pathway = SafetyPathway(
        conversations,
        terms,
        contacts,
        timedelta(hours=settings.safety.recheck_hours),
        library.settings.safety,
    )
    conversations.guard = pathway
    conversations.hooks[CHECK_FLOW] = pathway.check_finished
    for flow in (SAFETY_FLOW, RECHECK_FLOW):
        conversations.keep_quiet[flow] = frozenset(library.settings.safety.unsafe_outcomes)
    return pathway


def _staff(settings: Settings, commands: Commands, programme: Programme) -> StaffActions:
    conversations = programme.conversations
    support = Support(conversations, SupportConfig.from_settings(settings))
    titles = {
        fid: flow.title if isinstance(flow.title, str) else next(iter(flow.title.values()), fid)
        for fid, flow in conversations.library.flows.items()
    }
    templates = load_templates(settings.programme.path / DEFAULT_PATH)
    menu_hook = commands.hooks()["menu"]

    async def menu_finished(
        uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        if outcome == "message_helper":
            await support.begin(uow, patient)
        else:
            await menu_hook(uow, patient, run, state, outcome)

    conversations.hooks["menu"] = menu_finished
    return StaffActions(support, programme, templates, titles)


async def build_care(settings: Settings, clock: FrozenClock) -> Care:
    """Wire care's services over a fresh in-memory store, as the composition root does."""
    library = programme_library(settings.programme.path)
    uow = MemoryUnitOfWorkFactory(clock.now)
    conversations = Conversations(uow, library, clock, staffed=True)
    enrolment = Enrolment(
        conversations, _defaults(settings, library), onboarding_flow=library.settings.onboarding
    )
    commands = Commands(conversations)
    conversations.hooks.update(commands.hooks())
    conversations.hooks[library.settings.onboarding] = enrolment.onboarding_finished
    programme = enrolment.programme = _programme(settings, conversations)
    conversations.hooks["settings"] = programme.settings_changed
    conversations.zone_changed = programme.zone_changed
    pathway = _safety(settings, conversations)
    followup = SafetyFollowUp(conversations, pathway, FollowUpRules.from_settings(settings))
    conversations.hooks.update(followup.hooks(conversations.hooks.get(SAFETY_FLOW)))
    conversations.providers[RECHECK_FLOW] = followup.recheck_variables
    programme.gates[RECHECK_FLOW] = followup.still_needed
    actions = _staff(settings, commands, programme)
    # The scheduler's sweep is how due items reach care; without quiet hours a test moves the
    # clock to exactly when an item is due and sees it fire.
    rules = SweepRules(quiet_hours=None, default_timezone=settings.programme.default_timezone)
    sweeper = Sweeper(uow, clock, care_handlers(programme), rules)
    async with uow() as work:
        for flow in library.flows.values():
            await work.flow_revisions.store(flow.id, flow.revision, flow.text, flow.path)
        await work.commit()
    return Care(
        uow, clock, library, conversations, enrolment, commands, programme, pathway, followup,
        actions.support, actions, sweeper,
    )  # fmt: skip


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 5 January 2026, 09:00 UTC, until a test moves it."""
    return FrozenClock()


@pytest.fixture
async def care(clock: FrozenClock) -> Care:
    """Care's services on a fresh in-memory store, staffed, with the shipped programme."""
    return await build_care(care_settings(), clock)


@pytest.fixture
def chat(care: Care) -> Chat:
    """A Telegram user before /start, driving care as the Telegram adapter would."""
    return Chat(care)  # the same attributes as the app, which is all the chat uses


# What the patient and the helpers see, read from the outbox. Payload shapes live here only.


def key() -> str:
    """A fresh event key, as a transport derives it from an update."""
    return f"unit:{next(_event_keys)}"


def text_of(payload: dict[str, Any]) -> str:
    """The text a patient reads in one message."""
    return str(payload.get("html", ""))


def texts(payloads: Sequence[dict[str, Any]]) -> str:
    """Every message's text, one a line."""
    return "\n".join(text_of(p) for p in payloads)


def asks(payload: dict[str, Any]) -> bool:
    """True for a message that waits for an answer."""
    return "input" in payload


def questions(payloads: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages among these that wait for an answer."""
    return [p for p in payloads if asks(p)]


def labels(payload: dict[str, Any]) -> list[str]:
    """The button labels of one message."""
    return [str(b["label"]) for b in payload.get("buttons", [])]


def callback(payload: dict[str, Any], label: str) -> str:
    """The callback data of a button of one message."""
    return str(payload["buttons"][labels(payload).index(label)]["data"])


def kind_of(payload: dict[str, Any]) -> str | None:
    """What sort of message a staff or helper payload is ("alert", "relay", "helper_reply")."""
    kind = payload.get("kind")
    return None if kind is None else str(kind)


def alert_of(payload: dict[str, Any]) -> tuple[str, str] | None:
    """An alert's (reason, pseudonym), or None when the payload is not an alert."""
    if kind_of(payload) != "alert":
        return None
    return str(payload["reason"]), str(payload["pseudonym"])


def relayed(payload: dict[str, Any]) -> tuple[int, list[str]] | None:
    """A relay's (patient id, texts as the helper reads them), or None for anything else."""
    if kind_of(payload) != "relay":
        return None
    return int(payload["patient_id"]), [str(t) for t in payload["texts"]]


def helper_reply(payload: dict[str, Any]) -> str | None:
    """The text of a helper's reply to a patient, or None for any other message."""
    return text_of(payload) if kind_of(payload) == "helper_reply" else None


async def staff_queue(care: Care) -> list[OutgoingMessage]:
    """The messages waiting for the staff forum, in delivery order."""
    async with care.uow(reading=True) as work:
        return await work.outbox.pending_for_target("staff")


async def patient_queue(care: Care, patient_id: int) -> list[OutgoingMessage]:
    """Every message queued for a patient, in the order written."""
    async with care.uow(reading=True) as work:
        return await work.outbox.list_for_patient(patient_id)
