"""The Telegram side of a built app: the sender (woken by the outbox bell) and the routers.

Only `bot/telegram` touches aiogram; this file puts its parts together.
"""

from __future__ import annotations

from bot.app import App
from bot.config import Settings
from bot.telegram.limits import Limits
from bot.telegram.sender import Sender
from bot.telegram.staff_delivery import StaffDelivery
from bot.telegram.transport import Telegram, make_bot, make_dispatcher


def build_telegram(app: App, *, limits: Limits | None = None, batch: int = 200) -> Telegram:
    """Connect the app to Telegram: a sender for the outbox, routers for the updates."""
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
    )  # fmt: skip
    dispatcher, order = make_dispatcher(app)
    return Telegram(bot, sender, dispatcher, order)


def configured_limits(settings: Settings) -> Limits:
    """Telegram's send limits as configured (`telegram.*_rate`)."""
    telegram = settings.telegram
    return Limits(
        global_rate=telegram.global_rate,
        private_rate=telegram.private_chat_rate,
        group_per_minute=telegram.group_rate_per_minute,
    )
