"""Incoming updates: the getUpdates queue with long polling, or delivery to a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.fakebot.state import ApiError

NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
WebhookReply = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass
class Webhook:
    """The webhook the bot set, and how delivery to it went."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Delivery:
    """One attempt to POST an update to the webhook."""

    update_id: int
    status: int | None
    error: str | None = None


@dataclass
class Updates:
    """The queue of updates not yet confirmed, polled by getUpdates or pushed to a webhook."""

    wall_clock: Callable[[], float] = time.time
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    allowed: list[str] | None = None
    webhook: Webhook | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    session: aiohttp.ClientSession | None = None
    on_webhook_reply: WebhookReply | None = None
    _ids: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _generation: int = 0
    closing: bool = False

    def make(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A new update with the next update_id."""
        return {"update_id": self._ids(), kind: payload}

    def is_allowed(self, update: dict[str, Any]) -> bool:
        """Whether the bot's allowed_updates let this update through."""
        kind = next(key for key in update if key != "update_id")
        return kind not in NOT_BY_DEFAULT if not self.allowed else kind in self.allowed

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue the update, or deliver it at once when a webhook is set."""
        self.pending.append(update)
        self.wake()
        if self.webhook is not None:
            await self.flush_webhook()
        return update

    def wake(self) -> None:
        """Wake every waiting getUpdates."""
        self._wake.set()
        self._wake = asyncio.Event()

    async def get(
        self, offset: int | None, limit: int, wait: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm below `offset`, return up to `limit`, waiting up to `wait` s."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if allowed is not None:
            self.allowed = allowed
        self._generation += 1
        generation = self._generation
        self.wake()  # an older getUpdates still waiting is terminated
        deadline = asyncio.get_running_loop().time() + max(0.0, wait)
        while True:
            found = self._select(offset, limit)
            remaining = deadline - asyncio.get_running_loop().time()
            if found or remaining <= 0 or self.closing:
                return found
            wake = self._wake
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), remaining)
            if generation != self._generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if offset is not None and offset < 0:
                offset = None

    def _select(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        if offset is not None and offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()
        elif offset is not None:
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        for update in [u for u in self.pending if not self.is_allowed(u)]:
            self.pending.remove(update)
        return list(itertools.islice(self.pending, max(1, min(limit, 100))))

    def drop_pending(self) -> None:
        """Forget every update not yet confirmed."""
        self.pending.clear()

    async def flush_webhook(self) -> None:
        """POST pending updates to the webhook, in order, stopping at the first failure."""
        while self.webhook is not None and self.pending:
            update = self.pending[0]
            if not self.is_allowed(update):
                self.pending.popleft()
                continue
            if not await self._post(self.webhook, update):
                return
            if self.pending and self.pending[0] is update:
                self.pending.popleft()

    async def _post(self, webhook: Webhook, update: dict[str, Any]) -> bool:
        assert self.session is not None, "the fake must be started before delivering to a webhook"
        headers = (
            {"X-Telegram-Bot-Api-Secret-Token": webhook.secret_token}
            if webhook.secret_token
            else {}
        )
        try:
            async with self.session.post(webhook.url, json=update, headers=headers) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            return self._failed(webhook, update, None, f"Connection failed: {type(error).__name__}")
        if not 200 <= status < 300:
            return self._failed(
                webhook, update, status, f"Wrong response from the webhook: {status}"
            )
        self.deliveries.append(Delivery(update["update_id"], status))
        await self._reply(body)
        return True

    def _failed(
        self, webhook: Webhook, update: dict[str, Any], status: int | None, message: str
    ) -> bool:
        self.deliveries.append(Delivery(update["update_id"], status, message))
        webhook.last_error_date, webhook.last_error_message = int(self.wall_clock()), message
        return False

    async def _reply(self, body: bytes) -> None:
        """A webhook may answer with a method call in its response body."""
        try:
            reply = json.loads(body) if body else None
        except ValueError:
            return
        if (
            isinstance(reply, dict)
            and isinstance(reply.get("method"), str)
            and self.on_webhook_reply
        ):
            method = reply.pop("method")
            await self.on_webhook_reply(method, reply)

    def info(self) -> dict[str, Any]:
        """The WebhookInfo object."""
        hook = self.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self.allowed:
            info["allowed_updates"] = list(self.allowed)
        return info
