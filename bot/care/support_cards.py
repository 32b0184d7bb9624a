"""What helpers read: topic names, relay headers, the /status card, alerts and the digest.

Staff see pseudonyms only — never a patient's Telegram name, username or id — and alerts carry
scores and reasons, never the patient's own words. Everything returned here is Telegram HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from bot.care.messages import AlertMessage, HandoverMessage
from bot.care.outcomes import Measure, Result, outcomes
from bot.care.ports import Patient, UnitOfWork


@dataclass(frozen=True)
class Snapshot:
    """Where a patient stands, as staff see it."""

    pseudonym: str
    week: int | None  # None before enrolment
    mode: str
    module: str | None
    modules_done: int
    phq9: Measure
    gad7: Measure
    moods: list[float]
    last_active: datetime | None
    status: str
    open_alerts: int


async def snapshot(uow: UnitOfWork, patient: Patient, module_titles: dict[str, str]) -> Snapshot:
    """Read what the header, the topic name and /status show."""
    enrolment = await uow.enrolments.current(patient.id)
    runs = await uow.runs.list_for_patient(patient.id)
    done = {r.flow_id for r in runs if r.kind == "module" and r.outcome == "completed"}
    active = next((r for r in reversed(runs) if r.kind == "module" and r.status == "active"), None)
    rows = await uow.questionnaires.list_for_patient(patient.id)
    measures = outcomes([Result(r.instrument, r.timepoint, r.total, r.band, r.at) for r in rows])
    entries = await uow.homework.list_for_patient(patient.id)
    moods = [
        float(e.data["mood"])
        for e in entries
        if e.exercise == "mood_diary" and isinstance(e.data.get("mood"), int | float)
    ]
    return Snapshot(
        pseudonym=patient.pseudonym,
        week=enrolment.current_module if enrolment else None,
        mode=patient.care_mode or "unguided",
        module=module_titles.get(active.flow_id, active.flow_id) if active else None,
        modules_done=len(done),
        phq9=measures.phq9,
        gad7=measures.gad7,
        moods=moods[-7:],
        last_active=patient.last_active_at,
        status=patient.status,
        open_alerts=await uow.alerts.count_unresolved(patient.id),  # acknowledged ones too
    )


def topic_name(shot: Snapshot, closed: bool = False) -> str:
    """ "P-7Q4K · week 3 · guided" (at most Telegram's 128 characters)."""
    week = "new" if shot.week is None else f"week {shot.week}"
    name = f"{shot.pseudonym} · {week} · {shot.mode}"
    return (f"{name} · closed" if closed else name)[:128]


def scores_line(shot: Snapshot) -> str:
    """ "PHQ-9 12 (moderate) · GAD-7 9 (mild)", or that there are none yet."""
    parts = [
        f"{label} {m.latest} ({(m.band or '').replace('_', ' ')})"
        for label, m in (("PHQ-9", shot.phq9), ("GAD-7", shot.gad7))
        if m.latest is not None
    ]
    return " · ".join(parts) or "no scores yet"


def relay_header(shot: Snapshot) -> str:
    """The line above a patient's relayed words: who, week, module and latest scores."""
    week = "not enrolled" if shot.week is None else f"week {shot.week}"
    module = f" · {escape(shot.module)}" if shot.module else ""
    return f"💬 <b>{escape(shot.pseudonym)}</b> · {week}{module} · {escape(scores_line(shot))}"


def _measure_line(label: str, m: Measure) -> str:
    if m.latest is None:
        return f"{label}: none yet"
    band = (m.band or "").replace("_", " ")
    if m.change is None:
        return f"{label}: {m.latest} ({band})"
    sign = "+" if m.change > 0 else ""
    flag = " ⚠️ reliably worse" if m.reliable_deterioration else ""
    flag = " ✅ reliably better" if m.reliable_improvement else flag
    return f"{label}: {m.latest} ({band}), baseline {m.baseline}, change {sign}{m.change}{flag}"


def status_card(shot: Snapshot, now: datetime) -> str:
    """The /status progress card."""
    mood = "no mood entries"
    if shot.moods:
        trend = shot.moods[-1] - shot.moods[0]
        arrow = "↗" if trend > 0 else "↘" if trend < 0 else "→"
        mood = f"last {len(shot.moods)}: {sum(shot.moods) / len(shot.moods):.1f}/10 {arrow}"
    active = "never" if shot.last_active is None else f"{_ago(now - shot.last_active)} ago"
    lines = [
        f"📋 <b>{escape(shot.pseudonym)}</b> · {shot.mode} · {shot.status}",
        f"Week {shot.week if shot.week is not None else '—'} · modules done: {shot.modules_done}",
        escape(_measure_line("PHQ-9", shot.phq9)),
        escape(_measure_line("GAD-7", shot.gad7)),
        f"Mood: {mood}",
        f"Last active: {active}",
        f"Open alerts: {shot.open_alerts}",
    ]
    return "\n".join(lines)


def _ago(delta: Any) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def topic_link(staff_chat_id: int, thread_id: int | None) -> str:
    """A t.me link to a topic of the staff supergroup (its internal id drops the -100)."""
    internal = str(staff_chat_id).removeprefix("-100").lstrip("-")
    return f"https://t.me/c/{internal}/{thread_id}" if thread_id else ""


REASONS = {
    "crisis_language": "crisis language in a message",
    "phq9_item9": "PHQ-9 item 9 (thoughts of self-harm) above 0",
    "severe_score": "severe PHQ-9 or GAD-7 score",
    "phq9_severe": "severe PHQ-9 score (20 or more): please review the care plan",
    "gad7_severe": "severe GAD-7 score (15 or more): please review the care plan",
    "baseline_review": (
        "high-risk baseline (PHQ-9 20+ or item 9 above 0): module 1 waits for your review; "
        "send /approve in the patient's topic to start their programme"
    ),
    "deterioration": "reliable deterioration",
    "behind_schedule": "behind schedule after every reminder",
    "safety_check": "said they are not safe",
}


def handover_text(handover: HandoverMessage) -> str:
    """A patient asked for a helper: who, and why (a reason code, never their words)."""
    who, reason = escape(handover.pseudonym), escape(handover.reason)
    return f"🙋 {who} would like to talk with a helper ({reason})."


def alert_text(alert: AlertMessage, link: str, scores: str = "") -> str:
    """An alert: pseudonym, reason, scores, a link to the topic; never the patient's words."""
    shown = ", ".join(f"{k} {v}" for k, v in sorted(alert.detail.items()) if k != "source")
    level = escape(alert.level.upper())
    reason = alert.reason
    lines = [
        f"{'🔁 STILL OPEN · ' if alert.repost else ''}🚨 <b>{level}</b> alert "
        f"#{escape(str(alert.alert_id))} · "
        f"<b>{escape(alert.pseudonym)}</b>",
        f"Reason: {escape(REASONS.get(reason, reason.replace('_', ' ')))}",
    ]
    if shown:
        lines.append(f"Scores: {escape(shown)}")
    if scores:
        lines.append(f"Latest: {escape(scores)}")
    if link:
        lines.append(f'<a href="{link}">Open the patient\'s topic</a>')
    if alert.mention:
        lines.append(f"On call: {escape(alert.mention)}")
    return "\n".join(lines)
