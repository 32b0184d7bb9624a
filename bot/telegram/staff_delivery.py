"""Delivering staff-channel outbox rows: forum topics found, made, renamed and remade.

The sender hands over rows for the staff chat and helpers' replies to patients. A patient's topic
is created when first needed and renamed as they progress; a topic deleted by hand answers
"message thread not found", and is created again for the same message. Every send waits for the
same limits as the rest of the bot, so the staff chat stays within its 20 a minute.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, ReplyParameters

from bot.app import App
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
from bot.telegram.render import MAX_CAPTION, keyboard_for, split_text
from storage.repositories import PRIORITY_BULK, OutgoingMessage

log = logging.getLogger(__name__)

PURPOSE_NAMES = {"alerts": "Alerts", "digest": "Daily digest"}
PATIENT_KINDS = frozenset({"helper_reply", "helper_copy"})


def thread_gone(error: TelegramBadRequest) -> bool:
    """True when Telegram says the topic no longer exists."""
    text = error.message.lower()
    return "thread not found" in text or "topic_id_invalid" in text or "topic_deleted" in text


@dataclass
class Where:
    """A resolved topic: its thread and, for a patient's topic, the patient's snapshot."""

    thread_id: int
    shot: Snapshot | None = None


class StaffDelivery:
    """Sends what the care layer queued for helpers (and helpers' words for patients)."""

    def __init__(self, app: App, bot: Bot, limits: Limits, support: Support) -> None:
        """Deliver into `telegram.staff_chat_id` with the sender's limits."""
        self.app = app
        self.bot = bot
        self.limits = limits
        self.support = support
        self.titles = {fid: _title(flow.title) for fid, flow in app.library.flows.items()}

    @property
    def chat_id(self) -> int:
        """The staff chat."""
        chat = self.support.config.staff_chat_id
        assert chat is not None, "the sender parks staff rows when no staff chat is set"
        return chat

    def handles(self, message: OutgoingMessage) -> bool:
        """True for rows this class delivers."""
        staff = message.target_kind == "staff" and self.support.enabled
        return staff or message.payload.get("kind") in PATIENT_KINDS

    async def deliver(self, message: OutgoingMessage) -> int:
        """Send one row; Telegram errors propagate to the sender (retry, park, fail)."""
        if message.target_kind != "staff":
            return await self._to_patient(message)
        payload = message.payload
        where = await self._where(payload)
        try:
            return await self._to_staff(where, payload)
        except TelegramBadRequest as error:
            if not thread_gone(error):
                raise
            log.warning("a staff topic was deleted by hand; creating it again")
            await self._forget(payload)
            return await self._to_staff(await self._where(payload), payload)

    # ---------------------------------------------------------------- topics

    async def _where(self, payload: dict[str, Any]) -> Where:
        topic = payload.get("topic", "alerts" if payload.get("kind") == "alert" else "patient")
        if topic == "thread":  # an answer where a command was given (None: the General topic)
            thread = payload.get("thread_id")
            return Where(int(thread) if thread else 0)
        if topic == "patient" and payload.get("patient_id") is not None:
            found = await self._patient_topic(int(payload["patient_id"]))
            if found is not None:
                return found
        purpose = "digest" if topic == "digest" else "alerts"
        return Where(await self._purpose_topic(purpose))

    async def _purpose_topic(self, purpose: str) -> int:
        key = self.support.config.staff_key
        async with self.app.uow() as uow:
            thread = await uow.support_topics.get_purpose(key, purpose)
        if thread is not None:
            return thread
        created = await self.bot.create_forum_topic(self.chat_id, PURPOSE_NAMES[purpose])
        async with self.app.uow() as uow:
            await uow.support_topics.set_purpose(key, purpose, created.message_thread_id)
            await uow.session.commit()
        return created.message_thread_id

    async def _patient_topic(self, patient_id: int) -> Where | None:
        """The patient's topic, created or renamed as needed; None if the patient is gone."""
        key = self.support.config.staff_key
        async with self.app.uow() as uow:
            patient = await uow.patients.get(patient_id)
            if patient is None:
                return None
            shot = await snapshot(uow, patient, self.titles)
            name = topic_name(shot, bool(await uow.variables.get(patient_id, V_CLOSED, False)))
            topic = await uow.support_topics.get_for_patient(patient_id, key)
            known = (topic.thread_id, topic.name) if topic else None
        if known is None:
            created = await self.bot.create_forum_topic(self.chat_id, name)
            async with self.app.uow() as uow:
                await uow.support_topics.set(patient_id, key, created.message_thread_id, name)
                await uow.session.commit()
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
                await self._forget({"topic": "patient", "patient_id": patient_id})
                return  # the send that follows fails too, and remakes the topic
            if "not_modified" not in error.message.lower():
                raise
        async with self.app.uow() as uow:
            await uow.support_topics.rename(patient_id, self.support.config.staff_key, name)
            await uow.session.commit()

    async def _forget(self, payload: dict[str, Any]) -> None:
        key = self.support.config.staff_key
        async with self.app.uow() as uow:
            if payload.get("topic", "patient") == "patient" and payload.get("patient_id"):
                await uow.support_topics.delete(int(payload["patient_id"]), key)
            else:  # an alert or the digest: their own topic went
                purpose = "digest" if payload.get("topic") == "digest" else "alerts"
                await uow.support_topics.delete_purpose(key, purpose)
            await uow.session.commit()

    # ---------------------------------------------------------------- sending

    async def _to_staff(self, where: Where, payload: dict[str, Any]) -> int:
        kind = payload.get("kind")
        if kind == "relay":
            header = relay_header(where.shot) if where.shot else ""
            return await self._text(where, "\n\n".join([header, *payload["texts"]]))
        if kind == "relay_copy":
            header = relay_header(where.shot) if where.shot else ""
            caption = f"{header}\n{payload.get('caption', '')}".strip()[:MAX_CAPTION]
            async with self.limits.slot(self.chat_id):
                copied = await self.bot.copy_message(
                    self.chat_id, int(payload["from_chat_id"]), int(payload["message_id"]),
                    message_thread_id=where.thread_id, caption=caption, parse_mode="HTML",
                )  # fmt: skip
            return copied.message_id
        if kind == "staff_photo":
            image = BufferedInputFile(base64.b64decode(payload["content_b64"]), "status.png")
            async with self.limits.slot(self.chat_id):
                sent = await self.bot.send_photo(
                    self.chat_id, image, message_thread_id=where.thread_id,
                    caption=str(payload["html"])[:MAX_CAPTION], parse_mode="HTML",
                )  # fmt: skip
            return sent.message_id
        if kind == "alert":
            return await self._alert(where, payload)
        if kind == "handover":
            return await self._text(where, handover_text(payload))
        return await self._text(
            where, str(payload.get("html", "")), payload.get("buttons"), payload.get("reply_to")
        )

    async def _alert(self, where: Where, payload: dict[str, Any]) -> int:
        link, scores = "", ""
        if payload.get("patient_id") is not None:
            topic = await self._patient_topic(int(payload["patient_id"]))
            if topic is not None:
                link = topic_link(self.chat_id, topic.thread_id)
                scores = scores_line(topic.shot) if topic.shot else ""
        html = alert_text({**payload, "scores": scores}, link, str(payload.get("mention", "")))
        buttons = [{"label": "Acknowledge", "data": f"ack:{payload['alert_id']}"}]
        return await self._text(where, html, buttons)

    async def _text(
        self,
        where: Where,
        html: str,
        buttons: list[dict[str, Any]] | None = None,
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
                    parse_mode="HTML", reply_markup=keyboard_for(buttons or []) if last else None,
                    reply_parameters=reply if reply_to and n == 0 else None,
                )  # fmt: skip
            sent_id = sent.message_id
        return sent_id

    async def _to_patient(self, message: OutgoingMessage) -> int:
        """A helper's words (or media) for a patient, then a receipt in the topic."""
        payload = message.payload
        async with self.app.uow() as uow:
            chat = await uow.identities.chat_id(int(payload["patient_id"]), "telegram")
            patient = await uow.patients.get(int(payload["patient_id"]))
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

    async def _send_patient(self, chat: int, payload: dict[str, Any]) -> int:
        if payload["kind"] == "helper_copy":
            copied = await self.bot.copy_message(
                chat, int(payload["from_chat_id"]), int(payload["staff_message_id"]),
                caption=str(payload["caption"])[:MAX_CAPTION], parse_mode="HTML",
            )  # fmt: skip
            return copied.message_id
        text = await self.bot.send_message(chat, payload["html"], parse_mode="HTML")
        return text.message_id

    async def _receipt(self, payload: dict[str, Any], html: str) -> None:
        receipt = {
            "kind": "staff_text", "topic": "patient", "patient_id": payload["patient_id"],
            "html": html, "reply_to": payload.get("staff_message_id") or None,
        }  # fmt: skip
        async with self.app.uow() as uow:
            await to_staff(uow, receipt, PRIORITY_BULK)  # no patient_id: a block must not park it
            await uow.commit()


def _title(title: str | dict[str, str]) -> str:
    return title if isinstance(title, str) else next(iter(title.values()), "")
