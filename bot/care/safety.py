"""The safety pathway: crisis language, PHQ-9 item 9, a severe or reliably worse score.

Whatever the patient was doing, the `safety` flow starts at once on top of it (the interrupted
run carries on afterwards), a human is alerted, every trigger is written to the adverse-event
log, and a re-check is scheduled for later the same day: one "I'm fine" never closes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.care.conversations import Conversations
from bot.care.crisis import CrisisTerms
from bot.care.effects import open_alert
from bot.care.outcomes import is_deterioration
from bot.config import CrisisContact
from flows import runtime as fx
from storage.models import Patient
from storage.repositories import PRIORITY_SAFETY
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Alerts raised by questionnaire rules that also start the pathway, and the trigger they become.
RULE_TRIGGERS = {"phq9_item9": "phq9_item9", "phq9_severe": "severe_score"}
SAFETY_FLOW = "safety"
RECHECK_FLOW = "safety_recheck"
SAFETY_PLAN = "safety_plan"


@dataclass
class SafetyPathway:
    """Starts the pathway whenever a step shows risk."""

    conversations: Conversations
    terms: CrisisTerms
    contacts: dict[str, list[CrisisContact]]
    recheck_after: timedelta = timedelta(hours=4)
    started: list[str] = field(default_factory=list)  # triggers, for tests and logs

    async def after_step(
        self, uow: UnitOfWork, patient: Patient, text: str | None, effects: tuple[fx.Effect, ...]
    ) -> None:
        """Look at what just happened for signs of risk (called by Conversations)."""
        if text is not None and self.terms.found_in(text):
            await self.start(uow, patient, "crisis_language", {"source": "free_text"}, alert=True)
            return
        for effect in effects:
            if isinstance(effect, fx.Alert) and effect.reason in RULE_TRIGGERS:
                await self.start(uow, patient, RULE_TRIGGERS[effect.reason], effect.detail)
                return
            if isinstance(effect, fx.Score) and await self._deteriorated(uow, patient, effect):
                detail = {"instrument": effect.instrument, "total": effect.total}
                await self.start(uow, patient, "deterioration", detail, alert=True)
                return

    async def _deteriorated(self, uow: UnitOfWork, patient: Patient, score: fx.Score) -> bool:
        results = await uow.questionnaires.list_for_patient(patient.id, score.instrument)
        baseline = results[0].total if len(results) > 1 else None
        return is_deterioration(score.instrument, baseline, score.total)

    async def start(
        self,
        uow: UnitOfWork,
        patient: Patient,
        trigger: str,
        detail: dict[str, Any],
        *,
        alert: bool = False,
    ) -> None:
        """Alert (unless a rule already did), log, start the safety flow and plan a re-check."""
        if alert:
            await open_alert(uow, patient, trigger, "urgent", detail, flow=SAFETY_FLOW)
        await uow.adverse_events.record(patient.id, trigger, "safety_pathway_started", detail)
        self.started.append(trigger)
        log.warning("safety pathway started: patient=%s trigger=%s", patient.pseudonym, trigger)
        active = await uow.runs.get_active(patient.id)
        if active is None or active.flow_id not in (SAFETY_FLOW, RECHECK_FLOW):
            variables = await self.variables(uow, patient, trigger)
            await self.conversations.start_flow(
                uow,
                patient,
                SAFETY_FLOW,
                kind="safety",
                variables=variables,
                priority=PRIORITY_SAFETY,
            )
        await self._plan_recheck(uow, patient)

    async def recheck_variables(self, uow: UnitOfWork, patient: Patient) -> dict[str, Any]:
        """What the later re-check needs (its trigger was the earlier one)."""
        return await self.variables(uow, patient, "recheck")

    async def variables(self, uow: UnitOfWork, patient: Patient, trigger: str) -> dict[str, Any]:
        """What the safety flows need: the trigger, crisis contacts and any safety plan."""
        entries = await uow.homework.list_for_patient(patient.id)
        plans = [entry for entry in entries if entry.exercise == SAFETY_PLAN]
        return {
            "trigger": trigger,
            "crisis_contacts": self.contacts_text(patient.timezone),
            "has_safety_plan": bool(plans),
            "safety_plan": plans[-1].data if plans else {},
        }

    def contacts_text(self, timezone: str) -> str:
        """The crisis contacts for the patient's region, one per line."""
        contacts = self.contacts.get(region_of(timezone)) or self.contacts["international"]
        return "\n".join(_contact_line(contact) for contact in contacts)

    async def _plan_recheck(self, uow: UnitOfWork, patient: Patient) -> None:
        due = uow.clock() + self.recheck_after
        await uow.scheduled.add(
            "start_flow",
            due,
            key=f"safety_recheck:{patient.id}:{due:%Y-%m-%dT%H}",
            patient_id=patient.id,
            payload={"flow": RECHECK_FLOW, "kind": "safety", "safety": True},
        )


# Time zones where the "uk" and "us" contact lists apply (patients are not asked their country).
_REGIONS = {
    "uk": {
        "Europe/London",
        "Europe/Belfast",
        "Europe/Guernsey",
        "Europe/Jersey",
        "Europe/Isle_of_Man",
    },
    "us": {
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Detroit",
    },
}


def region_of(timezone: str) -> str:
    """A crisis-contact region from the patient's time zone, else "international"."""
    return next(
        (region for region, zones in _REGIONS.items() if timezone in zones), "international"
    )


def _contact_line(contact: CrisisContact) -> str:
    ways = [way for way in (contact.phone, contact.text, contact.url) if way]
    return f"{contact.name}: {' · '.join(ways)}"
