"""The whole shipped programme, through the real app, with a fast-forward clock: a person whose
mood lifts week by week goes from onboarding through seven modules, the weekly measures, the
post-treatment measure and the follow-ups; their measures, outcomes and chart are checked."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import App
from bot.care.outcomes import Result, all_paired_outcomes, paired_outcomes
from scheduler.clock import FrozenClock
from tests.integration.scheduler.helpers import fast_forward
from tests.support.journey import PHQ_LABELS, Patient, onboard

ITEM = re.compile(r"^\((\d+)/(\d+)\)")
RANGE = re.compile(r"from (\d+) to (\d+)")
# Buttons a keen patient does not press: breaks, refusals and opting out.
AVOID = re.compile(r"break|not now|not today|later|skip|stop|changed my mind|^no$", re.IGNORECASE)
WORDS = "I went for a walk with my sister and felt a little lighter afterwards."
BASELINE_PHQ9, BASELINE_GAD7 = 16, 12


def intended_total(baseline: int, week: int) -> int:
    """Scores that fall by two points a week, then stay low."""
    return max(2, baseline - 2 * week)


def item_score(total: int, items: int, index: int, phq9: bool) -> int:
    """Spread a total over a questionnaire's items; PHQ-9 item 9 (self-harm) stays at 0."""
    scored = items - 1 if phq9 else items
    if phq9 and index == items:
        return 0
    base, extra = divmod(total, scored)
    return min(3, base + (1 if index <= extra else 0))


class InCharacter:
    """Answers whatever is open the way this person would in the given week."""

    def __init__(self, app: App, patient: Patient) -> None:
        self.app = app
        self.patient = patient
        self.week = 0
        self.tried: tuple[str, set[str]] = ("", set())  # asked again, a person tries another

    async def answer_everything(self) -> None:
        """Answer until no conversation is open (a module, a measure, a reminder...)."""
        asked: list[str] = []
        for _ in range(400):
            async with self.app.uow() as work:
                run = await work.runs.get_active(self.patient.pid)
            if run is None:
                return
            question = await self.patient.question()
            asked.append(f"{run.flow_id}: {question['html'][:80]}")
            await self.answer(question)
        raise AssertionError("a conversation never ended; last asked:\n" + "\n".join(asked[-6:]))

    async def answer(self, question: dict[str, Any]) -> None:
        labels = [str(b["label"]) for b in question.get("buttons", [])]
        item = ITEM.match(str(question["html"]))
        if item and labels[0] == PHQ_LABELS[0]:
            index, items = int(item.group(1)), int(item.group(2))
            baseline = BASELINE_PHQ9 if items == 9 else BASELINE_GAD7
            total = intended_total(baseline, self.week)
            await self.patient.tap(labels[item_score(total, items, index, items == 9)])
        elif labels:
            if self.tried[0] != question["html"]:
                self.tried = (str(question["html"]), set())
            tried = self.tried[1]
            untried = [label for label in labels if label not in tried] or labels
            choice = self.choose(untried)
            tried.add(choice)
            await self.patient.tap(choice)
        else:
            await self.patient.type(self.typed(question))

    def choose(self, labels: list[str]) -> str:
        mood = str(min(10, 4 + self.week))
        for label in labels:  # a mood scale: this week's mood
            if label.split(" ")[0] == mood:
                return label
        return next((label for label in labels if not AVOID.search(label)), labels[0])

    def typed(self, question: dict[str, Any]) -> str:
        kind = question.get("input")
        if kind == "time":
            return "18:30"
        if kind == "date":
            return "tomorrow"
        if kind == "number":
            found = RANGE.search(str(question["html"]))
            return str((int(found.group(1)) + int(found.group(2))) // 2) if found else "5"
        return WORDS


async def test_a_person_goes_through_the_whole_programme(app: App, tmp_path: Path) -> None:
    clock = app.clock
    assert isinstance(clock, FrozenClock)
    patient = Patient(app)
    person = InCharacter(app, patient)
    baseline = tuple(item_score(BASELINE_PHQ9, 9, i, True) for i in range(1, 10))
    await onboard(patient, phq9=baseline, gad7=(2, 2, 2, 2, 2, 1, 1))
    await patient.command("settings")  # they opt in to the daily mood check-in
    await patient.tap("Daily mood check-in")
    await patient.tap("Yes")
    await patient.tap("Done")
    start = clock.now()
    for day in range(1, 7 * 8 + 370):
        person.week = day // 7 + 1
        await fast_forward(app, clock, start + timedelta(days=day))
        await person.answer_everything()

    async with app.uow() as work:
        runs = await work.runs.list_for_patient(patient.pid)
        rows = await work.questionnaires.list_for_patient(patient.pid)
        alerts = await work.alerts.list_for_patient(patient.pid)
        entries = await work.homework.list_for_patient(patient.pid)
    finished = {run.flow_id: run.outcome for run in runs if run.kind == "module"}
    assert finished == {f"module_{k}": "completed" for k in range(1, 8)}
    results = [Result(r.instrument, r.timepoint, r.total, r.band, r.at) for r in rows]
    phq9 = [(r.timepoint, r.total) for r in results if r.instrument == "phq9"]
    assert phq9[0] == ("baseline", BASELINE_PHQ9)
    assert [t for t, _ in phq9][-4:] == ["post", "followup_3m", "followup_6m", "followup_12m"]
    totals = [total for _, total in phq9]
    assert totals == sorted(totals, reverse=True)  # improving, as answered
    gad7 = [r.timepoint for r in results if r.instrument == "gad7"]
    assert gad7[0] == "baseline"
    assert "post" in gad7
    found = paired_outcomes(results, baseline="baseline", later="post")
    assert found is not None
    assert found.caseness_at_baseline
    assert found.reliable_improvement
    assert found.recovery
    assert found.reliable_recovery
    assert not found.reliable_deterioration
    paired = all_paired_outcomes(results)  # also week4 and week7, when both were given
    later = ["post", "followup_3m", "followup_6m", "followup_12m"]
    assert list(paired)[-4:] == later
    assert all(paired[timepoint].reliable_recovery for timepoint in later)
    assert alerts == []  # nothing risky was said, so nobody was alarmed
    exercises = {entry.exercise for entry in entries}
    assert {"mood_diary", "thought_record", "relapse_plan"} <= exercises
    moods = [e.data["mood"] for e in entries if e.exercise == "mood_diary" and "mood" in e.data]
    assert len(moods) >= 7 * 7  # a check-in each day of treatment
    assert moods[-1] > moods[1]  # and the mood lifted

    await patient.command("progress")
    chart = [p for p in await patient.seen() if p.get("kind") == "photo"][-1]
    image = base64.b64decode(chart["content_b64"])
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "progress.png").write_bytes(image)
    assert "down" in chart["html"]  # "PHQ-9: 2 now, 16 at the start (down 14 points)."
