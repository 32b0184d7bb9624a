"""Onboarding in Telegram against the real `daybreak run`: by taps, by typing the buttons' labels,
from a study site's deep link, and (once) on PostgreSQL."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.crypto import generate_key
from storage.db import create_engine
from tests.e2e.telegram.conftest import BotProcess, Patient
from tests.fakebot import FakeBotApi
from tests.support.databases import pg_url, require_postgres

PHQ9_ITEMS = 9
GAD7_ITEMS = 7


async def tap_through_measures(patient: Patient, answer: str = "Not at all") -> None:
    """Answer every PHQ-9 and GAD-7 item with the same button."""
    for item in range(1, PHQ9_ITEMS + 1):
        await patient.expect(f"({item}/{PHQ9_ITEMS})")
        await patient.press(answer)
    for item in range(1, GAD7_ITEMS + 1):
        await patient.expect(f"({item}/{GAD7_ITEMS})")
        await patient.press(answer)


async def test_onboarding_by_taps_then_graceful_shutdown(fake: FakeBotApi, bot: BotProcess):
    # On start the command menu was published in English (the default) and Chinese.
    languages = {language for (_scope, language) in fake.commands}
    assert languages == {"", "zh"}
    english = {c["command"] for c in fake.commands[(json.dumps({"type": "default"}), "")]}
    assert {"help", "menu", "stop"} <= english

    ann = Patient(fake, 5001)
    await ann.send("/start")
    await ann.expect("welcome to Daybreak")
    await ann.expect("not an emergency service")
    await ann.expect("Would you like to start Daybreak?")
    assert ann.buttons() == ["I agree", "Not now"]
    await ann.press("I agree")
    await ann.expect("Are you 18 or older?")
    await ann.press("Yes")
    await ann.expect("What would you like me to call you?")
    await ann.send("Ann")
    await ann.expect("Nice to meet you, Ann.")
    await ann.press("English")
    await ann.somewhere_else()
    await tap_through_measures(ann)
    await ann.expect("That's everything for today, Ann.")
    await ann.settle()

    # Every tap was answered, and each answered question lost its keyboard.
    taps = len(fake.calls("answerCallbackQuery"))
    assert taps == 5 + PHQ9_ITEMS + GAD7_ITEMS
    assert {a["text"] for a in fake.callback_answers if "text" in a} <= {None}
    assert ann.buttons() == []
    assert [r["method"] for r in ann.messages()] == ["sendMessage"] * len(ann.messages())

    # SIGTERM: the process exits 0 within a few seconds and everything stays committed.
    started = time.monotonic()
    assert await bot.stop(within=8) == 0, bot.output()
    assert time.monotonic() - started < 8
    assert bot.sql("SELECT count(*) FROM enrolments") == [(1,)]
    assert bot.sql("SELECT count(*) FROM outbox WHERE status != 'sent'") == [(0,)]
    assert fake.violations == []
    assert fake.rate_limited == []


async def test_onboarding_by_typed_labels_from_a_study_site_link(fake: FakeBotApi, bot: BotProcess):
    bo = Patient(fake, 5002)
    await bo.send("/start SITE42")
    await bo.expect("Would you like to start Daybreak?")
    await bo.send("maybe later?")  # no button says that: asked to tap, the buttons still there
    await bo.expect("Please tap one of the buttons")
    assert bo.buttons()[-2:] == ["I agree", "Not now"]
    await bo.send("i agree")  # a button's label, typed (any case)
    await bo.expect("Are you 18 or older?")
    await bo.send("Yes")
    await bo.expect("What would you like me to call you?")
    await bo.send("Bo")
    await bo.expect("Nice to meet you, Bo.")
    await bo.send("English")
    await bo.somewhere_else(typed=True)
    for item in range(1, PHQ9_ITEMS + 1):
        await bo.expect(f"({item}/{PHQ9_ITEMS})")
        # (item 9 above "not at all" would rightly start the safety pathway)
        await bo.send("Several days" if item < PHQ9_ITEMS else "Not at all")
    await bo.expect("If you checked off any problems")  # item 10: unscored, asked after a "yes"
    await bo.send("somewhat difficult")
    for item in range(1, GAD7_ITEMS + 1):
        await bo.expect(f"({item}/{GAD7_ITEMS})")
        await bo.send("not at all")
    await bo.expect("Your score is 0 out of 21")
    assert any("Your score is 8 out of 27" in t for t in bo.texts())  # PHQ-9, by typed labels
    await bo.expect("That's everything for today, Bo.")

    assert bot.sql("SELECT study_site FROM patients") == [("SITE42",)]
    assert fake.calls("answerCallbackQuery") == []  # nothing was tapped
    assert fake.violations == []


@pytest.fixture
async def postgres_url() -> Callable[[], Awaitable[str]]:
    """A uniquely named PostgreSQL database for one test, dropped afterwards."""
    await require_postgres()
    name = f"daybreak_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_url()).set(database=name).render_as_string(hide_password=False)

    async def get() -> str:
        return url

    yield get  # type: ignore[misc]
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.mark.postgres
async def test_onboarding_on_postgresql(
    fake: FakeBotApi,
    daybreak: Callable[..., Awaitable[BotProcess]],
    postgres_url: Callable[[], Awaitable[str]],
):
    url = await postgres_url()
    process = await daybreak(DAYBREAK_DATABASE__URL=url, DAYBREAK_SECURITY__DATA_KEY=generate_key())
    cy = Patient(fake, 5003)
    await cy.send("/start")
    await cy.expect("Would you like to start Daybreak?")
    await cy.press("I agree")
    await cy.expect("Are you 18 or older?")
    await cy.press("Yes")
    await cy.expect("What would you like me to call you?")
    await cy.send("Cy")
    await cy.expect("Nice to meet you, Cy.")
    await cy.press("English")
    await cy.somewhere_else()
    await tap_through_measures(cy)
    await cy.expect("That's everything for today, Cy.")
    assert await process.stop() == 0, process.output()

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            enrolled = (await connection.execute(text("SELECT count(*) FROM enrolments"))).scalar()
            unsent = await connection.execute(
                text("SELECT count(*) FROM outbox WHERE status != 'sent'")
            )
            assert (enrolled, unsent.scalar()) == (1, 0)
    finally:
        await engine.dispose()
    assert fake.violations == []
    assert os.environ.get("DAYBREAK_DATABASE__URL") != url  # the parent's env was untouched
