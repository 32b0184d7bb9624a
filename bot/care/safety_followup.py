"""The safety pathway does not let go: it checks back until the patient is safe, and stays honest.

After a risk the `safety_recheck` flow comes back again and again: each "not safe", "not sure"
or silence alerts staff once more (the flow does that) and plans the next one, until the patient
says "I'm safe" `safe_in_a_row` times in a row, a helper resolves the patient's alerts, or
`max_rechecks` ran out (then staff are alerted). The count lives in patient variables (numbers
only), started afresh each time the pathway's own `safety` flow ends.

When the staff chat cannot be reached, the patient is told so once per alert, with the crisis
contacts, while the sender keeps trying to deliver the alert.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

from bot.care import outgoing
from bot.care.conversations import Conversations
from bot.care.effects import open_alert, send
from bot.care.hooks import FinishHook
from bot.care.ports import PRIORITY_SAFETY, Patient, Run, UnitOfWork
from bot.care.safety import SAFETY_KIND, SafetyPathway
from bot.config import Settings
from flows.model import RECHECK_FLOW, SAFETY_FLOW
from flows.runtime import RunState

log = logging.getLogger(__name__)

SAFE = "safe"
# Patient variables (numbers and flags only: unencrypted and cheap to read).
V_DONE = "safety_rechecks_done"
V_STREAK = "safety_safe_streak"
V_ENDED = "safety_rechecks_ended"
V_UNDELIVERED = "safety_undelivered_alerts"  # alert ids the patient was told about
V_TOLD_AT = "safety_undelivered_told_at"
KEPT_IDS = 20
# Alert states in which a helper has not yet resolved it (anything else counts as resolved).
UNRESOLVED = frozenset({"open", "acknowledged"})
# A second alert that cannot be delivered soon after the first tells the patient nothing new.
NOTICE_QUIET = timedelta(hours=1)

WORDS = {
    "en": "I tried to let the Daybreak team know how you're doing, but I couldn't reach them "
    "just now. I'll keep trying. Please don't wait for them: if you need help now, contact "
    "one of these:\n{contacts}",
    "zh": "我试着把你的情况告诉 Daybreak 团队，但现在联系不上他们。我会继续尝试。"
    "请不要等他们：如果你现在就需要帮助，请联系：\n{contacts}",
}


@dataclass(frozen=True)
class FollowUpRules:
    """How often the pathway checks back, and what ends it."""

    again: timedelta = timedelta(hours=4)
    after_safe: timedelta = timedelta(hours=24)
    safe_in_a_row: int = 2
    max_rechecks: int = 6

    @classmethod
    def from_settings(cls, settings: Settings) -> FollowUpRules:
        """Read `safety.*`."""
        safety = settings.safety
        return cls(
            again=timedelta(hours=safety.recheck_hours),
            after_safe=timedelta(hours=safety.recheck_after_safe_hours),
            safe_in_a_row=safety.safe_in_a_row,
            max_rechecks=safety.max_rechecks,
        )


@dataclass(frozen=True)
class History:
    """The re-checks since the pathway's own flow last ended."""

    done: int = 0
    safe_in_a_row: int = 0
    ended: bool = False


async def followup_due(uow: UnitOfWork, patient: Patient) -> bool:
    """True while the safety pathway has a check-in to come (a planned re-check or its own run)."""
    items = await uow.scheduled.list_for_patient(patient.id, status="pending")
    if any(item.kind == "start_flow" and item.payload.get("safety") for item in items):
        return True
    return await uow.runs.get_active(patient.id, SAFETY_KIND) is not None


