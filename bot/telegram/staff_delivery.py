"""Delivering staff-channel outbox rows: forum topics found, made, renamed and remade.

The sender hands over rows for the staff chat and helpers' replies to patients. A patient's topic
is created when first needed and renamed as they progress; a topic deleted by hand answers
"message thread not found", and is created again for the same message. Every send waits for the
same limits as the rest of the bot, so the staff chat stays within its 20 a minute.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, ReplyParameters

from bot.care.messages import (
    AlertMessage,
    Button,
    FileMessage,
    HandoverMessage,
    HelperCopyMessage,
    HelperMessage,
    HelperReplyMessage,
    OutboxPayload,
    PhotoMessage,
    RelayCopyMessage,
    RelayMessage,
    StaffPhotoMessage,
    StaffTextMessage,
    TextMessage,
    UnreadablePayload,
    UnreadablePayloadError,
)
from bot.care.ports import PRIORITY_BULK, OutgoingMessage, UnitOfWorkFactory
from bot.care.support import V_CLOSED, Support, to_staff
from bot.care.support_cards import (
    Snapshot,
    alert_text,
    handover_text,
    relay_header,
    scores_line,
    snapshot,
    topic_link,
    topic_name,
)
from bot.telegram.limits import Limits
from bot.telegram.render import MAX_CAPTION, keyboard_of, split_text
from flows.library import FlowLibrary

log = logging.getLogger(__name__)

PURPOSE_NAMES = {"alerts": "Alerts", "digest": "Daily digest"}


def thread_gone(error: TelegramBadRequest) -> bool:
    """True when Telegram says the topic no longer exists."""
    text = error.message.lower()
    return "thread not found" in text or "topic_id_invalid" in text or "topic_deleted" in text


@dataclass
class Where:
    """A resolved topic: its thread and, for a patient's topic, the patient's snapshot."""

    thread_id: int
    shot: Snapshot | None = None


@dataclass(frozen=True)
class Address:
    """Where a staff message asks to go: the topic it names (if its kind names one), and whom."""

    topic: str | None
    patient_id: int | None = None
    thread_id: int | None = None
    alert: bool = False  # an alert names no topic: it goes to the alerts topic

    @property
    def topic_kind(self) -> str:
        """The topic this goes to: "patient", "thread", "digest" or "alerts"."""
        return self.topic or ("alerts" if self.alert else "patient")


def address_of(payload: OutboxPayload | UnreadablePayload) -> Address:
    """The address a staff message carries."""
    match payload:
        case StaffTextMessage():
            return Address(payload.topic, payload.patient_id, payload.thread_id)
        case HandoverMessage() | StaffPhotoMessage() | RelayMessage() | RelayCopyMessage():
            return Address(payload.topic, payload.patient_id)
        case AlertMessage():
            return Address(None, payload.patient_id, alert=True)
        case HelperReplyMessage() | HelperCopyMessage():
            return Address(None, payload.patient_id)
        case TextMessage() | PhotoMessage() | FileMessage():
            return Address(None)
        case UnreadablePayload():
            raise UnreadablePayloadError(payload.problem)
        case _:
            assert_never(payload)


def helper_message(payload: OutboxPayload | UnreadablePayload) -> HelperMessage:
    """A helper's message for a patient: the only rows for patients staff delivery takes."""
    if isinstance(payload, HelperReplyMessage | HelperCopyMessage):
        return payload
    kind = type(payload).__name__  # never the message itself: it may hold a patient's words
    raise TypeError(f"staff delivery sends patients only helpers' messages, not {kind}")


