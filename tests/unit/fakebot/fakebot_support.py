"""Helpers for the fake Bot API's tests (a unique module name: tests have no packages)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.fakebot import FakeBotApi

PATIENT = 1001
STAFF_CHAT = -1001234567890


async def call(
    http: aiohttp.ClientSession, fake: FakeBotApi, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """POST a JSON request and return the status and the decoded body."""
    async with http.post(f"{fake.base_url}/bot{fake.token}/{method}", json=params) as response:
        return response.status, await response.json()


async def call_form(
    http: aiohttp.ClientSession, fake: FakeBotApi, method: str, **params: str
) -> tuple[int, dict[str, Any]]:
    """POST an x-www-form-urlencoded request and return the status and the decoded body."""
    async with http.post(f"{fake.base_url}/bot{fake.token}/{method}", data=params) as response:
        return response.status, await response.json()


def keyboard(*buttons: tuple[str, str]) -> dict[str, Any]:
    """An inline keyboard with one callback button per row."""
    return {"inline_keyboard": [[{"text": text, "callback_data": data}] for text, data in buttons]}
