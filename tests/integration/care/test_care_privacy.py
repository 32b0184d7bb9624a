"""Privacy at rest and in logs: a copied database file and the logs hold none of the patient's
words."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import App
from scheduler.clock import FrozenClock
from tests.support.databases import app_settings, running_app
from tests.support.journey import Patient, onboard, texts

NAME = "Zebediah-Quartz"
SENTENCE = "My lighthouse keeper uncle collects 4711 teaspoons and hums Corelli on Tuesdays"
MESSENGER_ID = 987654321012


async def journey_with_free_text(app: App) -> Patient:
    """Onboarding with a known name, then lesson feedback with a known sentence."""
    patient = Patient(app, external_id=MESSENGER_ID)
    await onboard(patient, name=NAME, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 1))
    await app.commands.start(patient.pid, "lesson_feedback")
    await patient.tap("4")
    await patient.tap("Yes")
    shown = await patient.type(SENTENCE)
    assert "Thank you. Your feedback helps us" in texts(shown)
    await patient.command("mydata")  # the export is queued too: it must be sealed as well
    async with app.uow() as uow:
        answers = [a.value for a in await uow.answers.list_for_patient(patient.pid)]
    assert NAME in answers
    assert SENTENCE in answers
    return patient


def copy_files(folder: Path) -> bytes:
    """The bytes of the database file and its WAL, as someone copying them would get."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("daybreak.db*")) if p.is_file())


async def test_a_copied_sqlite_file_holds_neither_the_words_nor_the_messenger_id(
    tmp_path: Path, clock: FrozenClock
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'daybreak.db'}"
    async with running_app(app_settings(url), clock) as app:
        await journey_with_free_text(app)
        # Copy while the app is running, as someone with file access could (db and WAL).
        stolen = copy_files(tmp_path)
    # ... and again after a clean shutdown, when the WAL has been checkpointed into the file.
    stolen += copy_files(tmp_path)
    assert len(stolen) > 50_000  # the copy really holds the data
    for secret in (NAME, SENTENCE, "teaspoons", str(MESSENGER_ID)):
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in stolen, f"{secret!r} readable at rest"


async def test_logs_of_a_full_journey_hold_none_of_the_patients_words(
    db_url: str, clock: FrozenClock, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records too
    for name in ("sqlalchemy", "sqlalchemy.engine", "aiosqlite", "asyncpg", "alembic"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        async with running_app(app_settings(db_url, triage="auto"), clock) as app:
            patient = await journey_with_free_text(app)
            await patient.command("settings")
            await patient.tap("My name")
            await patient.type("Ottoline-Vex")
    finally:
        for name in ("sqlalchemy", "sqlalchemy.engine", "aiosqlite", "asyncpg", "alembic"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records
    )
    assert len(caplog.records) > 50  # DEBUG logging of the libraries really was captured
    assert "patient=P-" in logged  # our own records name the pseudonym
    for secret in (NAME, SENTENCE, "teaspoons", "Ottoline-Vex", str(MESSENGER_ID)):
        assert secret not in logged, f"{secret!r} appears in the logs"
