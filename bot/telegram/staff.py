"""The staff router: helpers in the staff forum, and the patient's /helper relay.

Handlers stay thin: check who it is, call a care service, return. In the staff chat only staff
(the chat's administrators and the allowlist) act; anyone else's commands are refused and
audited, their messages are not relayed, and their button presses change nothing.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, Update

from bot.app import App
from bot.care.grading import resolve_buttons
from bot.care.support import Support
from bot.care.support_staff import STAFF_COMMANDS, TOPIC_COMMANDS, StaffActions
from bot.telegram.caller import Caller
from bot.telegram.patients import event_key
from bot.telegram.render import keyboard_for
from bot.telegram.staff_access import StaffDirectory
from bot.telegram.staff_gate import INACTIVE, StaffGate

RELAYED_MEDIA = F.photo | F.voice | F.document | F.video | F.audio | F.animation


def staff_routers(
    app: App, support: Support, actions: StaffActions, directory: StaffDirectory
) -> list[Router]:
    """The staff chat's router, then the private-chat relay router (before the patients')."""
    return [_staff_chat(app, actions, directory), _relay(support, actions)]


def _staff_chat(app: App, actions: StaffActions, directory: StaffDirectory) -> Router:
    router = Router(name="staff")
    staff_chat = app.settings.telegram.staff_chat_id
    router.message.filter(F.chat.id == staff_chat)
    router.callback_query.filter(F.message.chat.id == staff_chat)
    gate = StaffGate(directory, actions)

    @router.message(Command(*STAFF_COMMANDS))
    async def command(message: Message, update: Update, bot: Bot, command: CommandObject) -> None:
        if not await gate.message(message, update, bot, f"/{command.command}"):
            return
        assert message.from_user is not None
        if command.command == "alias":
            await actions.set_alias(
                message.from_user.id, command.args or "", event_key(update),
                thread_id=message.message_thread_id,
            )  # fmt: skip
            return
        await actions.command(
            message.from_user.id, message.message_thread_id, command.command,
            command.args or "", event_key(update),
        )  # fmt: skip

    @router.message(F.message_thread_id)
    async def topic_message(message: Message, update: Update, bot: Bot) -> None:
        """A helper's message in a patient's topic goes to the patient (unless it is a note)."""
        if message.text and message.text.startswith("/"):
            return  # another bot's command, or a typo: never relayed
        if not await gate.message(message, update, bot, "message"):
            return
        assert message.from_user is not None
        await actions.message(
            message.from_user.id, message.message_thread_id, message.message_id,
            message.text or message.caption, media=message.text is None, key=event_key(update),
        )  # fmt: skip

    @router.callback_query()
    async def pressed(query: CallbackQuery, update: Update, bot: Bot) -> None:
        """Acknowledge and encouragement buttons; the presser is checked, the data parsed."""
        if not await gate.press(query, update, bot):
            return
        parts = (query.data or "").split(":")
        answer: str | None = None
        if len(parts) == 2 and parts[0] == "ack" and parts[1].isdigit():
            by = await actions.acknowledge(query.from_user.id, int(parts[1]), event_key(update))
            answer = f"Acknowledged by {by}" if by else "Already acknowledged"
            if by and isinstance(query.message, Message) and query.message.html_text:
                # Acknowledged is not the end: the outcome buttons resolve the alert.
                await query.message.edit_text(
                    f"{query.message.html_text}\n\n✅ Acknowledged by {escape(by)}",
                    parse_mode="HTML", reply_markup=keyboard_for(resolve_buttons(int(parts[1]))),
                )  # fmt: skip
        elif len(parts) == 3 and parts[0] == "enc" and parts[1].isdigit() and parts[2].isdigit():
            uid = query.from_user.id
            answer = await actions.encourage(uid, int(parts[1]), int(parts[2]), event_key(update))
            if isinstance(query.message, Message):
                await query.message.edit_text(f"💌 {answer}")
        await query.answer(answer or INACTIVE)

    return router


def _relay(support: Support, actions: StaffActions) -> Router:
    """Private chats: /helper, the relay while it is open, and staff commands from outsiders."""
    router = Router(name="helper-relay")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.edited_message.filter(F.chat.type == ChatType.PRIVATE)

    @router.message(Command("helper"))
    async def helper(message: Message, update: Update, caller: Caller) -> None:
        if (pid := await caller.patient_id()) is None:
            raise SkipHandler  # someone new: the patients' router enrols them
        await support.request(pid, event_key(update))

    @router.message(Command(*(c for c in STAFF_COMMANDS if c not in ("pause", "resume"))))
    async def outsider(message: Message, update: Update, command: CommandObject) -> None:
        """Staff commands in a private chat are refused (staff work in their group)."""
        sender = message.from_user
        await actions.refused(
            "private chat", f"/{command.command}", event_key(update),
            user_id=None if sender is None else sender.id, chat_id=message.chat.id,
        )  # fmt: skip

    @router.message(F.text.startswith("/"))
    async def any_command(message: Message, caller: Caller) -> None:
        """Any other command ends the relay; the patients' router handles it."""
        if (pid := await caller.patient_id()) is not None and await caller.relaying():
            await support.stop(pid)
        raise SkipHandler

    # Never a command: `any_command` above ended the relay and passed the command on, but
    # this handler comes next in the same router with the caller's "relaying" already read.
    @router.message((F.text & ~F.text.startswith("/")) | RELAYED_MEDIA)
    async def relay(message: Message, update: Update, caller: Caller) -> None:
        pid = await caller.patient_id()
        if pid is None or not await caller.relaying():
            raise SkipHandler
        if message.text is not None:
            await support.relay_text(pid, event_key(update), message.message_id, message.text)
        else:
            await support.relay_copy(
                pid, event_key(update), message.chat.id, message.message_id,
                message.caption or "",
            )  # fmt: skip

    @router.edited_message(F.text | F.caption)
    async def edited(message: Message, update: Update, caller: Caller) -> None:
        pid = await caller.patient_id()
        if pid is None or not await support.was_relayed(pid, message.message_id):
            raise SkipHandler
        text = message.text or message.caption or ""
        await support.relay_text(pid, event_key(update), message.message_id, text, edited=True)

    return router


__all__ = ["TOPIC_COMMANDS", "staff_routers"]
