"""`daybreak staff check` against the fake Bot API: ready, or exactly what is missing."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from tests.fakebot import FakeBotApi

STAFF_CHAT = -1009876543210


async def staff_check(fake: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> Result:
    """Run the command in a thread (it runs its own event loop) while the fake serves here."""
    monkeypatch.setenv("DAYBREAK_TELEGRAM__TOKEN", fake.token)
    monkeypatch.setenv("DAYBREAK_TELEGRAM__API_BASE_URL", fake.base_url)
    monkeypatch.setenv("DAYBREAK_TELEGRAM__STAFF_CHAT_ID", str(STAFF_CHAT))
    monkeypatch.delenv("DAYBREAK_CONFIG", raising=False)
    return await asyncio.to_thread(CliRunner().invoke, main, ["staff", "check"])


async def test_ready_when_the_bot_may_manage_topics(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeBotApi() as fake:
        fake.add_group(STAFF_CHAT, "Daybreak staff", forum=True)
        result = await staff_check(fake, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "ready" in result.output


async def test_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeBotApi() as fake:
        fake.add_group(STAFF_CHAT, "Daybreak staff", forum=True)
        fake.set_bot_member(STAFF_CHAT, "administrator", can_manage_topics=False)
        result = await staff_check(fake, monkeypatch)
    assert result.exit_code == 1
    assert "lacks" in result.output
    assert "'Manage topics' right" in result.output


async def test_a_chat_without_topics_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeBotApi() as fake:
        fake.add_group(STAFF_CHAT, "Daybreak staff", forum=False)
        result = await staff_check(fake, monkeypatch)
    assert result.exit_code == 1
    assert "not a forum" in result.output
