"""Benchmark the flow language: loading and checking many files, and engine steps per second.

    .venv/bin/python bench/flows.py [--files N] [--seconds S]

Load + check: N flow files are generated in a temporary folder from the shipped flows (onboarding
with the PHQ-9 and GAD-7 it calls; the example lesson with the breathing and feedback flows it
calls and jumps to), each group with its own ids and call targets so the whole set checks cleanly.
Engine: scripted conversations through onboarding and the example lesson are played again and
again for a few seconds, counting every `start` and `step`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows import engine
from flows.library import FlowLibrary, load_programme
from flows.runtime import Ask, Event, RunState, StepResult, TextAnswer, TimeoutFired

PROGRAMME = Path(__file__).resolve().parents[1] / "flows" / "programme"
# Groups of flows that refer only to each other, so a renamed copy of a group checks cleanly.
GROUPS = (("onboarding", "phq9", "gad7"), ("example_lesson", "breathing", "lesson_feedback"))
# Flows that call nothing: they fill up the last few files.
STANDALONE = ("phq9", "gad7", "breathing")
T0 = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def renamed(text: str, names: dict[str, str]) -> str:
    """The flow's YAML with its own id and every call/jump target renamed."""
    pattern = "|".join(map(re.escape, names))
    text = re.sub(rf"^id: ({pattern})$", lambda m: f"id: {names[m.group(1)]}", text, flags=re.M)
    refer = rf"((?:call|jump):\s*(?:\{{\s*flow:\s*)?)({pattern})\b"
    return re.sub(refer, lambda m: m.group(1) + names[m.group(2)], text)


def generate(folder: Path, count: int) -> int:
    """Write `count` flow files into `folder` (plus programme.yaml and media); return the count."""
    # The languages and onboarding of the real programme; its modules are not among the copies.
    (folder / "programme.yaml").write_text(
        "default_language: en\nlanguages: [en, zh]\nonboarding: onboarding\n", encoding="utf-8"
    )
    shutil.copytree(PROGRAMME / "media", folder / "media")
    sources = {
        name: (PROGRAMME / f"{name}.yaml").read_text(encoding="utf-8") for name in STANDALONE
    }
    for group in GROUPS:
        for name in group:
            sources[name] = (PROGRAMME / f"{name}.yaml").read_text(encoding="utf-8")
    written = 0
    copy = 0
    while written < count:
        left = count - written
        suffix = f"_{copy}" if copy else ""  # copy 0 keeps the real ids (programme.yaml needs one)
        group = GROUPS[copy % len(GROUPS)] if left >= 3 else STANDALONE[:left]
        names = {name: f"{name}{suffix}" for name in group}
        if left < 3:
            names = {name: f"{name}_extra{copy}" for name in group}
        for name in group:
            target = folder / f"{names[name]}.yaml"
            target.write_text(renamed(sources[name], names), encoding="utf-8")
            written += 1
        copy += 1
    return written


def bench_load(count: int) -> tuple[float, int, int, int]:
    """Seconds to load and check `count` files, with the numbers of errors and warnings."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = generate(folder, count)
        began = time.perf_counter()
        library, problems = load_programme([folder])
        elapsed = time.perf_counter() - began
        assert len(library.flows) == files, (len(library.flows), files)
    errors = sum(1 for p in problems if p.severity == "error")
    for problem in problems[:5]:
        print(f"  {problem}")
    return elapsed, files, errors, len(problems) - errors


# ----- engine -----------------------------------------------------------------------------


TYPED = {"text": "Sam", "number": "50", "time": "8pm", "date": "tomorrow"}


def answer(ask: Ask | None, state: RunState, at: datetime) -> Event:
    """The scripted patient: tap the first button, or type a fitting answer; let waits pass."""
    awaiting = state.awaiting
    assert awaiting is not None
    if awaiting.input == "wait" or ask is None:
        return TimeoutFired(token=awaiting.token, at=at)
    if ask.buttons:
        return TextAnswer(text=ask.buttons[0].label, at=at)
    return TextAnswer(text=TYPED[ask.input], at=at)


def conversation(source: FlowLibrary, flow_id: str, language: str) -> Iterator[StepResult]:
    """One whole scripted conversation, yielding every engine result."""
    context = {"language": language}
    result = engine.start(source, flow_id, context)
    yield result
    at = T0
    ask: Ask | None = None
    for _ in range(500):
        if result.state.status != "active":
            return
        asks = [e for e in result.effects if isinstance(e, Ask)]
        ask = asks[-1] if asks else ask
        at += timedelta(minutes=2)
        result = engine.step(source, result.state, answer(ask, result.state, at), context)
        yield result
    raise RuntimeError(f"{flow_id} did not finish in 500 steps")


def bench_engine(seconds: float) -> tuple[int, float, int]:
    """Engine calls made, seconds spent, and conversations completed."""
    source, _ = load_programme([PROGRAMME])
    scripts = [
        (flow, language) for flow in ("onboarding", "example_lesson") for language in ["en", "zh"]
    ]
    for flow, language in scripts:  # warm up caches (templates, expressions), check completion
        last = list(conversation(source, flow, language))[-1]
        assert last.state.outcome == "completed", (flow, language, last.state.outcome)
    steps = conversations = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        for flow, language in scripts:
            for _ in conversation(source, flow, language):
                steps += 1
            conversations += 1
    return steps, time.perf_counter() - began, conversations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="flow files to load (default 200)")
    parser.add_argument("--seconds", type=float, default=5.0, help="engine run time (default 5)")
    args = parser.parse_args(argv)

    elapsed, files, errors, warnings = bench_load(args.files)
    per_file_ms = elapsed * 1000 / files
    print(
        f"load + check {files} flow files: {elapsed * 1000:.0f} ms total, "
        f"{per_file_ms:.2f} ms per file, {errors} errors, {warnings} warnings"
    )

    steps, spent, conversations = bench_engine(args.seconds)
    per_step_us = spent * 1e6 / steps
    print(
        f"engine: {steps} steps in {spent:.2f} s over {conversations} conversations: "
        f"{steps / spent:,.0f} steps/s, {per_step_us:.0f} µs per step"
    )
    print(
        f"ratio: load + check of one file ({per_file_ms:.2f} ms) = "
        f"{per_file_ms * 1000 / per_step_us:,.0f} engine steps"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
