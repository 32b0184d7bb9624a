"""Webhook mode's doors: updates (answered 200 only once stored in the inbox), and `/healthz`.

Telegram redelivers what was not answered 200, so an update that could not be stored (the
database away) is answered 503 and comes again; one stored twice is kept once.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.care.health import HealthLimits, health_report
from bot.care.ports import Clock, UnitOfWorkFactory
from bot.supervisor import describe
from bot.telegram.polling import store_updates

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"


def add_webhook_route(
    web_app: web.Application,
    path: str,
    secret: str,
    uow: UnitOfWorkFactory,
    stored: Callable[[], None],
) -> None:
    """Take updates POSTed to `path` carrying `secret`, into the inbox; `stored` after each."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401, text="Unauthorized")
        try:
            update = Update.model_validate(await request.json())
        except (ValueError, ValidationError):
            return web.Response(status=400, text="not an update")
        try:
            await store_updates(uow, [update])
        except Exception as error:  # Telegram tries again later: nothing is lost
            log.warning("could not store an update (%s); asked Telegram to resend", describe(error))
            return web.Response(status=503, text="try again")
        stored()
        return web.Response(status=200)

    web_app.router.add_post(path, receive)


def add_health_route(
    web_app: web.Application, uow: UnitOfWorkFactory, clock: Clock, limits: HealthLimits
) -> None:
    """`GET /healthz`: the health report as JSON, 200 when healthy and 503 when not."""

    async def healthz(_request: web.Request) -> web.Response:
        try:
            report = await health_report(uow, clock, limits)
        except Exception as error:  # the database away: that is not healthy
            return web.json_response({"healthy": False, "problems": [describe(error)]}, status=503)
        return web.json_response(report.as_dict(), status=200 if report.healthy else 503)

    web_app.router.add_get(HEALTH_PATH, healthz)
