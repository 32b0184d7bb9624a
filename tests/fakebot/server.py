"""FakeBotApi: the fake Bot API as an aiohttp server on 127.0.0.1, with its test-facing helpers."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from tests.fakebot import methods_bot, methods_chats, methods_edit, methods_send  # noqa: F401  (registers handlers)
from tests.fakebot.faults import Delay, Failure
from tests.fakebot.limits import Limits
from tests.fakebot.players_media import MediaPlayers
from tests.fakebot.requests import read_request
from tests.fakebot.state import ApiError

DEFAULT_TOKEN = "123456789:TEST-fake-bot-api-token"
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class FakeBotApi(MediaPlayers):
    """A Bot API double: checks requests against the spec, keeps state, enforces limits, fails."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        bot_name: str = "Daybreak Test",
        bot_username: str = "daybreak_test_bot",
        auto_create_chats: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(
            token=token, limits=limits, clock=clock, wall_clock=wall_clock,
            bot_name=bot_name, bot_username=bot_username, auto_create_chats=auto_create_chats,
        )  # fmt: skip
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None
        self.updates.on_webhook_reply = self._webhook_reply

    @property
    def base_url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:PORT (the bot's api_base_url)."""
        if self._runner is None:
            raise RuntimeError("the fake Bot API is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def bot_id(self) -> int:
        """The bot's own user id (the number before the colon in the token)."""
        return int(self.world.bot["id"])

    def app(self) -> web.Application:
        """The aiohttp application (routes for methods and file downloads)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def start(self) -> Self:
        """Bind 127.0.0.1 on a free port (or the given one) and serve."""
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = self._runner.addresses
        self.port = int(sockets[0][1])
        timeout = aiohttp.ClientTimeout(total=10)
        self.updates.session = aiohttp.ClientSession(timeout=timeout)
        return self

    async def stop(self) -> None:
        """Wake long polls, close the webhook client and stop serving."""
        self.updates.closing = True
        self.updates.wake()
        if self.updates.session is not None:
            await self.updates.session.close()
            self.updates.session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(UNAUTHORIZED, status=401)
        if self.faults.dropping():  # the connection ends with no answer at all
            self.injected.append({"method": request.match_info["method"], "status": None})
            assert request.transport is not None
            request.transport.abort()
            raise web.HTTPServiceUnavailable()  # never reaches the client: it is gone
        try:
            incoming = await read_request(request)
            result = await self.call(
                request.match_info["method"], incoming.params, incoming.uploads, form=incoming.form
            )
        except ApiError as error:
            return web.json_response(error.body(), status=error.status, dumps=_dumps)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(UNAUTHORIZED, status=401)
        path = request.match_info["path"]
        stored = next((f for f in self.world.files.values() if f.path == path), None)
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _webhook_reply(self, method: str, params: dict[str, Any]) -> None:
        with contextlib.suppress(ApiError):  # Telegram drops a failed webhook reply silently
            await self.call(method, params, {}, form=False)

    def fail_next(
        self,
        method: str | None,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> Failure:
        """The next `times` calls of `method` (None: any) fail with `status` (429: retry_after)."""
        return self.faults.fail(method, status, times, retry_after, description)

    def delay_next(
        self, method: str | None, seconds: float, *, times: int = 1, perform_first: bool = False
    ) -> Delay:
        """The next calls of `method` answer `seconds` late (perform_first: act, then wait)."""
        delay = Delay(method, seconds, times, perform_first)
        self.faults.delays.append(delay)
        return delay

    def outage(self, seconds: float | None = None) -> None:
        """Every call answers 502 Bad Gateway for `seconds` (None: until `end_outage()`)."""
        self.faults.outage_until = float("inf") if seconds is None else self.clock() + seconds

    def drop_connections(self, seconds: float) -> None:
        """Every call's connection is closed unanswered for `seconds` (a network that drops)."""
        self.faults.dropping_until = self.clock() + seconds

    def end_outage(self) -> None:
        """End an outage now."""
        self.faults.outage_until = None

    async def redeliver(self) -> None:
        """Retry POSTing updates the webhook refused before."""
        await self.updates.flush_webhook()

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Accepted-by-the-spec requests in order, optionally of one method."""
        return [r for r in self.requests if method is None or r["method"] == method]
