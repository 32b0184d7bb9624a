"""Applying the engine's effects inside one unit of work: rows written, messages queued.

Everything here happens in the caller's transaction, so the run's new state, the answers it
saved and the messages it causes land together or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.care import outgoing, phrases
from bot.care.messages import AlertMessage, HandoverMessage, OutboxPayload
from bot.care.ports import PRIORITY_INTERACTIVE, PRIORITY_SAFETY, Patient, Run, UnitOfWork
from flows import runtime as fx

log = logging.getLogger(__name__)

# Run variables that mirror columns of the patient's profile.
PROFILE_VARIABLES = ("language", "timezone", "preferred_time", "daily_checkin", "care_mode")
# Every staff-chat message shares one outbox target, so the sender sends them in priority order
# (alerts, relays, digests) within the chat's 20-a-minute budget; the topic is in the payload.
STAFF_ALERTS = "staff"
SAFETY_RUN_KIND = "safety"  # bot.care.safety.SAFETY_KIND (which imports this module)


def patient_target(patient_id: int) -> str:
    """The outbox target key of a patient's private chat."""
    return f"patient:{patient_id}"


@dataclass
class Step:
    """One engine step being applied: whose, which run, and at what time and priority."""

    uow: UnitOfWork
    patient: Patient
    run: Run
    now: datetime
    priority: int = PRIORITY_INTERACTIVE


async def send(
    uow: UnitOfWork, patient: Patient, payload: OutboxPayload, priority: int = PRIORITY_INTERACTIVE
) -> None:
    """Queue a message for the patient."""
    await uow.outbox.enqueue(
        target_kind="patient",
        target_key=patient_target(patient.id),
        payload=payload,
        priority=priority,
        patient_id=patient.id,
    )


async def apply_effects(step: Step, effects: tuple[fx.Effect, ...]) -> None:
    """Apply each effect in order."""
    for effect in effects:
        await _apply(step, effect)


async def _apply(step: Step, effect: fx.Effect) -> None:
    """One effect; a flow starting or finishing needs nothing written here."""
    match effect:
        case fx.Say():
            await _say(step, effect)
        case fx.Ask():
            await _ask(step, effect)
        case fx.SaveAnswer():
            await _save_answer(step, effect)
        case fx.Score():
            await _score(step, effect)
        case fx.Alert():
            await _alert(step, effect)
        case fx.Handover():
            await _handover(step, effect)
        case fx.AssignExercise():
            await _assign(step, effect)
        case fx.RecordEntry():
            await _record(step, effect)
        case fx.ScheduleTimeout():
            await _schedule_timeout(step, effect)
        case fx.Stale():
            await _stale(step)
        case fx.Problem():
            await _problem(step, effect)
        case fx.FlowStarted() | fx.FlowFinished():
            pass
        case _:
            assert_never(effect)


async def _say(step: Step, effect: fx.Say) -> None:
    await send(step.uow, step.patient, outgoing.say_payload(effect), step.priority)


async def _ask(step: Step, effect: fx.Ask) -> None:
    await send(step.uow, step.patient, outgoing.ask_payload(effect, step.run.id), step.priority)


async def _save_answer(step: Step, effect: fx.SaveAnswer) -> None:
    await step.uow.answers.add(
        step.patient.id,
        flow_id=effect.flow,
        question=effect.question,
        value=effect.value,
        is_free_text=effect.free_text,
        run_id=step.run.id,
        variable=effect.variable,
    )
    if effect.variable == "alias":  # other variables outlive the run via the step's changes
        await step.uow.patients.set_alias(step.patient, str(effect.value))


async def _score(step: Step, effect: fx.Score) -> None:
    await step.uow.questionnaires.add(
        step.patient.id,
        instrument=effect.instrument,
        timepoint=effect.timepoint,
        item_scores=list(effect.items.values()),
        total=effect.total,
        band=effect.band,
        run_id=step.run.id,
        unscored_items=effect.unscored,
    )
    log.info(
        "questionnaire scored: patient=%s instrument=%s", step.patient.pseudonym, effect.instrument
    )


async def _alert(step: Step, effect: fx.Alert) -> None:
    await open_alert(
        step.uow, step.patient, effect.reason, effect.level, effect.detail, effect.flow
    )


