"""Injected faults: failures with any status, slow answers, and an outage."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from fakebot_support import PATIENT, call

from tests.fakebot import FakeBotApi


async def test_fail_next_with_each_status(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("sendMessage", 500)
    fake.fail_next("sendMessage", 429, retry_after=7)
    fake.fail_next("sendMessage", 403)
    with pytest.raises(TelegramServerError):
        await bot.send_message(PATIENT, "a")
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(PATIENT, "b")
    assert retry.value.retry_after == 7
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(PATIENT, "c")
    await bot.send_message(PATIENT, "d")
    assert [s["text"] for s in fake.sent(PATIENT)] == ["d"]
    assert [i["status"] for i in fake.injected] == [500, 429, 403]
    assert fake.rate_limited == []  # injected 429s are not the limiter's


async def test_fail_next_counts_down_and_can_match_any_method(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    fake.fail_next(None, 400, times=2, description="Bad Request: chat not found")
    assert (await call(http, fake, "getMe"))[1]["description"] == "Bad Request: chat not found"
    assert (await call(http, fake, "getChat", chat_id=PATIENT))[0] == 400
    assert (await call(http, fake, "getMe"))[0] == 200


async def test_delay_provokes_a_client_timeout(fake: FakeBotApi, bot: Bot) -> None:
    fake.delay_next("sendMessage", 0.5, perform_first=True)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(PATIENT, "slow", request_timeout=0.1)  # type: ignore[arg-type]
    assert [s["text"] for s in fake.sent(PATIENT)] == ["slow"]  # it was sent all the same


async def test_outage_answers_502_until_it_ends(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    fake.outage()
    status, body = await call(http, fake, "getMe")
    assert (status, body["description"]) == (502, "Bad Gateway")
    fake.end_outage()
    assert (await call(http, fake, "getMe"))[0] == 200
    fake.outage(seconds=0.0)
    assert (await call(http, fake, "getMe"))[0] == 200