@dataclass
class SafetyFollowUp:
    """Plans each next re-check from the last one's outcome, and tells the truth on failure."""

    conversations: Conversations
    pathway: SafetyPathway
    rules: FollowUpRules

    def hooks(self, earlier: FinishHook | None = None) -> dict[str, FinishHook]:
        """The finish hooks: the re-check's, and the pathway's own flow's (after `earlier`)."""

        async def safety_finished(
            uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
        ) -> None:
            if earlier is not None:
                await earlier(uow, patient, run, state, outcome)
            await self.pathway_finished(uow, patient, run, state, outcome)

        return {SAFETY_FLOW: safety_finished, RECHECK_FLOW: self.recheck_finished}

    async def history(self, uow: UnitOfWork, patient: Patient) -> History:
        """The re-checks since the pathway's own flow last ended."""
        done = await uow.variables.get(patient.id, V_DONE, 0)
        streak = await uow.variables.get(patient.id, V_STREAK, 0)
        ended = await uow.variables.get(patient.id, V_ENDED, False)
        return History(int(done or 0), int(streak or 0), bool(ended))

    async def pathway_finished(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        """A new risk was just talked through: the re-checks after it count from nothing."""
        await uow.variables.set_many(patient.id, {V_DONE: 0, V_STREAK: 0, V_ENDED: False})

    async def recheck_variables(self, uow: UnitOfWork, patient: Patient) -> dict[str, Any]:
        """What a re-check needs: the pathway's variables and what may follow it."""
        past = await self.history(uow, patient)
        return {
            **await self.pathway.recheck_variables(uow, patient),
            "recheck_again": past.done + 1 < self.rules.max_rechecks,
            "safe_ends_it": past.safe_in_a_row + 1 >= self.rules.safe_in_a_row,
        }

    async def still_needed(self, uow: UnitOfWork, patient: Patient) -> str | None:
        """Why a due re-check should not start, or None to start it."""
        past = await self.history(uow, patient)
        if past.ended or past.done >= self.rules.max_rechecks:
            return "the re-checks have ended"
        if await self._resolved(uow, patient):
            await self._end(uow, patient, past, "resolved")
            return "a helper resolved the alerts"
        return None

    async def recheck_finished(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        """Count the outcome, then end the re-checks or plan the next one."""
        past = await self.history(uow, patient)
        streak = past.safe_in_a_row + 1 if outcome == SAFE else 0
        now = History(past.done + 1, streak, past.ended)
        await uow.variables.set_many(patient.id, {V_DONE: now.done, V_STREAK: now.safe_in_a_row})
        if streak >= self.rules.safe_in_a_row:
            await self._end(uow, patient, now, "safe")
        elif await self._resolved(uow, patient):
            await self._end(uow, patient, now, "resolved")
        elif now.done >= self.rules.max_rechecks:
            await self._end(uow, patient, now, "max_rechecks")
            # Never "safe" often enough in a row: a person must decide what happens next.
            detail = {"rechecks": now.done, "last": outcome}
            await open_alert(uow, patient, "safety_rechecks_ended", "warning", detail, RECHECK_FLOW)
        elif not await self._planned(uow, patient):
            after = self.rules.after_safe if outcome == SAFE else self.rules.again
            await self._plan(uow, patient, now.done + 1, after)

    async def _resolved(self, uow: UnitOfWork, patient: Patient) -> bool:
        """True when the patient had risk alerts and a helper has resolved every one."""
        alerts = [a for a in await uow.alerts.list_for_patient(patient.id) if a.level != "info"]
        return bool(alerts) and all(alert.status not in UNRESOLVED for alert in alerts)

    async def _planned(self, uow: UnitOfWork, patient: Patient) -> bool:
        # A new start of the pathway plans its own re-check: one chain of re-checks, not two.
        items = await uow.scheduled.list_for_patient(patient.id, status="pending")
        return any(item.payload.get("flow") == RECHECK_FLOW for item in items)

    async def _plan(self, uow: UnitOfWork, patient: Patient, number: int, after: timedelta) -> None:
        due = uow.clock() + after
        await uow.scheduled.add(
            "start_flow",
            due,
            key=f"safety_recheck:{patient.id}:{number}:{due:%Y-%m-%dT%H:%M}",
            patient_id=patient.id,
            payload={"flow": RECHECK_FLOW, "kind": SAFETY_KIND, "safety": True},
        )
        log.info("safety re-check planned: patient=%s number=%d", patient.pseudonym, number)

    async def _end(self, uow: UnitOfWork, patient: Patient, past: History, why: str) -> None:
        await uow.variables.set(patient.id, V_ENDED, True)
        detail = {"why": why, "rechecks": past.done}
        await uow.audit.append("system", "safety.rechecks_ended", patient.pseudonym, detail)
        log.info("safety re-checks ended: patient=%s why=%s", patient.pseudonym, why)

    async def alert_undelivered(self, alert_id: int) -> bool:
        """The staff chat refused or missed an alert: tell its patient, once; True if told now."""
        async with self.conversations.uow() as uow:
            alert = await uow.alerts.get(alert_id)
            patient_id = alert.patient_id if alert is not None else None
            if patient_id is not None:
                await uow.patients.lock(patient_id)
            patient = await uow.patients.get(patient_id) if patient_id is not None else None
            if patient is None or patient.status == "blocked":
                return False  # a forgotten patient hears nothing, and a blocked one cannot
            tell = await self._note_undelivered(uow, patient, alert_id)
            if tell is None:
                return False
            await uow.commit()
        log.warning(
            "alert undelivered: patient=%s alert=%s told=%s", patient.pseudonym, alert_id, tell
        )
        return tell

    async def _note_undelivered(
        self, uow: UnitOfWork, patient: Patient, alert_id: int
    ) -> bool | None:
        """Note the alert and tell the patient unless just told; None if noted before."""
        known = list(await uow.variables.get(patient.id, V_UNDELIVERED, []) or [])
        if alert_id in known:
            return None
        now = uow.clock().timestamp()
        told_at = await uow.variables.get(patient.id, V_TOLD_AT)
        recent = isinstance(told_at, int | float) and now - told_at < NOTICE_QUIET.total_seconds()
        values: dict[str, Any] = {V_UNDELIVERED: [*known, alert_id][-KEPT_IDS:]}
        if not recent:
            values[V_TOLD_AT] = now
            await self._notice(uow, patient)
        await uow.variables.set_many(patient.id, values)
        detail = {"alert": alert_id, "told": not recent}
        await uow.audit.append("system", "alert.undelivered", patient.pseudonym, detail)
        return not recent

    async def _notice(self, uow: UnitOfWork, patient: Patient) -> None:
        variables = await self.pathway.recheck_variables(uow, patient)
        contacts = str(variables.get("crisis_contacts") or "")
        text = WORDS.get(patient.language, WORDS["en"]).format(contacts=contacts)
        await send(uow, patient, outgoing.text_payload(escape(text, quote=False)), PRIORITY_SAFETY)
