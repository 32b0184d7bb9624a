"""The patients' router: private chats only. Handlers parse, call a care service, return.

Replies never go out from here directly: the care layer puts them in the outbox in the same
transaction as the state change, and the sender delivers them.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message, Update

from bot.app import App
from bot.care import phrases
from bot.care.commands import COMMAND_FLOWS, SERVICE_COMMANDS
from bot.telegram.caller import MESSENGER, Caller

PATIENT_COMMANDS = (*COMMAND_FLOWS, *SERVICE_COMMANDS)


def event_key(update: Update) -> str:
    """The care layer's idempotency key for an update: a redelivery changes nothing."""
    return f"tg:{update.update_id}"


def patient_router(app: App) -> Router:
    """Handlers for everything a patient can send in a private chat."""
    router = Router(name="patients")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.edited_message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    async def patient_id(message: Message, update: Update, caller: Caller) -> int | None:
        """The sender's patient id; someone new is enrolled as if they had sent /start."""
        found = await caller.patient_id()
        if found is not None:
            return found
        await start(message, update, None)
        return None

    @router.message(CommandStart())
    async def start(message: Message, update: Update, command: CommandObject | None) -> None:
        assert message.from_user is not None
        await app.enrolment.start(
            MESSENGER,
            message.from_user.id,
            message.chat.id,
            key=event_key(update),
            language=_language(message.from_user.language_code),
            payload=command.args if command else None,
        )

    @router.message(Command(*PATIENT_COMMANDS))
    async def command(
        message: Message, update: Update, command: CommandObject, caller: Caller
    ) -> None:
        if (pid := await patient_id(message, update, caller)) is not None:
            await app.commands.run(pid, command.command, event_key(update))

    @router.message(F.text)
    async def text(message: Message, update: Update, caller: Caller) -> None:
        if (pid := await patient_id(message, update, caller)) is not None:
            await app.conversations.text(pid, event_key(update), message.text or "")

    @router.message()
    async def anything_else(message: Message, update: Update, caller: Caller) -> None:
        """Stickers, photos, voice notes, locations...: a kind word, and the question again."""
        if (pid := await patient_id(message, update, caller)) is not None:
            await app.conversations.unsupported(pid, event_key(update))

    @router.edited_message(F.text)
    async def edited(message: Message, update: Update, caller: Caller) -> None:
        if (pid := await caller.patient_id()) is not None:
            await app.conversations.edited(pid, event_key(update), message.text or "")

    @router.callback_query()
    async def pressed(query: CallbackQuery, update: Update, caller: Caller) -> None:
        """Every callback query is answered; a stale or forged one changes nothing."""
        pid = await caller.patient_id()
        current = pid is not None and await app.conversations.press(
            pid, event_key(update), query.data or ""
        )
        language = _language(query.from_user.language_code) or app.library.default_language
        await query.answer(None if current else phrases.plain("stale_button_short", language))
        if current and isinstance(query.message, Message):
            # Take the keyboard off the answered question so it cannot be pressed again.
            await query.message.edit_reply_markup(reply_markup=None)

    return router


def _language(code: str | None) -> str | None:
    """Telegram's IETF language tag as our language code ('zh-hans' → 'zh')."""
    return code.split("-")[0].lower() if code else None