class StaffDelivery:
    """Sends what the care layer queued for helpers (and helpers' words for patients)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        library: FlowLibrary,
        bot: Bot,
        limits: Limits,
        support: Support,
    ) -> None:
        """Deliver into `telegram.staff_chat_id` with the sender's limits."""
        self.uow = uow
        self.bot = bot
        self.limits = limits
        self.support = support
        self.titles = {fid: _title(flow.title) for fid, flow in library.flows.items()}

    @property
    def chat_id(self) -> int:
        """The staff chat."""
        chat = self.support.config.staff_chat_id
        assert chat is not None, "the sender parks staff rows when no staff chat is set"
        return chat

    def handles(self, message: OutgoingMessage) -> bool:
        """True for rows this class delivers."""
        staff = message.target_kind == "staff" and self.support.enabled
        return staff or isinstance(message.payload, HelperReplyMessage | HelperCopyMessage)

    async def deliver(self, message: OutgoingMessage) -> int:
        """Send one row; Telegram errors propagate to the sender (retry, park, fail)."""
        payload = message.payload
        if message.target_kind != "staff":
            return await self._to_patient(helper_message(payload))
        address = address_of(payload)
        where = await self._where(address)
        try:
            return await self._to_staff(where, payload)
        except TelegramBadRequest as error:
            if not thread_gone(error):
                raise
            log.warning("a staff topic was deleted by hand; creating it again")
            await self._forget(address)
            return await self._to_staff(await self._where(address), payload)

    # ---------------------------------------------------------------- topics

    async def _where(self, address: Address) -> Where:
        topic = address.topic_kind
        if topic == "thread":  # an answer where a command was given (None: the General topic)
            return Where(address.thread_id or 0)
        if topic == "patient" and address.patient_id is not None:
            found = await self._patient_topic(address.patient_id)
            if found is not None:
                return found
        purpose = "digest" if topic == "digest" else "alerts"
        return Where(await self._purpose_topic(purpose))

    async def _purpose_topic(self, purpose: str) -> int:
        key = self.support.config.staff_key
        async with self.uow() as uow:
            thread = await uow.support_topics.get_purpose(key, purpose)
        if thread is not None:
            return thread
        created = await self.bot.create_forum_topic(self.chat_id, PURPOSE_NAMES[purpose])
        async with self.uow() as uow:
            await uow.support_topics.set_purpose(key, purpose, created.message_thread_id)
            await uow.commit(notify=False)
        return created.message_thread_id

    async def _patient_topic(self, patient_id: int) -> Where | None:
        """The patient's topic, created or renamed as needed; None if the patient is gone."""
        key = self.support.config.staff_key
        async with self.uow() as uow:
            patient = await uow.patients.get(patient_id)
            if patient is None:
                return None
            shot = await snapshot(uow, patient, self.titles)
            name = topic_name(shot, bool(await uow.variables.get(patient_id, V_CLOSED, False)))
            topic = await uow.support_topics.get_for_patient(patient_id, key)
            known = (topic.thread_id, topic.name) if topic else None
        if known is None:
            created = await self.bot.create_forum_topic(self.chat_id, name)
            async with self.uow() as uow:
                await uow.support_topics.set(patient_id, key, created.message_thread_id, name)
                await uow.commit(notify=False)
            log.info("support topic created: patient=%s", shot.pseudonym)
            return Where(created.message_thread_id, shot)
        thread, old_name = known
        if old_name != name:
            await self._rename(patient_id, thread, name)
        return Where(thread, shot)

    async def _rename(self, patient_id: int, thread: int, name: str) -> None:
        try:
            await self.bot.edit_forum_topic(self.chat_id, thread, name=name)
        except TelegramBadRequest as error:
            if thread_gone(error):
                await self._forget(Address("patient", patient_id))
                return  # the send that follows fails too, and remakes the topic
            if "not_modified" not in error.message.lower():
                raise
        async with self.uow() as uow:
            await uow.support_topics.rename(patient_id, self.support.config.staff_key, name)
            await uow.commit(notify=False)

    async def _forget(self, address: Address) -> None:
        key = self.support.config.staff_key
        async with self.uow() as uow:
            if address.topic_kind == "patient" and address.patient_id:
                await uow.support_topics.delete(address.patient_id, key)
            else:  # an alert or the digest: their own topic went
                purpose = "digest" if address.topic_kind == "digest" else "alerts"
                await uow.support_topics.delete_purpose(key, purpose)
            await uow.commit(notify=False)

    # ---------------------------------------------------------------- sending

    async def _to_staff(self, where: Where, payload: OutboxPayload | UnreadablePayload) -> int:
        match payload:
            case RelayMessage():
                header = relay_header(where.shot) if where.shot else ""
                return await self._text(where, "\n\n".join([header, *payload.texts]))
            case RelayCopyMessage():
                return await self._copy_relay(where, payload)
            case StaffPhotoMessage():
                return await self._photo(where, payload)
            case AlertMessage():
                return await self._alert(where, payload)
            case HandoverMessage():
                return await self._text(where, handover_text(payload))
            case StaffTextMessage():
                return await self._text(where, payload.html, payload.buttons, payload.reply_to)
            case TextMessage():
                return await self._text(where, payload.html, payload.buttons)
            case PhotoMessage() | FileMessage() | HelperReplyMessage():
                return await self._text(where, payload.html)
            case HelperCopyMessage():
                return await self._text(where, "")
            case UnreadablePayload():
                raise UnreadablePayloadError(payload.problem)
            case _:
                assert_never(payload)

    async def _copy_relay(self, where: Where, relay: RelayCopyMessage) -> int:
        header = relay_header(where.shot) if where.shot else ""
        caption = f"{header}\n{relay.caption}".strip()[:MAX_CAPTION]
        async with self.limits.slot(self.chat_id):
            copied = await self.bot.copy_message(
                self.chat_id, relay.from_chat_id, relay.message_id,
                message_thread_id=where.thread_id, caption=caption, parse_mode="HTML",
            )  # fmt: skip
        return copied.message_id

    async def _photo(self, where: Where, photo: StaffPhotoMessage) -> int:
        image = BufferedInputFile(base64.b64decode(photo.content_b64), "status.png")
        async with self.limits.slot(self.chat_id):
            sent = await self.bot.send_photo(
                self.chat_id, image, message_thread_id=where.thread_id,
                caption=photo.html[:MAX_CAPTION], parse_mode="HTML",
            )  # fmt: skip
        return sent.message_id

    async def _alert(self, where: Where, alert: AlertMessage) -> int:
        link, scores = "", ""
        if alert.patient_id is not None:
            topic = await self._patient_topic(alert.patient_id)
            if topic is not None:
                link = topic_link(self.chat_id, topic.thread_id)
                scores = scores_line(topic.shot) if topic.shot else ""
        html = alert_text(alert, link, scores)
        buttons = (Button(label="Acknowledge", data=f"ack:{alert.alert_id}"),)
        return await self._text(where, html, buttons)

    async def _text(
        self,
        where: Where,
        html: str,
        buttons: Sequence[Button] = (),
        reply_to: int | None = None,
    ) -> int:
        chunks = split_text(html) or ["—"]
        sent_id = 0
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            async with self.limits.slot(self.chat_id):
                sent = await self.bot.send_message(
                    self.chat_id, chunk, message_thread_id=where.thread_id or None,
                    parse_mode="HTML", reply_markup=keyboard_of(buttons) if last else None,
                    reply_parameters=reply if reply_to and n == 0 else None,
                )  # fmt: skip
            sent_id = sent.message_id
        return sent_id

    async def _to_patient(self, payload: HelperMessage) -> int:
        """A helper's words (or media) for a patient, then a receipt in the topic."""
        async with self.uow() as uow:
            chat = await uow.identities.chat_id(payload.patient_id, "telegram")
            patient = await uow.patients.get(payload.patient_id)
        if chat is None or patient is None:
            return 0
        try:
            async with self.limits.slot(int(chat)):
                sent_id = await self._send_patient(int(chat), payload)
        except TelegramForbiddenError:
            await self._receipt(
                payload, f"⛔ Not delivered: {patient.pseudonym} has blocked the bot."
            )
            raise
        await self._receipt(payload, "✓ delivered")
        return sent_id

    async def _send_patient(self, chat: int, payload: HelperMessage) -> int:
        match payload:
            case HelperCopyMessage():
                # Copied from the staff chat, which is where the helper wrote it.
                source = payload.from_chat_id if payload.from_chat_id is not None else self.chat_id
                copied = await self.bot.copy_message(
                    chat, source, payload.staff_message_id,
                    caption=payload.caption[:MAX_CAPTION], parse_mode="HTML",
                )  # fmt: skip
                return copied.message_id
            case HelperReplyMessage():
                text = await self.bot.send_message(chat, payload.html, parse_mode="HTML")
                return text.message_id
            case _:
                assert_never(payload)

    async def _receipt(self, payload: HelperMessage, html: str) -> None:
        receipt = StaffTextMessage(
            topic="patient", patient_id=payload.patient_id,
            html=html, reply_to=payload.staff_message_id or None,
        )  # fmt: skip
        async with self.uow() as uow:
            await to_staff(uow, receipt, PRIORITY_BULK)  # no patient_id: a block must not park it
            await uow.commit()


def _title(title: str | dict[str, str]) -> str:
    return title if isinstance(title, str) else next(iter(title.values()), "")
