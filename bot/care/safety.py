"""The safety pathway: crisis language, PHQ-9 item 9, a severe or reliably worse score.

Whatever the patient was doing, the `safety` flow starts at once on top of it and is then the
only open question: the words that showed risk answer nothing and are kept nowhere, and the
interrupted run is asked again when the pathway ends (or waits after "I'm not safe"). Possible
risk asks one check question first. A human is alerted, each safety event is one adverse-event
row, and re-checks follow: one "I'm fine" never closes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.care.contacts import ContactBook
from bot.care.conversations import Conversations
from bot.care.crisis import CrisisTerms, Risk
from bot.care.effects import open_alert
from bot.care.ports import PRIORITY_SAFETY, Patient, Run, UnitOfWork
from bot.care.triggers import Trigger, TriggerWatch, baselines
from flows.model import CHECK_FLOW, RECHECK_FLOW, SAFETY_FLOW, SafetyRules
from flows.runtime import RunState

log = logging.getLogger(__name__)

# The run kind of every flow of the pathway: it is never interrupted and scheduled items wait.
SAFETY_KIND = "safety"
SAFETY_PLAN = "safety_plan"


@dataclass
class SafetyPathway:
    """Starts the pathway whenever the patient's words or a step show risk."""

    conversations: Conversations
    terms: CrisisTerms
    contacts: ContactBook
    recheck_after: timedelta = timedelta(hours=4)
    rules: SafetyRules = field(default_factory=SafetyRules)
    started: list[str] = field(default_factory=list)  # triggers, for tests and logs

    async def screen(self, uow: UnitOfWork, patient: Patient, text: str) -> bool:
        """Crisis words start the pathway (or its check question); True when they did."""
        risk = self.terms.assess(text)
        if risk is None:
            return False
        pathway = await uow.runs.get_active(patient.id, SAFETY_KIND)
        if pathway is not None:
            return await self._during_pathway(uow, patient, pathway, risk)
        if risk == "explicit":
            await self.start(uow, patient, "crisis_language", {"source": "free_text"}, alert=True)
        else:
            await self._check(uow, patient)
        return True

    async def _during_pathway(
        self, uow: UnitOfWork, patient: Patient, pathway: Run, risk: Risk
    ) -> bool:
        """Risk words while the pathway is open: its own question reads them, else it is asked."""
        if pathway.flow_id == CHECK_FLOW:  # more words of risk answer the check question
            await uow.runs.finish(pathway, "risk_words")
            trigger = "crisis_language" if risk == "explicit" else "possible_risk"
            await self.start(uow, patient, trigger, {"source": "free_text"}, alert=True)
            return True
        top = await uow.runs.get_active(patient.id)
        if risk == "possible" or top is None or top.id == pathway.id:
            return False
        # A command was open on top of the pathway: the safety question comes back instead.
        await self.conversations.abandon_runs(uow, patient, kind="command")
        await self.conversations.resume(uow, patient)
        return True

    async def watch(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState
    ) -> TriggerWatch | None:
        """Triggers in a step's effects interrupt the run, except in the pathway's own flows."""
        if run.kind == SAFETY_KIND:
            return None
        # Only an answer to a questionnaire item can make a score: the baselines are read then.
        scoring = state.awaiting is not None and state.awaiting.item is not None
        known = await baselines(uow, patient) if scoring else {}
        return TriggerWatch(self.rules.triggers, known, self._start_for)

    async def _start_for(self, uow: UnitOfWork, patient: Patient, trigger: Trigger) -> None:
        await self.start(uow, patient, trigger.name, trigger.detail, alert=trigger.alert)

    async def _check(self, uow: UnitOfWork, patient: Patient) -> None:
        """Possible risk: one gentle, direct question; a yes or no answer starts the pathway."""
        if CHECK_FLOW not in self.conversations.library.flows:
            await self.start(uow, patient, "possible_risk", {"source": "free_text"}, alert=True)
            return
        log.info("safety check asked: patient=%s", patient.pseudonym)
        variables = await self.variables(uow, patient, "possible_risk")
        await self.conversations.start_flow(
            uow, patient, CHECK_FLOW, kind=SAFETY_KIND, variables=variables,
            priority=PRIORITY_SAFETY,
        )  # fmt: skip

    async def check_finished(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        """After the check question: anything but a clear "no" starts the pathway."""
        if outcome in self.rules.check_clear:
            log.info("safety check answered no: patient=%s", patient.pseudonym)
            return
        detail = {"source": "free_text", "check": outcome}
        await self.start(uow, patient, "possible_risk", detail, alert=True)

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
        await uow.adverse_events.pathway_started(patient.id, trigger, detail)
        self.started.append(trigger)
        log.warning("safety pathway started: patient=%s trigger=%s", patient.pseudonym, trigger)
        pathway = await uow.runs.get_active(patient.id, SAFETY_KIND)
        if pathway is None or pathway.flow_id not in (SAFETY_FLOW, RECHECK_FLOW):
            variables = await self.variables(uow, patient, trigger)
            await self.conversations.start_flow(
                uow,
                patient,
                SAFETY_FLOW,
                kind=SAFETY_KIND,
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
            "crisis_contacts": self.contacts_text(
                await uow.variables.get(patient.id, "country"), patient.timezone, patient.language
            ),
            "has_safety_plan": bool(plans),
            "safety_plan": plans[-1].data if plans else {},
        }

    def contacts_text(self, country: str | None, timezone: str, language: str) -> str:
        """Crisis contacts for the patient's country (else their time zone's), one per line."""
        # The time zone is only a guess at the country: a patient who chose one is believed.
        return self.contacts.text(country or region_of(timezone), language)

    async def _plan_recheck(self, uow: UnitOfWork, patient: Patient) -> None:
        due = uow.clock() + self.recheck_after
        await uow.scheduled.add(
            "start_flow",
            due,
            key=f"safety_recheck:{patient.id}:{due:%Y-%m-%dT%H}",
            patient_id=patient.id,
            payload={"flow": RECHECK_FLOW, "kind": "safety", "safety": True},
        )


# Time zones that say which country a patient is in when they have not told us (patients
# onboarded before the country question was asked). Unlisted zones get the international list.
_REGIONS = {
    "GB": {
        "Europe/London",
        "Europe/Belfast",
        "Europe/Guernsey",
        "Europe/Jersey",
        "Europe/Isle_of_Man",
    },
    "IE": {"Europe/Dublin"},
    "US": {
        "America/New_York",
        "America/Detroit",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    },
    "CA": {
        "America/St_Johns",
        "America/Halifax",
        "America/Toronto",
        "America/Winnipeg",
        "America/Regina",
        "America/Edmonton",
        "America/Vancouver",
    },
    "AU": {
        "Australia/Sydney",
        "Australia/Melbourne",
        "Australia/Brisbane",
        "Australia/Adelaide",
        "Australia/Darwin",
        "Australia/Perth",
        "Australia/Hobart",
    },
    "NZ": {"Pacific/Auckland"},
    "CN": {"Asia/Shanghai", "Asia/Urumqi", "Asia/Chongqing", "Asia/Harbin", "PRC"},
    "HK": {"Asia/Hong_Kong", "Hongkong"},
    "TW": {"Asia/Taipei", "ROC"},
    "SG": {"Asia/Singapore", "Singapore"},
}


def region_of(timezone: str) -> str | None:
    """The country code a time zone points to (e.g. "IE"), else None."""
    return next((country for country, zones in _REGIONS.items() if timezone in zones), None)
