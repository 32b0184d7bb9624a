"""Incoming updates: long polling with offsets, and webhook delivery with the secret header."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from fakebot_support import PATIENT, call

from tests.fakebot import FakeBotApi


async def test_long_poll_returns_a_queued_update_promptly(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(call(http, fake, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    update = await fake.user_sends(PATIENT, "hello")
    status, body = await poll
    assert status == 200
    assert body["result"] == [update]
    assert time.monotonic() - started < 0.5


async def test_long_poll_times_out_empty(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    status, body = await call(http, fake, "getUpdates", timeout=1)
    assert (status, body["result"]) == (200, [])
    assert 0.9 <= time.monotonic() - started < 2


async def test_offset_confirms_and_limit_and_allowed_updates(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    first = await fake.user_sends(PATIENT, "one")
    second = await fake.user_sends_sticker(PATIENT)
    assert second["update_id"] == first["update_id"] + 1
    assert (await call(http, fake, "getUpdates", limit=1))[1]["result"] == [first]
    assert (await call(http, fake, "getUpdates", offset=second["update_id"]))[1]["result"] == [
        second
    ]
    assert (await call(http, fake, "getUpdates", offset=second["update_id"] + 1))[1]["result"] == []
    await fake.user_sends(PATIENT, "text")
    await fake.block(PATIENT)
    _, body = await call(http, fake, "getUpdates", allowed_updates=["my_chat_member"])
    assert [next(k for k in u if k != "update_id") for u in body["result"]] == ["my_chat_member"]


async def test_a_second_poller_terminates_the_first(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(call(http, fake, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(call(http, fake, "getUpdates", timeout=1))
    status, body = await first
    assert status == 409
    assert "terminated by other getUpdates request" in body["description"]
    assert (await second)[0] == 200


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[str | None, dict[str, Any]]]]]:
    """A webhook endpoint that records the secret header and the update, and replies with a call."""
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update))
        chat_id = update["message"]["chat"]["id"]
        return web.json_response(
            {"method": "sendMessage", "chat_id": chat_id, "text": "webhook reply"}
        )

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/hook", received
    await runner.cleanup()


async def test_webhook_delivery_with_secret(
    fake: FakeBotApi,
    http: aiohttp.ClientSession,
    receiver: tuple[str, list[tuple[str | None, dict[str, Any]]]],
) -> None:
    url, received = receiver
    assert (await call(http, fake, "setWebhook", url=url, secret_token="s3cr3t"))[0] == 200
    update = await fake.user_sends(PATIENT, "hi via webhook")
    assert received == [("s3cr3t", update)]
    assert fake.sent(PATIENT)[0]["text"] == "webhook reply"
    status, body = await call(http, fake, "getUpdates")
    assert status == 409
    assert body["description"].startswith("Conflict: can't use getUpdates")
    _, info = await call(http, fake, "getWebhookInfo")
    assert info["result"]["url"] == url
    assert info["result"]["pending_update_count"] == 0
    assert (await call(http, fake, "deleteWebhook"))[0] == 200
    assert (await call(http, fake, "getUpdates"))[0] == 200
    assert fake.violations == []


async def test_webhook_failures_keep_the_update(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    await call(http, fake, "setWebhook", url="http://127.0.0.1:9/nowhere")
    update = await fake.user_sends(PATIENT, "lost?")
    _, info = await call(http, fake, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 1
    assert info["result"]["last_error_message"].startswith("Connection failed")
    await call(http, fake, "deleteWebhook")
    assert (await call(http, fake, "getUpdates"))[1]["result"] == [update]