async def open_alert(
    uow: UnitOfWork, patient: Patient, reason: str, level: str, detail: dict[str, Any], flow: str
) -> None:
    """An alert row in its safety event, and a message for the staff chat ahead of all else.

    The patient's ongoing adverse event (one with an unresolved alert) takes the alert; only
    when there is none does the alert open a new event, so one safety event is one row.
    """
    event = await uow.adverse_events.for_alert(patient.id, reason, {"flow": flow, **detail})
    alert = await uow.alerts.open(patient.id, reason, level, detail, adverse_event_id=event.id)
    payload = AlertMessage(
        alert_id=alert.id,
        patient_id=patient.id,
        pseudonym=patient.pseudonym,
        reason=reason,
        level=level,
        detail=detail,
    )
    await uow.outbox.enqueue(
        target_kind="staff",
        target_key=STAFF_ALERTS,
        payload=payload,
        priority=PRIORITY_SAFETY,
        patient_id=None,  # not parked if the patient blocks the bot: staff must still see it
    )
    log.warning(
        "alert opened: patient=%s reason=%s alert=%s event=%s",
        patient.pseudonym, reason, alert.id, event.id,
    )  # fmt: skip


async def _handover(step: Step, effect: fx.Handover) -> None:
    await step.uow.outbox.enqueue(
        target_kind="staff",
        target_key=STAFF_ALERTS,
        payload=HandoverMessage(
            topic="patient",
            patient_id=step.patient.id,
            pseudonym=step.patient.pseudonym,
            reason=effect.reason,
        ),
        priority=PRIORITY_INTERACTIVE,
        patient_id=step.patient.id,
    )
    await step.uow.audit.append(
        f"patient:{step.patient.pseudonym}",
        "handover",
        step.patient.pseudonym,
        {"reason": effect.reason, "flow": effect.flow},
    )


async def _assign(step: Step, effect: fx.AssignExercise) -> None:
    due = step.now + effect.remind_after if effect.remind_after else None
    entry = await step.uow.homework.add(
        step.patient.id,
        exercise=effect.exercise,
        kind="assignment",
        data={"flow": effect.flow},
        due_at=due,
        status="assigned",
    )
    if due is not None:
        await step.uow.scheduled.add(
            "homework_reminder",
            due,
            key=f"homework:{entry}",
            patient_id=step.patient.id,
            payload={"exercise": effect.exercise, "entry_id": entry},
        )


async def _record(step: Step, effect: fx.RecordEntry) -> None:
    due = local_moment(effect.remind_at, step.patient.timezone) if effect.remind_at else None
    entry = await step.uow.homework.add(
        step.patient.id,
        exercise=effect.exercise,
        kind="entry",
        data={**effect.data, "flow": effect.flow},
        due_at=due,
        status="planned" if due else "done",
    )
    if due is not None and due > step.now:
        await step.uow.scheduled.add(
            "homework_reminder",
            due,
            key=f"homework:{entry}",
            patient_id=step.patient.id,
            payload={"exercise": effect.exercise, "entry_id": entry},
        )


def local_moment(text: str, timezone: str) -> datetime | None:
    """A patient's local "YYYY-MM-DD HH:MM" as UTC; None when it is not such a moment."""
    try:
        naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
        return naive.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    except (ValueError, ZoneInfoNotFoundError):
        return None


async def _schedule_timeout(step: Step, effect: fx.ScheduleTimeout) -> None:
    await step.uow.scheduled.add(
        "flow_timeout",
        step.now + effect.after,
        key=f"timeout:{step.run.id}:{effect.token}",
        patient_id=step.patient.id,
        payload=_timeout_payload(step, effect.token),
    )


def _timeout_payload(step: Step, token: str) -> dict[str, Any]:
    # The safety pathway's own waits (its "no reply" alerts) run out even after /stop or /pause.
    payload: dict[str, Any] = {"run_id": step.run.id, "token": token}
    if step.run.kind == SAFETY_RUN_KIND:
        payload["safety"] = True
    return payload


async def _stale(step: Step) -> None:
    await send(
        step.uow,
        step.patient,
        outgoing.text_payload(phrases.say("stale_button", step.patient.language)),
    )


async def _problem(step: Step, effect: fx.Problem) -> None:
    # The message names states and flows only (never patient text), so it is safe to log.
    log.error("flow problem: run=%s flow=%s: %s", step.run.id, step.run.flow_id, effect.message)
    await send(
        step.uow, step.patient, outgoing.text_payload(phrases.say("problem", step.patient.language))
    )
