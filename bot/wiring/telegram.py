"""The Telegram side of a built app: the sender (woken by the outbox bell) and the routers.

Only `bot/telegram` touches aiogram; this file puts its parts together.
"""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.config import Settings
from bot.liveness import Liveness
from bot.telegram.limits import Limits
from bot.telegram.sender import Sender
from bot.telegram.staff_delivery import StaffDelivery
from bot.telegram.transport import Telegram, make_bot, make_dispatcher


def build_telegram(
    app: App, *, limits: Limits | None = None, batch: int = 200, holder: str | None = None
) -> Telegram:
    """Connect the app to Telegram: a sender for the outbox, routers for the updates.

    `holder` names this process on the outbox rows its sender claims.
    """
    bot = make_bot(app.settings)
    limits = limits or configured_limits(app.settings)
    staff = app.staff
    delivery = (
        StaffDelivery(app.uow, app.library, bot, limits, staff.support)
        if staff is not None and staff.support.enabled
        else None
    )  # forum topics, relays and alerts
    telegram = app.settings.telegram
    sender = Sender(
        app.uow, app.clock, app.bell, bot, limits,
        staff_chat_id=telegram.staff_chat_id, paid_broadcast=telegram.paid_broadcast,
        staff=delivery, followup=app.followup, batch=batch,
        holder=holder, live_within=standby_lease(app.settings),
        retry_cap=app.settings.runtime.retry_cap,
    )  # fmt: skip
    dispatcher, order = make_dispatcher(app)
    return Telegram(bot, sender, dispatcher, order)


def standby_lease(settings: Settings) -> timedelta:
    """How long a process may go without a heartbeat and still count as live."""
    return timedelta(seconds=settings.telegram.standby_lease)


def liveness_for(app: App, *, webhook: bool) -> Liveness:
    """This process's heartbeat (and, polling, its claim on the poller lease) over the app's db."""
    role = "webhook" if webhook else "standby"
    return Liveness(app.uow, app.clock, role=role, lease=standby_lease(app.settings))


def configured_limits(settings: Settings) -> Limits:
    """Telegram's send limits as configured (`telegram.*_rate`)."""
    telegram = settings.telegram
    return Limits(
        global_rate=telegram.global_rate,
        private_rate=telegram.private_chat_rate,
        group_per_minute=telegram.group_rate_per_minute,
    )
