"""/progress: a chart of daily mood and PHQ-9 / GAD-7 over the weeks, with a summary in words.

The chart is drawn for a phone screen: two tall panels, large type, severity bands shaded
(PHQ-9 bands from Kroenke et al. 2001; GAD-7 cut-offs 5/10/15 from Spitzer et al. 2006), and
each module marked where it was completed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.care.outcomes import Measure, Result, outcomes
from bot.care.ports import Patient, UnitOfWork

PHQ9_BANDS = (
    (0, 5, "#e8f5e9"),
    (5, 10, "#fffde7"),
    (10, 15, "#fff3e0"),
    (15, 20, "#ffe0b2"),
    (20, 27, "#ffcdd2"),
)
BAND_WORDS = {
    "en": {"moderately_severe": "moderately severe"},
    "zh": {
        "minimal": "极轻",
        "mild": "轻度",
        "moderate": "中度",
        "moderately_severe": "中重度",
        "severe": "重度",
    },
}


@dataclass(frozen=True)
class ProgressData:
    """What the chart and the summary are made from."""

    moods: list[tuple[datetime, float]]
    results: list[Result]
    modules: list[tuple[datetime, str]]


async def gather(uow: UnitOfWork, patient: Patient) -> ProgressData:
    """Read the patient's mood entries, questionnaire results and completed modules."""
    entries = await uow.homework.list_for_patient(patient.id)
    moods = [(e.at, float(e.data["mood"])) for e in entries if _is_mood(e.exercise, e.data)]
    rows = await uow.questionnaires.list_for_patient(patient.id)
    results = [Result(r.instrument, r.timepoint, r.total, r.band, r.at) for r in rows]
    runs = await uow.runs.list_for_patient(patient.id)
    modules = [
        (run.updated_at, run.flow_id.replace("module_", "M"))
        for run in runs
        if run.kind == "module" and run.outcome == "completed"
    ]
    return ProgressData(moods, results, modules)


def _is_mood(exercise: str, data: dict[str, Any]) -> bool:
    return exercise == "mood_diary" and isinstance(data.get("mood"), int | float)


_WORDS = {
    "en": {
        "mood": "Your last {count} mood entries average {average:.1f} out of 10.",
        "no_mood": "No mood diary entries yet.",
        "no_scores": "No questionnaire results yet.",
        "first": "PHQ-9: {latest} ({band}).",
        "change": "PHQ-9: {latest} now, {baseline} at the start ({direction}).",
        "down": "down {points} points",
        "up": "up {points} points",
        "same": "no change",
    },
    "zh": {
        "mood": "最近 {count} 次心情记录的平均分：{average:.1f}（满分 10）。",
        "no_mood": "还没有心情记录。",
        "no_scores": "还没有问卷结果。",
        "first": "PHQ-9：{latest}（{band}）。",
        "change": "PHQ-9：现在 {latest}，开始时 {baseline}（{direction}）。",
        "down": "下降了 {points} 分",
        "up": "上升了 {points} 分",
        "same": "没有变化",
    },
}


def summary(data: ProgressData, language: str) -> str:
    """Two lines in words: mood lately, and where the PHQ-9 stands against the start."""
    words = _WORDS.get(language, _WORDS["en"])
    recent = [mood for _, mood in data.moods[-7:]]
    if recent:
        mood_line = words["mood"].format(count=len(recent), average=sum(recent) / len(recent))
    else:
        mood_line = words["no_mood"]
    return f"{mood_line}\n{_score_line(outcomes(data.results).phq9, language, words)}"


def _score_line(phq9: Measure, language: str, words: dict[str, str]) -> str:
    if phq9.latest is None:
        return words["no_scores"]
    band = BAND_WORDS.get(language, {}).get(phq9.band or "", phq9.band or "")
    if phq9.change is None:
        return words["first"].format(latest=phq9.latest, band=band)
    key = "down" if phq9.change < 0 else "up" if phq9.change > 0 else "same"
    direction = words[key].format(points=abs(phq9.change))
    return words["change"].format(latest=phq9.latest, baseline=phq9.baseline, direction=direction)


def chart_png(data: ProgressData) -> bytes:
    """The progress chart as a PNG, sized for a phone."""
    import matplotlib  # imported here: slow to load, and only /progress needs it

    matplotlib.use("Agg")
    from matplotlib import dates, pyplot

    figure, (mood_axis, score_axis) = pyplot.subplots(2, 1, figsize=(6, 8), dpi=120, sharex=True)
    try:
        _draw_mood(mood_axis, data)
        _draw_scores(score_axis, data)
        for axis in (mood_axis, score_axis):
            _mark_modules(axis, data.modules)
        score_axis.xaxis.set_major_formatter(dates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def _mark_modules(axis: Any, modules: list[tuple[datetime, str]]) -> None:
    """A dashed line where each module was completed; labels alternate height when close."""
    top = axis.get_ylim()[1]
    for index, (moment, label) in enumerate(modules):
        axis.axvline(moment, color="#5c6bc0", linestyle="--", linewidth=1)
        height = top * (1.0 if index % 2 == 0 else 1.06)
        axis.text(moment, height, label, ha="center", va="bottom", fontsize=10, color="#3949ab")


def _draw_mood(axis: Any, data: ProgressData) -> None:
    axis.set_title("Daily mood (0-10)", fontsize=15, pad=34)
    axis.set_ylim(0, 10.5)
    if data.moods:
        when, mood = zip(*data.moods, strict=True)
        axis.plot(when, mood, marker="o", color="#00897b", linewidth=2)
    axis.grid(alpha=0.3)
    axis.tick_params(labelsize=12)


def _draw_scores(axis: Any, data: ProgressData) -> None:
    axis.set_title("PHQ-9 (mood) and GAD-7 (worry)", fontsize=15, pad=34)
    for low, high, colour in PHQ9_BANDS:
        axis.axhspan(low, high, color=colour, zorder=0)
    for instrument, colour, label in (("phq9", "#c62828", "PHQ-9"), ("gad7", "#1565c0", "GAD-7")):
        points = [(r.at, r.total) for r in data.results if r.instrument == instrument]
        if points:
            when, total = zip(*points, strict=True)
            axis.plot(when, total, marker="s", color=colour, linewidth=2, label=label)
    axis.set_ylim(0, 27)
    axis.legend(fontsize=12, loc="upper right")
    axis.tick_params(labelsize=12)
