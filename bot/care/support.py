"""Patient → helper: /helper opens a relay to the patient's forum topic in the staff chat.

Messages go to the staff chat through the outbox under one target ('staff'), so the sender sends
them in priority order (alerts, then relays, then digests) inside the chat's 20-a-minute budget.
A burst is coalesced: a relay waits a few seconds before it may be sent, and the patient's next
words join it while no sender has claimed it. Nothing is dropped: a full relay starts another.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from bot.care import outgoing
from bot.care.conversations import Conversations
from bot.care.effects import send
from bot.care.inbound import patient_for_new_event
from bot.care.messages import OutboxPayload, RelayCopyMessage, RelayMessage
from bot.care.ports import PRIORITY_INTERACTIVE, Patient, UnitOfWork
from bot.config import Settings

log = logging.getLogger(__name__)

STAFF_TARGET = "staff"  # every staff-chat message shares it: one queue, in priority order
RELAY_WINDOW = timedelta(minutes=30)  # /helper, then messages within this go to the helper
MAX_RELAY_CHARS = 3000  # a coalesced relay stays one Telegram message (4096) with its header
RELAYED_KEPT = 200  # message ids remembered so their edits can be carried over
# Patient variables (numbers only, so they stay unencrypted and cheap to read).
V_RELAY_UNTIL = "support_relay_until"
V_TOLD = "support_told"
V_WAITING = "support_waiting_since"
V_REPLIED = "support_last_reply"
V_CLOSED = "support_closed"
V_RELAYED = "support_relayed_ids"

WORDS = {
    "en": {
        "open": "Write your message for your helper. You can send several messages, photos, "
        "voice notes or documents; they go to your helper only.",
        "sent": "Sent to your helper. They usually answer within {hours} hours.",
        "unguided": "Your programme is self-guided, so there is no helper to message here. "
        "You can use /tools for exercises, /progress to see how you are doing and /help for "
        "support. If you are in crisis, tell me now and I will show you who to contact at once.",
        "paused": "Your helper has paused your programme for now. Send /resume when you want.",
        "resumed": "Your helper has resumed your programme.",
    },
    "zh": {
        "open": "请写下给辅导员的消息。可以发送多条消息、照片、语音或文件，只有你的辅导员能看到。",
        "sent": "已发送给你的辅导员，通常会在 {hours} 小时内回复。",
        "unguided": "你的课程是自助式的，这里没有辅导员可以联系。可以用 /tools 做练习，"
        "用 /progress 查看进展，用 /help 获取帮助。"
        "如果你正处于危机中，请马上告诉我，我会立刻告诉你可以联系谁。",
        "paused": "你的辅导员暂时暂停了你的课程。想继续时发送 /resume。",
        "resumed": "你的辅导员已恢复你的课程。",
    },
}


def words(key: str, language: str, **values: Any) -> str:
    """A patient-facing sentence in their language (English when there is none)."""
    return WORDS.get(language, WORDS["en"]).get(key, WORDS["en"][key]).format(**values)


@dataclass(frozen=True)
class SupportConfig:
    """The staff channel's settings."""

    staff_chat_id: int | None
    reply_target: timedelta = timedelta(hours=48)
    ack_after: timedelta = timedelta(minutes=30)
    gather: timedelta = timedelta(seconds=3)
    on_call: tuple[str, ...] = ()

    @property
    def staff_key(self) -> str:
        """The key support topics are stored under."""
        return str(self.staff_chat_id)

    @classmethod
    def from_settings(cls, settings: Settings) -> SupportConfig:
        """Read `telegram.*` and `staff.*`."""
        staff = settings.staff
        return cls(
            staff_chat_id=settings.telegram.staff_chat_id,
            reply_target=timedelta(hours=staff.reply_target_hours),
            ack_after=timedelta(minutes=staff.alert_ack_minutes),
            on_call=tuple(
                str(h) if isinstance(h, str) else f'<a href="tg://user?id={h}">on call</a>'
                for h in settings.telegram.on_call
            ),
        )


async def to_staff(
    uow: UnitOfWork,
    payload: OutboxPayload,
    priority: int = PRIORITY_INTERACTIVE,
    *,
    patient_id: int | None = None,
    not_before: datetime | None = None,
) -> int:
    """Queue a message for the staff chat (the topic is named in the payload)."""
    return await uow.outbox.enqueue(
        target_kind="staff",
        target_key=STAFF_TARGET,
        payload=payload,
        priority=priority,
        patient_id=patient_id,
        not_before=not_before,
    )


def epoch(moment: datetime) -> float:
    """A moment as a plain number (stored unencrypted)."""
    return moment.timestamp()


