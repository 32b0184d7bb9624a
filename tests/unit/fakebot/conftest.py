"""Fixtures for the fake Bot API's tests: a started fake, an aiogram Bot, a raw HTTP client."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[3]
if (
    str(ROOT) not in sys.path
):  # `tests.fakebot` lives beside the suites, not in an installed package
    sys.path.insert(0, str(ROOT))

from aiogram import Bot  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402

from tests.fakebot import FakeBotApi  # noqa: E402

PATIENT = 1001
STAFF_CHAT = -1001234567890


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A started fake with one patient (private chat) and a forum supergroup."""
    async with FakeBotApi() as server:
        server.add_user(PATIENT, "Ann")
        server.add_group(STAFF_CHAT, "Daybreak staff")
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    """A real aiogram Bot pointed at the fake."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    client = Bot(fake.token, session=session)
    yield client
    await session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client for hand-made (and wrong) requests."""
    async with aiohttp.ClientSession() as session:
        yield session
