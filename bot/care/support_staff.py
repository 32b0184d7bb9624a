"""Helper → patient, and what helpers do in a patient's topic. Every action is audited.

The transport has already checked that the person is staff; here each action runs in one unit
of work, writes an audit entry (who: the helper's alias or staff number; what; when) and queues
what the patient or the topic should see.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass, field
from html import escape

from bot.care import eligibility, outgoing, pause_resume, planner, progress
from bot.care.effects import patient_target
from bot.care.inbound import handled_before
from bot.care.messages import (
    Button,
    HelperCopyMessage,
    HelperReplyMessage,
    StaffPhotoMessage,
    StaffTextMessage,
)
from bot.care.ports import PRIORITY_BULK, Fired, Patient, StaffMember, UnitOfWork, UnitOfWorkFactory
from bot.care.programme import Programme
from bot.care.support import (
    V_CLOSED,
    V_REPLIED,
    V_WAITING,
    Support,
    epoch,
    to_staff,
    words,
)
from bot.care.support_cards import snapshot, status_card
from bot.care.support_templates import Templates, fill

log = logging.getLogger(__name__)

NOTE_MARK = "!"
TOPIC_COMMANDS = (
    "status", "encourage", "pause", "resume", "unlock", "approve", "mode", "close", "reopen",
)  # fmt: skip
SAFETY_COMMANDS = ("ae", "resolve")  # anywhere in the staff chat: see support_safety
STAFF_COMMANDS = ("alias", *SAFETY_COMMANDS, *TOPIC_COMMANDS)
MAX_ALIAS = 32
REFUSED = "Only helpers can do that here."  # a button press's answer, too
REFUSED_TOPIC = f"⛔ {REFUSED}"
REFUSED_PRIVATE = "Those commands are for helpers, in the helpers' group."


def actor(member: StaffMember) -> str:
    """How the audit log names a helper: their alias, else their staff number."""
    return (member.alias or f"staff#{member.id}")[:64]


def _requester(member: StaffMember, words_for_patient: str) -> pause_resume.Requester:
    """A helper asked: the patient is told (the helper sees the command's answer)."""
    return pause_resume.Requester(actor(member), tell_patient=words_for_patient)


@dataclass
class StaffActions:
    """Helpers' actions on patients, from the staff chat."""

    support: Support
    programme: Programme
    templates: Templates
    module_titles: dict[str, str] = field(default_factory=dict)

    @property
    def uow(self) -> UnitOfWorkFactory:
        """The unit-of-work factory."""
        return self.support.conversations.uow

    async def _member(self, uow: UnitOfWork, user_id: int) -> StaffMember:
        member = await uow.staff.get_by_user(user_id)
        return member if member is not None else await uow.staff.add(user_id, "")

    async def _patient(self, uow: UnitOfWork, thread_id: int | None) -> Patient | None:
        if thread_id is None:
            return None
        found = await uow.support_topics.patient_for_thread(
            self.support.config.staff_key, thread_id
        )
        if found is None:
            return None
        await uow.patients.lock(found)
        return await uow.patients.get(found)

    async def _topic(
        self, uow: UnitOfWork, patient: Patient, html: str, buttons: tuple[Button, ...] = ()
    ) -> None:
        payload = StaffTextMessage(topic="patient", patient_id=patient.id, html=html)
        if buttons:  # left out of the stored row when there are none
            payload = payload.model_copy(update={"buttons": buttons})
        await to_staff(uow, payload, patient_id=patient.id)

    async def refused(
        self,
        where: str,
        what: str,
        key: str | None,
        *,
        user_id: int | None = None,
        thread_id: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Someone who is not staff tried to act as staff: audited by a keyed hash of their id."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return
            # The same person always gets the same hash, so repeated attempts can be told apart
            # from many people's, and only someone holding the key can check a suspected id.
            who = "not-staff"
            if user_id is not None:
                who = uow.audit.keyed_actor("not-staff", "telegram", user_id)
            await uow.audit.append(who, "staff.refused", None, {"where": where, "what": what})
            if thread_id is not None:  # a command in a staff topic gets a short answer there
                await self._answer(uow, thread_id, REFUSED_TOPIC)
            if chat_id is not None:
                await uow.outbox.enqueue(
                    target_kind="chat", target_key=f"chat:telegram:{chat_id}",
                    payload=outgoing.chat_payload(
                        outgoing.text_payload(REFUSED_PRIVATE), "telegram", str(chat_id)
                    ),
                )  # fmt: skip
            await uow.commit()
        log.warning("refused a non-staff %s in %s", what, where)

    async def _answer(self, uow: UnitOfWork, thread_id: int | None, html: str) -> None:
        payload = StaffTextMessage(topic="thread", thread_id=thread_id, html=html)
        await to_staff(uow, payload, PRIORITY_BULK)

    async def set_alias(
        self, user_id: int, alias: str, key: str | None, *, thread_id: int | None = None
    ) -> None:
        """/alias NAME: how replies to patients are signed."""
        alias = " ".join(alias.split())[:MAX_ALIAS]
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return
            if not alias:
                await self._answer(uow, thread_id, "Usage: /alias NAME (how replies are signed)")
            else:
                member = await uow.staff.add(user_id, alias)
                await uow.audit.append(actor(member), "staff.alias", None, {"staff": member.id})
                await self._answer(
                    uow, thread_id, f"Your replies are now signed “{escape(alias)}”."
                )
            await uow.commit()

    async def message(
        self,
        user_id: int,
        thread_id: int | None,
        message_id: int,
        text: str | None,
        *,
        media: bool,
        key: str | None,
    ) -> None:
        """A helper wrote in a topic: a note (starts with "!") stays; anything else goes out."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return
            patient = await self._patient(uow, thread_id)
            if patient is None:
                return
            member = await self._member(uow, user_id)
            if (text or "").lstrip().startswith(NOTE_MARK):
                await uow.audit.append(actor(member), "staff.note", patient.pseudonym)
            else:
                await self._reply(uow, member, patient, thread_id, message_id, text, media=media)
            await uow.commit()

    async def _reply(
        self,
        uow: UnitOfWork,
        member: StaffMember,
        patient: Patient,
        thread_id: int | None,
        message_id: int,
        text: str | None,
        *,
        media: bool,
    ) -> None:
        signature = f"— {escape(member.alias or 'your helper', quote=False)}"
        body = escape(text or "", quote=False)
        payload: HelperCopyMessage | HelperReplyMessage
        if media:
            payload = HelperCopyMessage(
                thread_id=thread_id, staff_message_id=message_id, patient_id=patient.id,
                from_chat_id=self.support.config.staff_chat_id,
                caption=f"{body}\n\n{signature}" if body else signature,
            )  # fmt: skip
        else:
            payload = HelperReplyMessage(
                thread_id=thread_id, staff_message_id=message_id, patient_id=patient.id,
                html=f"{body}\n\n{signature}",
            )  # fmt: skip
        await uow.outbox.enqueue(
            target_kind="patient", target_key=patient_target(patient.id), payload=payload,
            patient_id=patient.id,
        )  # fmt: skip
        await uow.variables.set_many(patient.id, {V_WAITING: None, V_REPLIED: epoch(uow.clock())})
        await uow.audit.append(actor(member), "staff.reply", patient.pseudonym, {"media": media})

    async def command(
        self, user_id: int, thread_id: int | None, command: str, args: str, key: str | None
    ) -> None:
        """A staff command in a patient's topic."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return
            patient = await self._patient(uow, thread_id)
            if patient is None or command not in TOPIC_COMMANDS:
                return
            member = await self._member(uow, user_id)
            handler = getattr(self, f"_{command}")
            reply = await handler(uow, member, patient, args.strip())
            await uow.audit.append(
                actor(member), f"staff.{command}", patient.pseudonym, {"args": args[:32]}
            )
            if reply:
                await self._topic(uow, patient, reply)
            await uow.commit()

    async def _status(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        shot = await snapshot(uow, p, self.module_titles)
        data = await progress.gather(uow, p)
        image = await asyncio.to_thread(progress.chart_png, data)
        await to_staff(
            uow,
            StaffPhotoMessage(
                topic="patient", patient_id=p.id,
                content_b64=base64.b64encode(image).decode("ascii"),
                html=status_card(shot, uow.clock()),
            ),
            patient_id=p.id,
        )  # fmt: skip
        return ""

    async def _encourage(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        choices = self.templates.for_language(p.language)
        if not choices:
            return "No encouragement templates are configured."
        buttons = tuple(
            Button(label=t.title, data=f"enc:{p.id}:{i}") for i, t in enumerate(choices)
        )
        await self._topic(uow, p, "Pick an encouragement to send:", buttons=buttons)
        return ""

    async def encourage(self, user_id: int, patient_id: int, index: int, key: str | None) -> str:
        """A helper picked a template: it goes to the patient, filled and signed."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return ""
            await uow.patients.lock(patient_id)
            patient = await uow.patients.get(patient_id)
            choices = self.templates.for_language(patient.language) if patient else []
            if patient is None or not 0 <= index < len(choices):
                return "That choice is no longer available."
            member = await self._member(uow, user_id)
            shot = await snapshot(uow, patient, self.module_titles)
            text = fill(choices[index], shot, uow.patients.alias(patient), patient.language)
            topic = await uow.support_topics.get_for_patient(
                patient.id, self.support.config.staff_key
            )
            thread = topic.thread_id if topic else None
            await self._reply(uow, member, patient, thread, 0, text, media=False)
            await uow.audit.append(
                actor(member), "staff.encourage_sent", patient.pseudonym, {"template": index}
            )
            await uow.commit()
        return f"Sent: {choices[index].title}"

    async def _pause(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        if not await pause_resume.pause(uow, p, _requester(m, words("paused", p.language))):
            return f"{p.pseudonym} is {p.status}; nothing to pause."
        return f"⏸ {p.pseudonym} paused by {escape(actor(m))}."

    async def _resume(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        if not await pause_resume.resume(uow, p, _requester(m, words("resumed", p.language))):
            return f"{p.pseudonym} is {p.status}; nothing to resume."
        return f"▶️ {p.pseudonym} resumed by {escape(actor(m))}."

    async def _unlock(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        enrolment = await uow.enrolments.current(p.id)
        if enrolment is None:
            return f"{p.pseudonym} is not enrolled yet."
        k = enrolment.current_module + 1
        if k > len(self.programme.modules):
            return f"{p.pseudonym} has every module already."
        outcome = await self.programme.release_module(uow, p, k)
        if not isinstance(outcome, Fired):
            return f"Module {k} could not be opened: {escape(outcome.note)}"
        planned = await uow.scheduled.get_by_key(planner.release_key(p.id, k))
        if planned is not None and planned.status == "pending":  # it must not come again
            await uow.scheduled.mark_done(planned.id, "unlocked by a helper")
        return f"🔓 Module {k} opened for {p.pseudonym} by {escape(actor(m))}."

    async def _approve(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        """A helper has reviewed a high-risk baseline: the timetable starts now."""
        if not await eligibility.approve(uow, self.programme, p):
            return f"{p.pseudonym} is not waiting for a review."
        return (
            f"✅ Baseline reviewed by {escape(actor(m))}: {p.pseudonym}'s weekly plan starts "
            "today, module 1 as soon as their preferred time and quiet hours allow."
        )

    async def _mode(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        if args not in ("guided", "unguided"):
            return "Usage: /mode guided|unguided"
        await uow.patients.update(p, care_mode=args)
        return f"{p.pseudonym} is now {args}."

    async def _close(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        await uow.variables.set_many(p.id, {V_CLOSED: True, V_WAITING: None})
        return f"🔒 Topic closed by {escape(actor(m))}: {p.pseudonym} can no longer message here."

    async def _reopen(self, uow: UnitOfWork, m: StaffMember, p: Patient, args: str) -> str:
        await uow.variables.set(p.id, V_CLOSED, False)
        return f"🔓 Topic reopened by {escape(actor(m))}."

    async def acknowledge(self, user_id: int, alert_id: int, key: str | None) -> str | None:
        """The Acknowledge button: who took the alert; None when it was not open."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return None
            member = await self._member(uow, user_id)
            if not await uow.alerts.acknowledge(alert_id, actor(member)):
                return None
            alert = await uow.alerts.get(alert_id)
            patient = (
                await uow.patients.get(alert.patient_id) if alert and alert.patient_id else None
            )
            await uow.audit.append(
                actor(member), "alert.acknowledged", patient.pseudonym if patient else None,
                {"alert_id": alert_id},
            )  # fmt: skip
            await uow.commit()
        return actor(member)
