"""Benchmark crisis-language detection: recall and false alarms on the corpus, and its speed.

    .venv/bin/python bench/crisis.py [--rounds N]

Quality: every phrase of tests/unit/care/crisis_corpus/{en,zh}.yaml is assessed with the
programme's safety/crisis_terms.yml; it prints per language the recall (crisis phrases of either
tier found), how many explicit phrases came out explicit, the false positives on look-alikes, the
per-tier confusion (label × outcome) and every miss. Speed: 200-character messages (everyday
English, everyday Chinese, each with and without crisis words at the end, and a mixed one) are
assessed over and over; it prints the time per message (the best of N rounds, so a busy machine
shows less) and the time to load and to check the terms file.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.checks.crisis_terms import check_file
from flows.crisis import CrisisTerms, load_terms
from tests.support.crisis_corpus import (
    LABELS,
    LANGUAGES,
    OUTCOMES,
    TERMS,
    Score,
    load_corpus,
    score,
)

LENGTH = 200
EVERYDAY_EN = (
    "Today was long. I went to work, had lunch with a friend and walked home through the park. "
    "I felt a bit tired but okay. Tomorrow I want to try the breathing exercise again, maybe "
    "twice, and write down what I notice before I go to sleep. "
)
EVERYDAY_ZH = (
    "今天上班很累，中午和朋友一起吃饭，晚上回家看了一会儿书，心情还可以。"
    "明天想再试试呼吸练习，睡前写下自己的感受。"
)


def message(text: str, ending: str = "") -> str:
    """`text` repeated and cut so that, with `ending`, the message is LENGTH characters."""
    body = (text * (LENGTH // len(text) + 1))[: LENGTH - len(ending)]
    return body + ending


MESSAGES = {
    "English, everyday": message(EVERYDAY_EN),
    "English, crisis at the end": message(EVERYDAY_EN, " honestly i just want to die"),
    "Chinese, everyday": message(EVERYDAY_ZH),
    "Chinese, crisis at the end": message(EVERYDAY_ZH, "我真的不想活了"),
    "mixed, everyday": message(EVERYDAY_EN[:100] + EVERYDAY_ZH[:40]),
}


def quality(terms: CrisisTerms) -> None:
    """Recall, the explicit tier, false positives and the confusion, per language."""
    for language in LANGUAGES:
        result = score(terms, load_corpus(language))
        looks = result.total("not_crisis")
        print(f"\n[{language}] {result.crisis} crisis phrases, {looks} look-alikes")
        found = result.crisis - len(result.missed)
        print(f"  recall (either tier):      {result.recall:6.1%}  ({found}/{result.crisis})")
        right = result.count("explicit", "explicit")
        print(f"  explicit assessed explicit: {result.explicit_right:6.1%}  "
              f"({right}/{result.total('explicit')})")  # fmt: skip
        fps = len(result.false_positives)
        print(f"  false positives:            {fps}/{result.total('not_crisis')}")
        confusion(result)
        for text in result.missed:
            print(f"  missed: {text}")
        for text in result.cells["possible"]["explicit"]:
            print(f"  possible, assessed explicit: {text}")
        for text in result.false_positives:
            print(f"  false positive: {text}")


def confusion(result: Score) -> None:
    """The label × outcome table."""
    print(f"  {'label → assessed':18}" + "".join(f"{outcome:>10}" for outcome in OUTCOMES))
    for label in LABELS:
        cells = "".join(f"{result.count(label, outcome):>10}" for outcome in OUTCOMES)
        print(f"  {label:18}{cells}")


def best_time(work: Callable[[], object], repeat: int, rounds: int) -> tuple[float, float]:
    """The best per-call wall-clock and CPU time over `rounds` rounds of `repeat` calls (s)."""
    wall = cpu = float("inf")
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            work()
        wall = min(wall, (time.perf_counter() - started) / repeat)
        cpu = min(cpu, (time.process_time() - started_cpu) / repeat)
    return wall, cpu


def fresh_copy(scratch: Path) -> Path:
    """The terms file at a new path: what was read from another path is kept, not this."""
    copy = Path(tempfile.mkdtemp(dir=scratch)) / TERMS.name
    shutil.copyfile(TERMS, copy)
    return copy


def speed(terms: CrisisTerms, rounds: int) -> None:
    """Time per 200-character message, and to load and check the file."""
    print(f"\nspeed, {LENGTH}-character messages (best of {rounds} rounds; wall clock, CPU):")
    for label, text in MESSAGES.items():
        assert len(text) == LENGTH
        wall, cpu = best_time(partial(terms.assess, text), 1000, rounds)
        print(f"  {label:28} {wall * 1e6:7.1f} µs {cpu * 1e6:7.1f} µs  → {terms.assess(text)}")
    with tempfile.TemporaryDirectory() as scratch:
        load, _ = best_time(lambda: load_terms(fresh_copy(Path(scratch))), 1, 3)
        check, _ = best_time(lambda: check_file(fresh_copy(Path(scratch))), 1, 3)
    phrases = sum(len(entry.phrases) for entry in terms.entries)
    print(f"  load {TERMS.name} ({len(terms.entries)} entries, {phrases} phrases): "
          f"{load * 1e3:.0f} ms; flows check of it: {check * 1e3:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (best is shown)")
    args = parser.parse_args()
    terms = load_terms(TERMS)
    quality(terms)
    speed(terms, args.rounds)


if __name__ == "__main__":
    main()
