"""Telegram's errors and limits, at Telegram's real rates (1 message/s per private chat, 30/s).

One `daybreak run` serves the module; each scenario is its own patient.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.e2e.telegram.conftest import BotProcess, Patient, bot_env, eventually
from tests.fakebot import FakeBotApi, Limits

pytestmark = pytest.mark.asyncio(loop_scope="module")

# What /start says, in order: the welcome, "not an emergency", consent, then the question.
INTRO = [
    "Hello, and welcome to Daybreak.",
    "Daybreak is a programme to help",
    "There are seven weekly modules.",
    "From time to time I'll ask",
    "One important thing first:",
    "If you ever feel you might harm yourself",
    "What you share here is stored securely",
    "Would you like to start Daybreak?",
]


@pytest.fixture(scope="module")
def shared_limits() -> Limits:
    """Telegram's own limits."""
    return Limits()


def intro_in_order(patient: Patient) -> list[str]:
    """Which intro message each message the patient got was (assertion-friendly)."""
    seen = []
    for text in patient.texts():
        matches = [line for line in INTRO if text.startswith(line)]
        seen.append(matches[0] if matches else text[:40])
    return seen


async def test_a_429_storm_then_everything_arrives_in_order(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    ann = Patient(fake, 7001)
    await ann.send("/start")
    await ann.expect(INTRO[0])
    fake.fail_next(None, 429, times=5, retry_after=1)  # every method, including getUpdates
    await ann.expect(INTRO[-1], within=30)
    assert intro_in_order(ann) == INTRO  # nothing lost, nothing twice, in order
    assert len([i for i in fake.injected if i["status"] == 429]) == 5
    await ann.press("I agree")  # and the conversation goes on
    await ann.expect("Are you 18 or older?")
    assert fake.rate_limited == []  # the bot itself never ran into a limit
    assert fake.violations == []


async def test_server_errors_and_an_outage_are_retried_and_delivered(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    bo = Patient(fake, 7002)
    await bo.send("/start")
    await bo.expect(INTRO[0])
    fake.fail_next("sendMessage", 500, times=2)
    fake.fail_next("sendMessage", 502)
    await bo.expect(INTRO[2], within=30)
    fake.outage(2.0)
    await bo.expect(INTRO[-1], within=40)
    assert intro_in_order(bo) == INTRO
    assert {i["status"] for i in fake.injected} >= {500, 502}
    assert fake.rate_limited == []
    assert fake.violations == []


async def test_a_blocked_patient_is_marked_and_their_messages_parked(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    cy = Patient(fake, 7003)
    await cy.send("/start")
    await cy.expect(INTRO[0])
    await fake.block(cy.id)  # in the middle of the intro (1 a second)

    def blocked() -> bool:
        return shared_bot.sql("SELECT count(*) FROM patients WHERE status = 'blocked'") == [(1,)]

    await eventually(blocked, what="the patient marked blocked")
    rows = dict(
        shared_bot.sql(
            "SELECT o.status, count(*) FROM outbox o JOIN patients p ON p.id = o.patient_id"
            " WHERE p.status = 'blocked' GROUP BY o.status"
        )
    )
    assert rows.get("parked", 0) >= 1, rows
    assert "pending" not in rows, rows
    attempts = len([r for r in fake.requests if r["params"].get("chat_id") == cy.id])
    await Patient(fake, 7099).settle(2.5)  # longer than any retry the sender would make
    assert len([r for r in fake.requests if r["params"].get("chat_id") == cy.id]) == attempts
    assert fake.violations == []


async def test_a_refused_message_is_recorded_failed_and_the_conversation_goes_on(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    dee = Patient(fake, 7004)
    fake.fail_next("sendMessage", 400, description="Bad Request: can't parse entities")
    await dee.send("/start")
    await dee.expect(INTRO[-1], within=30)
    assert intro_in_order(dee) == INTRO[1:]  # the refused welcome is the only gap
    failed = shared_bot.sql("SELECT last_error FROM outbox WHERE status = 'failed'")
    assert failed == [("400 Bad Request: can't parse entities",)]
    await dee.press("I agree")
    await dee.expect("Are you 18 or older?")
    assert fake.violations == []
    assert fake.rate_limited == []


async def test_staffed_without_a_staff_chat_refuses_to_start_naming_both_ways_out(
    shared_fake: FakeBotApi, tmp_path: Path
):
    env = bot_env(tmp_path, shared_fake, DAYBREAK_PROGRAMME__STAFFING="staffed")
    env.pop("DAYBREAK_TELEGRAM__STAFF_CHAT_ID", None)
    before = len(shared_fake.requests)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 120)  # imports take a while
    text = output.decode()
    assert process.returncode == 2, text
    assert "telegram.staff_chat_id (DAYBREAK_TELEGRAM__STAFF_CHAT_ID)" in text
    assert 'programme.staffing = "unstaffed" (DAYBREAK_PROGRAMME__STAFFING=unstaffed)' in text
    assert shared_fake.token not in text
    # Refused before a word to Telegram (a starting bot first publishes its commands).
    assert not any(r["method"] == "setMyCommands" for r in shared_fake.requests[before:])
