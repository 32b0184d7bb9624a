"""Patient commands: most are small flows (help, menu, settings, pause, stop, forget); their
outcomes are settled here. /mydata is a service: a JSON file of everything kept."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from bot.care import outgoing, pause_resume, phrases, progress
from bot.care.conversations import Conversations
from bot.care.effects import send
from bot.care.hooks import FinishHook
from bot.care.inbound import handled_before, patient_for_new_event
from bot.care.ports import Patient, Run, UnitOfWork
from bot.care.safety import SAFETY_KIND
from bot.care.safety_followup import followup_due
from flows.runtime import RunState

log = logging.getLogger(__name__)

# Commands a patient may send, and the flow each one runs.
COMMAND_FLOWS = {
    "tools": "tools",
    "help": "help",
    "menu": "menu",
    "settings": "settings",
    "pause": "pause",
    "resume": "resume",
    "stop": "stop",
    "forget": "forget",
}
SERVICE_COMMANDS = ("mydata", "progress")
# Command flows told whether the safety pathway still has a check-in to come (it comes anyway).
SAFETY_AWARE = frozenset({"pause", "stop"})
RECENT_ENTRIES = 10
# Messages and reminders that stop while a patient is paused or has withdrawn. Never a safety
# re-check ("start_flow" with `safety` in its payload) nor a flow's own timeout: stopping or
# pausing never ends a risk pathway.
PLANNED_KINDS = ("module_release", "reminder", "checkin", "measure", "homework_reminder")
# What "stop the lessons" stops: the check-ins and the measures go on (intention to treat).
LESSON_KINDS = ("module_release", "reminder", "homework_reminder")
LESSON_RUNS = ("module", "reminder")
LESSONS_STOPPED = "lessons_stopped"  # the enrolment's status once the lessons were stopped
PAUSE_MARKS = {"paused": "⏸", "resumed": "▶️"}  # as the staff chat shows a pause and a resume


@dataclass
class Commands:
    """Runs patient commands and acts on how their flows end."""

    conversations: Conversations

    def known(self, command: str) -> bool:
        """True for a command patients may use."""
        return command in COMMAND_FLOWS or command in SERVICE_COMMANDS

    async def run(self, patient_id: int, command: str, key: str | None = None) -> bool:
        """Run a command for the patient; False for a duplicate event or unknown command."""
        if not self.known(command):
            return False
        async with self.conversations.uow() as uow:
            patient = await patient_for_new_event(uow, key, patient_id)
            if patient is None:
                return False
            if command == "mydata":
                await self._export(uow, patient)
            elif command == "progress":
                await self._progress(uow, patient)
            else:
                await self.conversations.abandon_runs(uow, patient, kind="command")
                await self._start_command(uow, patient, COMMAND_FLOWS[command])
            await uow.commit()
        return True

    async def _start_command(self, uow: UnitOfWork, patient: Patient, flow: str) -> None:
        variables: dict[str, Any] = {}
        if flow in SAFETY_AWARE:  # their words must not promise silence a re-check would break
            variables["safety_followup"] = await followup_due(uow, patient)
            variables["daily_checkin"] = patient.daily_checkin
        await self.conversations.start_flow(uow, patient, flow, kind="command", variables=variables)

    async def refuse_in_group(
        self, messenger: str, chat_id: int, language: str, key: str | None = None
    ) -> None:
        """A patient command in a group: say, once, that Daybreak works in private chats."""
        async with self.conversations.uow() as uow:
            if await handled_before(uow, key):
                return
            reply = outgoing.text_payload(phrases.say("group_refusal", language))
            await uow.outbox.enqueue(
                target_kind="chat",
                target_key=f"chat:{messenger}:{chat_id}",
                payload=outgoing.chat_payload(reply, messenger, str(chat_id)),
            )
            await uow.commit()

    async def start(self, patient_id: int, flow_id: str) -> None:
        """Run any flow for the patient now (a researcher previewing it with `daybreak chat`)."""
        async with self.conversations.uow() as uow:
            await uow.patients.lock(patient_id)
            patient = await uow.patients.get(patient_id)
            if patient is not None:
                await self.conversations.abandon_runs(uow, patient, kind="command")
                await self.conversations.start_flow(uow, patient, flow_id, kind="command")
                await uow.commit()

    def hooks(self) -> dict[str, FinishHook]:
        """What happens when each command flow ends."""
        return {
            "tools": self._tools,
            "pause": self._paused,
            "resume": self._resumed,
            "stop": self._stopped,
            "forget": self._forget,
            "menu": self._menu,
        }

    async def _export(self, uow: UnitOfWork, patient: Patient) -> None:
        data = await uow.privacy.export_patient(patient.id, actor=f"patient:{patient.pseudonym}")
        content = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        caption = phrases.say("data_file", patient.language)
        await send(uow, patient, outgoing.file_payload("daybreak-my-data.json", content, caption))
        log.info("data exported: patient=%s", patient.pseudonym)

    async def _progress(self, uow: UnitOfWork, patient: Patient) -> None:
        data = await progress.gather(uow, patient)
        image = await asyncio.to_thread(progress.chart_png, data)  # drawing takes a moment
        caption = escape(progress.summary(data, patient.language), quote=False)
        await send(uow, patient, outgoing.photo_payload(image, caption))

    async def _tools(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        if outcome == "show_entries":
            entries = (await uow.homework.list_for_patient(patient.id))[-RECENT_ENTRIES:]
            lines = [entry_line(e.at, e.exercise, e.data) for e in reversed(entries)]
            text = "\n".join(lines) or phrases.say("no_entries", patient.language)
            await send(uow, patient, outgoing.text_payload(text))

    async def _paused(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        if outcome == "paused":  # the flow has told the patient
            await pause_resume.pause(uow, patient, self._requester(patient, "paused"))

    async def _resumed(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        await pause_resume.resume(uow, patient, self._requester(patient, "resumed"))

    def _requester(self, patient: Patient, done: str) -> pause_resume.Requester:
        """The patient asked: their helper, if they have one, hears of it in their topic."""
        guided = self.conversations.staffed and patient.care_mode == "guided"
        note = f"{PAUSE_MARKS[done]} {escape(patient.pseudonym)} {done} their programme."
        return pause_resume.Requester(
            f"patient:{patient.pseudonym}", tell_helper=note if guided else None
        )

    async def _menu(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        if outcome == "pause_requested":
            await self._start_command(uow, patient, "pause")

    async def _stopped(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        if outcome == "stop_lessons":
            await self._stop_lessons(uow, patient)
        elif outcome == "withdraw_keep":
            await uow.patients.update(patient, status="withdrawn")
            await uow.scheduled.cancel_for_patient(patient.id, PLANNED_KINDS)
            await self._abandon(uow, patient, lambda r: r.kind != SAFETY_KIND)
            await uow.audit.append(
                f"patient:{patient.pseudonym}",
                "patient.withdrawn",
                patient.pseudonym,
                {"data": "kept"},
            )
        elif outcome == "withdraw_delete":
            # The patient is gone with their data: only then does a safety re-check go too.
            await self._forget(uow, patient, run, state, "confirmed")

    async def _stop_lessons(self, uow: UnitOfWork, patient: Patient) -> None:
        """No more modules or their reminders; the check-ins and questionnaires go on."""
        enrolment = await uow.enrolments.current(patient.id)
        if enrolment is not None:
            await uow.enrolments.update(enrolment, status=LESSONS_STOPPED)
        cancelled = await uow.scheduled.cancel_for_patient(patient.id, LESSON_KINDS)
        await self._abandon(uow, patient, lambda r: r.kind in LESSON_RUNS)
        await uow.audit.append(
            f"patient:{patient.pseudonym}",
            "patient.lessons_stopped",
            patient.pseudonym,
            {"cancelled": cancelled},
        )

    async def _abandon(
        self, uow: UnitOfWork, patient: Patient, which: Callable[[Run], bool]
    ) -> None:
        for active in await uow.runs.list_for_patient(patient.id):
            if active.status == "active" and which(active):
                await uow.runs.finish(active, "abandoned")

    async def _forget(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        if outcome != "confirmed":
            return
        goodbye = outgoing.text_payload(phrases.say("forgotten", patient.language))
        chats = await uow.identities.for_patient(patient.id)
        await uow.privacy.delete_patient_personal_data(patient.id, actor="patient")
        # The patient's own outbox rows are gone with them; the goodbye goes to the bare chat.
        for identity in chats:
            if identity.chat_id is not None:
                await uow.outbox.enqueue(
                    target_kind="chat",
                    target_key=f"chat:{identity.messenger}",
                    payload=outgoing.chat_payload(goodbye, identity.messenger, identity.chat_id),
                )
        log.info("patient data deleted on request")


def entry_line(at: datetime, exercise: str, data: dict[str, Any]) -> str:
    """One homework entry in a line: date, exercise and its first few answers (escaped)."""
    shown = [
        f"{name} {_short(value)}"
        for name, value in data.items()
        if name != "flow" and value not in (None, "")
    ][:3]
    details = f": {'; '.join(shown)}" if shown else ""
    return f"{at:%d %b} · <b>{exercise.replace('_', ' ')}</b>{details}"


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…", quote=False)
