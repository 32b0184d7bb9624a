"""Fixtures for the fake Bot API's tests: a started fake, an aiogram Bot, a raw HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from fakebot_support import PATIENT, STAFF_CHAT

from tests.fakebot import FakeBotApi


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
