"""What follows a high-risk baseline: a helper's review before module 1, no hold, or not alone.

A baseline PHQ-9 of 20 or more is severe depression (Kroenke, Spitzer & Williams, J Gen Intern
Med 2001;16:606-613), and any answer above 0 on item 9 is a thought of death or self-harm. NICE
offers self-help first for less severe depression and more intensive, clinician-led treatment for
more severe depression (NICE NG222, Depression in adults, 2022), so self-guided iCBT alone is not
assumed to fit. `programme.high_risk_baseline` says what Daybreak does:

- guided_review: guided mode, and nothing is planned until a helper sends /approve in the patient's
  topic; the timetable (module 1, measures, follow-ups) then starts from that moment;
- continue: the programme starts as for anyone else;
- exclude: no modules; the onboarding flow points the patient to their doctor and crisis lines.

Either kind of baseline starts the safety pathway as well, whatever the rule (phq9.yaml's rules).
The onboarding flow applies the same test to choose its words; this module decides what happens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

from bot.care import outgoing
from bot.care.effects import STAFF_ALERTS, send
from bot.care.messages import AlertMessage
from bot.care.ports import PRIORITY_SAFETY, Enrolment, Patient, UnitOfWork

if TYPE_CHECKING:  # the programme refuses releases under review, so it imports this module
    from bot.care.programme import Programme

log = logging.getLogger(__name__)

Policy = Literal["guided_review", "continue", "exclude"]
Decision = Literal["continue", "review", "exclude"]

SEVERE_PHQ9 = 20  # the "severe" band, 20-27 (Kroenke 2001)
REVIEW_STATUS = "review"  # the enrolment's status while module 1 waits for a helper
REVIEW_ALERT = "baseline_review"

_APPROVED = {
    "en": (
        "Thank you for waiting. A member of the team has looked at your answers, and your first "
        "module will open very soon. I'll message you here when it's ready."
    ),
    "zh": (
        "谢谢你的耐心等待。团队成员已经看过你的回答，你的第一个模块很快就会开放。"
        "准备好后我会在这里告诉你。"
    ),
}


def effective_policy(policy: Policy, helpers: bool) -> Policy:
    """The rule in force: a review needs helpers to approve it, so without them it continues."""
    if policy == "guided_review" and not helpers:
        log.warning(
            "programme.high_risk_baseline is guided_review but no helpers read a staff chat: "
            "high-risk baselines continue without a review"
        )
        return "continue"
    return policy


def high_risk(variables: dict[str, Any]) -> bool:
    """True when the baseline PHQ-9 is severe (20 or more) or item 9 is above 0."""
    phq9 = variables.get("phq9")
    if not isinstance(phq9, dict):
        return False
    total, items = phq9.get("total"), phq9.get("items")
    item9 = items.get("q9") if isinstance(items, dict) else None
    return (isinstance(total, int) and total >= SEVERE_PHQ9) or (
        isinstance(item9, int) and item9 > 0
    )


def decide(policy: Policy, variables: dict[str, Any]) -> Decision:
    """What onboarding's end means for this patient under the rule in force."""
    if not high_risk(variables) or policy == "continue":
        return "continue"
    return "exclude" if policy == "exclude" else "review"


def baseline_detail(variables: dict[str, Any]) -> dict[str, Any]:
    """The scores behind the decision (numbers only: alerts and audits carry no words)."""
    found = variables.get("phq9")
    phq9: dict[str, Any] = found if isinstance(found, dict) else {}
    items = phq9.get("items")
    item9 = items.get("q9") if isinstance(items, dict) else None
    return {"instrument": "phq9", "total": phq9.get("total"), "q9": item9}


async def hold_for_review(
    uow: UnitOfWork, patient: Patient, enrolment: Enrolment, variables: dict[str, Any]
) -> None:
    """Keep the enrolment unplanned and ask the helpers to review it."""
    await uow.enrolments.update(enrolment, status=REVIEW_STATUS)
    detail = baseline_detail(variables)
    alert = await uow.alerts.open(patient.id, REVIEW_ALERT, "warning", detail)
    await uow.outbox.enqueue(
        target_kind="staff",
        target_key=STAFF_ALERTS,
        payload=AlertMessage(
            alert_id=alert.id, patient_id=patient.id, pseudonym=patient.pseudonym,
            reason=REVIEW_ALERT, level="warning", detail=detail,
        ),
        priority=PRIORITY_SAFETY,
    )  # fmt: skip
    log.warning("baseline review requested: patient=%s alert=%s", patient.pseudonym, alert.id)


async def approve(uow: UnitOfWork, programme: Programme, patient: Patient) -> bool:
    """A helper reviewed the baseline: start the timetable now; False when nothing waited."""
    enrolment = await uow.enrolments.current(patient.id)
    if enrolment is None or enrolment.status != REVIEW_STATUS:
        return False
    await uow.enrolments.update(enrolment, status="active", started_at=uow.clock())
    await programme.plan_enrolment(uow, patient, enrolment)
    for alert in await uow.alerts.list_for_patient(patient.id):
        if alert.reason == REVIEW_ALERT and alert.status != "closed":
            await uow.alerts.close(alert.id)
    text = _APPROVED.get(patient.language, _APPROVED["en"])
    await send(uow, patient, outgoing.text_payload(text))
    log.info("baseline review approved: patient=%s", patient.pseudonym)
    return True
