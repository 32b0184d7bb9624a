"""Enrolment: /start finds or creates the patient and runs onboarding, whose end enrols them."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.care import eligibility
from bot.care.conversations import Conversations
from bot.care.inbound import handled_before
from bot.care.ports import Patient, Run, UnitOfWork
from bot.care.programme import Programme
from flows.runtime import RunState

log = logging.getLogger(__name__)

Triage = Literal["guided", "unguided", "auto"]
# Deep-link payloads are at most 64 characters of A-Z, a-z, 0-9, _ and - (Bot API /start rules).
_STUDY_SITE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Guided support helps most from baseline PHQ-9 >= 10 (moderate or worse); below that, unguided
# iCBT does about as well (Karyotaki et al. 2018, JAMA Psychiatry 75:1247-1254, IPD meta-analysis).
GUIDED_FROM_PHQ9 = 10


# A yes/no question about a patient asked with their lookup (e.g. "is their helper relay open?").
AlsoRead = Callable[[UnitOfWork, int], Awaitable[bool]]


@dataclass(frozen=True)
class NewPatientDefaults:
    """What a new patient starts with before they choose otherwise."""

    timezone: str
    preferred_time: str
    default_language: str
    languages: tuple[str, ...]
    triage: Triage = "auto"
    high_risk_baseline: eligibility.Policy = "guided_review"  # the rule in force (app.py)
    release_policy: str = "weekly"
    programme: str = "daybreak"


@dataclass
class Enrolment:
    """Starting patients and settling what onboarding decided."""

    conversations: Conversations
    defaults: NewPatientDefaults
    onboarding_flow: str = "onboarding"
    menu_flow: str = "menu"
    programme: Programme | None = None  # plans releases once a patient is enrolled

    async def start(
        self,
        messenger: str,
        external_id: str | int,
        chat_id: str | int | None,
        *,
        key: str | None = None,
        language: str | None = None,
        payload: str | None = None,
    ) -> int | None:
        """/start: find or create the patient and begin (or resume) onboarding; their id."""
        async with self.conversations.uow() as uow:
            if await handled_before(uow, key):
                return await uow.identities.find_patient_id(messenger, external_id)
            patient = await self._find(uow, messenger, external_id)
            if patient is None:
                patient = await self._create(
                    uow, messenger, external_id, chat_id, language, payload
                )
                await self._begin(uow, patient)
            elif patient.status == "withdrawn":
                await self._begin(uow, patient)
            elif not await self.conversations.resume(uow, patient):
                await self._welcome_back(uow, patient)
            await uow.commit()
            return patient.id

    async def find(
        self, messenger: str, external_id: str | int, also: AlsoRead | None = None
    ) -> tuple[int | None, bool]:
        """The patient using this account, if any, and `also` about them, in one read."""
        async with self.conversations.uow(reading=True) as uow:
            patient_id = await uow.identities.find_patient_id(messenger, external_id)
            if patient_id is None or also is None:
                return patient_id, False
            return patient_id, await also(uow, patient_id)

    async def _find(
        self, uow: UnitOfWork, messenger: str, external_id: str | int
    ) -> Patient | None:
        patient_id = await uow.identities.find_patient_id(messenger, external_id)
        if patient_id is None:
            return None
        await uow.patients.lock(patient_id)
        return await uow.patients.get(patient_id)

    async def _create(
        self,
        uow: UnitOfWork,
        messenger: str,
        external_id: str | int,
        chat_id: str | int | None,
        language: str | None,
        payload: str | None,
    ) -> Patient:
        chosen = language if language in self.defaults.languages else self.defaults.default_language
        site = payload if payload and _STUDY_SITE.match(payload) else None
        patient = await uow.patients.create(
            language=chosen or "en",
            timezone=self.defaults.timezone,
            preferred_time=self.defaults.preferred_time,
            study_site=site,
        )
        await uow.identities.add(patient.id, messenger, external_id, chat_id)
        await uow.audit.append(
            "system",
            "patient.created",
            patient.pseudonym,
            {"messenger": messenger, "study_site": site},
        )
        log.info("patient created: patient=%s messenger=%s", patient.pseudonym, messenger)
        return patient

    async def _begin(self, uow: UnitOfWork, patient: Patient) -> None:
        await self.conversations.abandon_runs(uow, patient)
        if patient.status == "withdrawn":
            await uow.patients.update(patient, status="active")
        # The flow tells the patient what a high-risk baseline will mean; this class does it.
        rule = {"high_risk_baseline": self.defaults.high_risk_baseline}
        await self.conversations.start_flow(
            uow, patient, self.onboarding_flow, kind="onboarding", variables=rule
        )

    async def _welcome_back(self, uow: UnitOfWork, patient: Patient) -> None:
        """An enrolled patient sees the menu; anyone else starts onboarding again."""
        if await uow.enrolments.current(patient.id) is None:
            await self._begin(uow, patient)
        else:
            await self.conversations.start_flow(uow, patient, self.menu_flow, kind="command")

    async def onboarding_finished(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        """Record consent and enrol (held for review, or not at all, after a high-risk baseline)."""
        actor = f"patient:{patient.pseudonym}"
        if outcome == "completed":
            await uow.consents.record(patient.id, run.revision, agreed=True)
            decision = eligibility.decide(self.defaults.high_risk_baseline, state.vars)
            if decision == "exclude":
                await self._exclude(uow, patient, state, actor)
            else:
                await self._enrol(uow, patient, state, actor, review=decision == "review")
        elif outcome in ("declined", "under_age"):
            if outcome == "declined":
                await uow.consents.record(patient.id, run.revision, agreed=False)
            await uow.patients.update(patient, status="withdrawn")
            await uow.audit.append(actor, f"onboarding.{outcome}", patient.pseudonym)
        log.info("onboarding finished: patient=%s outcome=%s", patient.pseudonym, outcome)

    async def _enrol(
        self, uow: UnitOfWork, patient: Patient, state: RunState, actor: str, *, review: bool
    ) -> None:
        """Enrol; plan the timetable now, or (under review) when a helper approves."""
        enrolled = await uow.enrolments.create(
            patient.id, self.defaults.programme, release_policy=self.defaults.release_policy
        )
        mode = "guided" if review else triage(self.defaults.triage, state.vars)
        await uow.patients.update(patient, care_mode=mode, status="active")
        if review:
            await eligibility.hold_for_review(uow, patient, enrolled, state.vars)
        elif self.programme is not None:  # the weekly releases and the measures start here
            await self.programme.plan_enrolment(uow, patient, enrolled)
        detail = {"care_mode": mode, "baseline_review": review}
        await uow.audit.append(actor, "patient.enrolled", patient.pseudonym, detail)

    async def _exclude(
        self, uow: UnitOfWork, patient: Patient, state: RunState, actor: str
    ) -> None:
        """Not enrolled: the flow has pointed them to their doctor and crisis lines.

        They stay active (not withdrawn), so the safety pathway's re-checks still reach them.
        """
        detail = eligibility.baseline_detail(state.vars)
        await uow.audit.append(actor, "onboarding.excluded", patient.pseudonym, detail)


def triage(policy: Triage, variables: dict[str, Any]) -> str:
    """Guided or unguided care, by the configured policy and the baseline PHQ-9."""
    if policy != "auto":
        return policy
    phq9 = variables.get("phq9")
    total = phq9.get("total") if isinstance(phq9, dict) else None
    return "guided" if isinstance(total, int) and total >= GUIDED_FROM_PHQ9 else "unguided"