@dataclass
class Support:
    """The patient's side of the staff channel."""

    conversations: Conversations
    config: SupportConfig

    @property
    def enabled(self) -> bool:
        """True when a staff chat is configured."""
        return self.config.staff_chat_id is not None

    async def guided(self, uow: UnitOfWork, patient: Patient) -> bool:
        """True when the patient has a helper to write to."""
        closed = await uow.variables.get(patient.id, V_CLOSED, False)
        return self.enabled and patient.care_mode == "guided" and not closed

    async def request(self, patient_id: int, key: str | None) -> None:
        """/helper: open the relay (guided), or say what help there is (unguided)."""
        async with self.conversations.uow() as uow:
            patient = await patient_for_new_event(uow, key, patient_id)
            if patient is not None:
                await self.begin(uow, patient)
                await uow.commit()

    async def begin(self, uow: UnitOfWork, patient: Patient) -> None:
        """Open the relay inside the caller's unit of work (also the menu's "Message my helper")."""
        if not await self.guided(uow, patient):
            await send(uow, patient, outgoing.text_payload(words("unguided", patient.language)))
            return
        until = epoch(uow.clock() + RELAY_WINDOW)
        await uow.variables.set_many(patient.id, {V_RELAY_UNTIL: until, V_TOLD: False})
        await send(uow, patient, outgoing.text_payload(words("open", patient.language)))

    async def relaying(self, uow: UnitOfWork, patient_id: int) -> bool:
        """True while the patient's messages go to their helper."""
        until = await uow.variables.get(patient_id, V_RELAY_UNTIL)
        return isinstance(until, int | float) and until > epoch(uow.clock())

    async def stop(self, patient_id: int) -> None:
        """The patient moved on (a command): their next words answer the programme again."""
        async with self.conversations.uow() as uow:
            await uow.variables.set(patient_id, V_RELAY_UNTIL, None)
            await uow.commit()

    async def was_relayed(self, patient_id: int, message_id: int) -> bool:
        """True when this message of the patient's went to their helper (so edits follow)."""
        async with self.conversations.uow() as uow:
            ids = await uow.variables.get(patient_id, V_RELAYED, [])
            return message_id in (ids or [])

    async def relay_text(
        self, patient_id: int, key: str | None, message_id: int, text: str, *, edited: bool = False
    ) -> None:
        """Pass the patient's words on, joined to a waiting relay when there is room."""
        html = escape(text, quote=False)
        if edited:
            html = f"✏️ <i>edited:</i> {html}"
        async with self.conversations.uow() as uow:
            patient = await patient_for_new_event(uow, key, patient_id)
            if patient is None:
                return
            if not await self._coalesce(uow, patient, html):
                relay = RelayMessage(topic="patient", patient_id=patient.id, texts=(html,))
                await to_staff(
                    uow, relay, patient_id=patient.id,
                    not_before=uow.clock() + self.config.gather,
                )  # fmt: skip
            await self._relayed(uow, patient, message_id, text)
            await uow.commit()
        log.info("relayed to helper: patient=%s kind=text", patient.pseudonym)

    async def relay_copy(
        self, patient_id: int, key: str | None, chat_id: int, message_id: int, caption: str
    ) -> None:
        """Pass on a photo, voice note or document (copied, so the patient stays anonymous)."""
        async with self.conversations.uow() as uow:
            patient = await patient_for_new_event(uow, key, patient_id)
            if patient is None:
                return
            payload = RelayCopyMessage(
                topic="patient", patient_id=patient.id,
                from_chat_id=chat_id, message_id=message_id,
                caption=escape(caption, quote=False),
            )  # fmt: skip
            await to_staff(uow, payload, patient_id=patient.id)
            await self._relayed(uow, patient, message_id, caption or None)
            await uow.commit()
        log.info("relayed to helper: patient=%s kind=media", patient.pseudonym)

    async def _coalesce(self, uow: UnitOfWork, patient: Patient, html: str) -> bool:
        waiting = await uow.outbox.last_unclaimed(STAFF_TARGET, patient.id)
        if waiting is None or not isinstance(waiting.payload, RelayMessage):
            return False
        texts = (*waiting.payload.texts, html)
        if sum(len(t) + 2 for t in texts) > MAX_RELAY_CHARS:
            return False
        joined = waiting.payload.model_copy(update={"texts": texts})
        return await uow.outbox.amend_unclaimed(waiting.id, joined)

    async def _relayed(
        self, uow: UnitOfWork, patient: Patient, message_id: int, text: str | None
    ) -> None:
        """Bookkeeping after a relay: waiting time, the relay window, one reassurance, safety."""
        now = uow.clock()
        saved = await uow.variables.get_all(patient.id)
        ids = [*(saved.get(V_RELAYED) or []), message_id][-RELAYED_KEPT:]
        values: dict[str, Any] = {V_RELAY_UNTIL: epoch(now + RELAY_WINDOW), V_RELAYED: ids}
        if not saved.get(V_WAITING):
            values[V_WAITING] = epoch(now)
        if not saved.get(V_TOLD):
            values[V_TOLD] = True
            hours = int(self.config.reply_target.total_seconds() // 3600)
            reply = words("sent", patient.language, hours=hours)
            await send(uow, patient, outgoing.text_payload(reply))
        await uow.variables.set_many(patient.id, values)
        await uow.patients.touch(patient)
        # The crisis pathway listens to relayed words too: a helper may not read them for hours.
        await self.conversations.screen(uow, patient, text)
