"""When the staff chat cannot be reached: alerts are never dropped, and their patients are told.

A 403 from the staff chat (the bot was removed), a 400 "chat not found" or a missing right, and
network trouble all leave staff messages pending, to be tried again with backoff until the chat
answers. Each undelivered alert's patient hears, once, that the team could not be reached and
where to get help now: at once when the chat refused, after a short grace for network trouble
(which a retry a few seconds later usually outlasts).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiogram.exceptions import TelegramBadRequest

from bot.care.messages import AlertMessage
from bot.care.ports import OutgoingMessage
from bot.care.safety_followup import SafetyFollowUp

log = logging.getLogger(__name__)

# Telegram's descriptions of a staff chat the bot cannot write to (not of a message it refused).
UNREACHABLE = (
    "chat not found",
    "not enough rights",
    "have no rights",
    "need administrator rights",
    "chat_write_forbidden",
    "chat_admin_required",
    "not a member",
    "was kicked",
    "upgraded to a supergroup",
)
ALERT_GRACE = timedelta(minutes=1)


def is_alert(message: OutgoingMessage) -> bool:
    """True for a staff-chat alert about a patient (first posting or a repost)."""
    return alert_of(message) is not None


def alert_of(message: OutgoingMessage) -> AlertMessage | None:
    """The staff-chat alert a message carries, if it is one."""
    if message.target_kind == "staff" and isinstance(message.payload, AlertMessage):
        return message.payload
    return None


def chat_unreachable(error: TelegramBadRequest) -> bool:
    """True when a 400 means the staff chat itself is out of reach."""
    text = error.message.lower()
    return any(fragment in text for fragment in UNREACHABLE)


def keeps_trying(message: OutgoingMessage, error: TelegramBadRequest) -> bool:
    """True when a refused staff message must wait for the chat instead of failing."""
    return message.target_kind == "staff" and (is_alert(message) or chat_unreachable(error))


async def tell_patient(
    followup: SafetyFollowUp | None, message: OutgoingMessage, now: datetime, *, refused: bool
) -> None:
    """The patient of an undelivered alert hears the truth (once per alert; see SafetyFollowUp)."""
    alert = alert_of(message)
    if followup is None or alert is None:
        return
    alert_id = alert.alert_id
    if not refused and now - message.created_at < ALERT_GRACE:
        return  # a network blip: the next try a few seconds on usually gets through
    try:
        await followup.alert_undelivered(alert_id)
    except Exception:  # the alert itself must keep its retries whatever happens here
        log.exception("telling the patient about undelivered alert %s failed", alert_id)
