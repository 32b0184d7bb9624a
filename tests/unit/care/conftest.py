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
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, assemble, store_revisions
from bot.bell import OutboxBell
from bot.care.messages import OutboxPayload, dump_payload
from bot.care.ports import OutgoingMessage
from bot.config import Settings
from bot.wiring.safety import CrisisData, load_crisis_data
from flows.library import FlowLibrary
from scheduler.clock import FrozenClock
from storage.memory import MemoryUnitOfWorkFactory
from tests.support.databases import programme_library
from tests.support.journey import Patient as Chat

STAFF_CHAT_ID = -1001234567890
HELPER_USER_ID = 5550001
_event_keys = itertools.count(1)
Payload = dict[str, Any] | OutboxPayload


Care = App  # the application itself, wired by the composition root over memory


def care_settings(**programme: Any) -> Settings:
    """The shipped programme, staffed by a staff forum (the database is never opened).

    Without quiet hours a test moves the clock to exactly when an item is due and sees it fire.
    """
    return Settings(
        database={"url": "sqlite+aiosqlite:///:memory:"},
        telegram={"staff_chat_id": STAFF_CHAT_ID},
        programme={"quiet_hours": None, **programme},
    )


@functools.cache
def _programme_data(folder: Path) -> tuple[FlowLibrary, CrisisData | None]:
    # Parsed once per test process: the programme's files never change under the tests.
    settings = care_settings(path=folder)
    library = programme_library(folder)
    return library, load_crisis_data(settings, library)


async def build_care(settings: Settings, clock: FrozenClock) -> Care:
    """The application as `build_app` wires it, only over a fresh in-memory store."""
    library, crisis = _programme_data(settings.programme.path)
    bell = OutboxBell()
    uow = MemoryUnitOfWorkFactory(clock.now, after_commit=bell.ring)
    app = assemble(settings, None, uow, bell, library, crisis, clock)
    await store_revisions(uow, library)
    return app


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


def plain(payload: Payload) -> dict[str, Any]:
    """A payload as the JSON the outbox stores, whether read back typed or as a transport's dict."""
    return payload if isinstance(payload, dict) else dump_payload(payload)


def text_of(payload: Payload) -> str:
    """The text a patient reads in one message."""
    return str(plain(payload).get("html", ""))


def texts(payloads: Sequence[Payload]) -> str:
    """Every message's text, one a line."""
    return "\n".join(text_of(p) for p in payloads)


def asks(payload: Payload) -> bool:
    """True for a message that waits for an answer."""
    return "input" in plain(payload)


def questions(payloads: Sequence[Payload]) -> list[dict[str, Any]]:
    """The messages among these that wait for an answer."""
    return [plain(p) for p in payloads if asks(p)]


def labels(payload: Payload) -> list[str]:
    """The button labels of one message."""
    return [str(b["label"]) for b in plain(payload).get("buttons", [])]


def callback(payload: Payload, label: str) -> str:
    """The callback data of a button of one message."""
    return str(plain(payload)["buttons"][labels(payload).index(label)]["data"])


def kind_of(payload: Payload) -> str | None:
    """What sort of message a staff or helper payload is ("alert", "relay", "helper_reply")."""
    kind = plain(payload).get("kind")
    return None if kind is None else str(kind)


def alert_of(payload: Payload) -> tuple[str, str] | None:
    """An alert's (reason, pseudonym), or None when the payload is not an alert."""
    if kind_of(payload) != "alert":
        return None
    fields = plain(payload)
    return str(fields["reason"]), str(fields["pseudonym"])


def relayed(payload: Payload) -> tuple[int, list[str]] | None:
    """A relay's (patient id, texts as the helper reads them), or None for anything else."""
    if kind_of(payload) != "relay":
        return None
    fields = plain(payload)
    return int(fields["patient_id"]), [str(t) for t in fields["texts"]]


def helper_reply(payload: Payload) -> str | None:
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
