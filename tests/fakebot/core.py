"""The fake's engine, without HTTP: check a call, apply faults and limits, run it."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from tests.fakebot.faults import Faults
from tests.fakebot.limits import SEND_METHODS, Limits, RateLimiter
from tests.fakebot.semantics import BadRequest, check_semantics
from tests.fakebot.spec import Spec, load_spec
from tests.fakebot.state import ApiError, Chat, World, bad_request
from tests.fakebot.updates import Updates

Handler = Callable[["Core", dict[str, Any]], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}
UPLOADS: ContextVar[dict[str, Upload]] = ContextVar("UPLOADS")
NOT_FOUND = ApiError(404, "Not Found: method not found")


def handles(*methods: str) -> Callable[[Handler], Handler]:
    """Register a coroutine as the fake's implementation of Bot API methods."""

    def register(handler: Handler) -> Handler:
        for method in methods:
            HANDLERS[method] = handler
        return handler

    return register


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


class Core:
    """State, limits and faults shared by HTTP, the method handlers and the played users."""

    def __init__(
        self,
        *,
        token: str,
        limits: Limits | None,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        bot_name: str,
        bot_username: str,
        auto_create_chats: bool,
    ) -> None:
        self.token = token
        self.spec: Spec = load_spec()
        bot = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.world = World(bot, wall_clock)
        self.limiter = RateLimiter(limits or Limits(), clock)
        self.faults = Faults(clock)
        self.updates = Updates(wall_clock)
        self.clock = clock
        self.auto_create_chats = auto_create_chats
        self.violations: list[str] = []
        self.rate_limited: list[dict[str, Any]] = []
        self.injected: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.records: dict[int, list[dict[str, Any]]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.pending_callbacks: dict[str, dict[str, Any]] = {}
        self.query_ids = itertools.count(1).__next__
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}

    @property
    def limits(self) -> Limits:
        """The limits in force; change their fields to shrink or widen windows during a test."""
        return self.limiter.limits

    async def call(
        self, name: str, raw: dict[str, Any], uploads: dict[str, Upload], *, form: bool
    ) -> Any:
        """Run one Bot API call; returns the result or raises ApiError."""
        method = self.spec.method_name(name)
        if method is None:
            raise NOT_FOUND
        params = self._checked(method, raw, uploads, form=form)
        self.requests.append({"method": method, "params": params})
        await self._faults(method)
        delay = self.faults.take_delay(method)
        handler = HANDLERS.get(method)
        if handler is None:
            self.violations.append(
                f"{method}: not simulated by the fake Bot API (extend tests/fakebot)"
            )
            raise bad_request(f"method {method} is not simulated by the fake")
        if delay is not None and not delay.perform_first:
            await asyncio.sleep(delay.seconds)
        UPLOADS.set(uploads)
        result = await handler(self, params)
        if delay is not None and delay.perform_first:
            await asyncio.sleep(delay.seconds)
        return result

    def _checked(
        self, method: str, raw: dict[str, Any], uploads: dict[str, Upload], *, form: bool
    ) -> dict[str, Any]:
        checked = self.spec.check_request(method, raw, set(uploads), form=form)
        errors = checked.errors
        if not errors:
            try:
                check_semantics(method, checked.params)
            except BadRequest as error:
                errors = [str(error)]
        if errors:
            self.violations.append(f"{method}: {'; '.join(errors)}")
            raise bad_request(errors[0])
        return checked.params

    async def _faults(self, method: str) -> None:
        if self.faults.in_outage():
            self.injected.append({"method": method, "status": 502})
            raise ApiError(502, "Bad Gateway")
        failure = self.faults.take_failure(method)
        if failure is not None:
            self.injected.append({"method": method, "status": failure.status})
            body = failure.body()
            raise ApiError(failure.status, failure.description, body.get("parameters"))

    def target_chat(self, params: dict[str, Any]) -> Chat:
        """The chat a call addresses, checked for blocks, membership and the topic."""
        chat_id = params["chat_id"]
        if (
            self.auto_create_chats
            and isinstance(chat_id, int)
            and chat_id > 0
            and chat_id not in self.world.chats
        ):
            self.world.add_user(chat_id)
        chat = self.world.chat(chat_id)
        if chat.private and chat.id in self.world.blocked:
            raise ApiError(403, f"Forbidden: {self.world.blocked[chat.id]}")
        if not chat.private:
            status = self.world.member(chat, self.world.bot["id"]).status
            if status in ("left", "kicked"):
                verb = "kicked from" if status == "kicked" else "not a member of"
                raise ApiError(403, f"Forbidden: bot is {verb} the {chat.type} chat")
        if params.get("message_thread_id") is not None:
            chat.live_topic(params["message_thread_id"])
        return chat

    def pace(self, method: str, chat: Chat, params: dict[str, Any]) -> None:
        """Apply Telegram's sending limits to a send; raises a real 429 and records it."""
        if method not in SEND_METHODS:
            return
        refusal = self.limiter.check(
            chat.id, private=chat.private, paid=bool(params.get("allow_paid_broadcast"))
        )
        if refusal is None:
            return
        self.rate_limited.append(
            {
                "method": method,
                "chat_id": chat.id,
                "scope": refusal.scope,
                "retry_after": refusal.retry_after,
                "at": self.clock(),
            }
        )
        raise ApiError(
            429,
            f"Too Many Requests: retry after {refusal.retry_after}",
            {"retry_after": refusal.retry_after},
        )

    def record(
        self, method: str, chat: Chat, message: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        """Remember a message the bot sent, for `sent()`."""
        record = {
            "method": method,
            "chat_id": chat.id,
            "message_id": message["message_id"],
            "message_thread_id": params.get("message_thread_id"),
            "text": params.get("text"),
            "plain_text": message.get("text"),
            "caption": params.get("caption"),
            "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"),
            "params": params,
            "message": message,
            "edits": [],
            "at": time.monotonic(),
        }
        self.records.setdefault(chat.id, []).append(record)
        return record

    def find_record(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The record of a message the bot sent, if any."""
        return next(
            (r for r in reversed(self.records.get(chat_id, [])) if r["message_id"] == message_id),
            None,
        )
