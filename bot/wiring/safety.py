"""The safety pathway and its re-checks, when the programme has them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.care.contacts import ContactBook, load_book
from bot.care.conversations import Conversations
from bot.care.crisis import CrisisTerms, CrisisTermsError, load_terms
from bot.care.safety import SafetyPathway
from bot.care.safety_followup import FollowUpRules, SafetyFollowUp
from bot.config import Settings
from bot.errors import StartupError
from flows.contacts import CONTACTS_FILE
from flows.library import FlowLibrary
from flows.model import RECHECK_FLOW, SAFETY_FLOW

log = logging.getLogger(__name__)

CRISIS_TERMS = Path("safety/crisis_terms.yml")  # .yml: a data file, not a flow


def keep_quiet(library: FlowLibrary) -> dict[str, frozenset[str]]:
    """After "I'm not safe" in the pathway's flows, an interrupted lesson waits for the patient."""
    if SAFETY_FLOW not in library.flows:
        return {}
    unsafe = frozenset(library.settings.safety.unsafe_outcomes)
    return {flow: unsafe for flow in (SAFETY_FLOW, RECHECK_FLOW)}


@dataclass(frozen=True)
class CrisisData:
    """What the safety pathway listens for and whom it points to, read once at start."""

    terms: CrisisTerms
    contacts: ContactBook


def load_crisis_data(settings: Settings, library: FlowLibrary) -> CrisisData | None:
    """The crisis terms and contacts, when the programme has a `safety` flow to use them."""
    if SAFETY_FLOW not in library.flows:
        log.warning("the programme has no `%s` flow: the safety pathway is off", SAFETY_FLOW)
        return None
    return CrisisData(crisis_terms(settings), crisis_contacts(settings, library))


def build_pathway(
    settings: Settings, conversations: Conversations, crisis: CrisisData | None
) -> SafetyPathway | None:
    """The pathway that reads every step for risk, when the programme has one."""
    if crisis is None:
        return None
    return SafetyPathway(
        conversations,
        crisis.terms,
        crisis.contacts,
        timedelta(hours=settings.safety.recheck_hours),
        conversations.library.settings.safety,
    )


def build_followup(
    settings: Settings, conversations: Conversations, pathway: SafetyPathway | None
) -> SafetyFollowUp | None:
    """Re-checks that go on until the patient is safe, when the programme has them."""
    if pathway is None or RECHECK_FLOW not in conversations.library.flows:
        return None
    return SafetyFollowUp(conversations, pathway, FollowUpRules.from_settings(settings))


def crisis_terms(settings: Settings) -> CrisisTerms:
    """The crisis words to listen for (`safety/crisis_terms.yml`, or the configured file)."""
    path = settings.safety.crisis_terms_path or settings.programme.path / CRISIS_TERMS
    try:
        terms = load_terms(path) if path.is_file() else CrisisTerms.empty()
    except CrisisTermsError as error:  # a file outside the programme: not seen by flows check
        raise StartupError(str(error)) from None
    if terms.is_empty:
        log.warning("no crisis terms in %s: crisis language will not be detected", path)
    return terms


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
