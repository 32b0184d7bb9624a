"""Done when: a worker handling events is killed with SIGKILL at random moments and restarted;
afterwards every acknowledged event is reflected exactly once and the outbox holds every committed
message exactly once, in order."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.care.messages import dump_payload
from storage.crypto import FieldCipher, generate_key
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage
from storage.uow import UnitOfWorkFactory

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("crash_worker.py")
LABELS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
USERS = (5550001, 5550002, 5550003)


def journey(user: int, number: int) -> list[dict[str, Any]]:
    """One patient's onboarding as events (PHQ-9 and GAD-7 answers vary by patient)."""
    steps: list[dict[str, Any]] = [
        {"kind": "start"},
        {"kind": "tap", "label": "I agree"},
        {"kind": "tap", "label": "Yes"},
        {"kind": "text", "text": f"Crash Tester {number}"},
        {"kind": "tap", "label": "English"},
        {"kind": "tap", "label": "United Kingdom"},
        {"kind": "tap", "label": "Yes, that's right"},
    ]
    phq9 = [(i + number) % 3 for i in range(8)] + [0]  # item 9 at 0: no safety step here
    steps += [{"kind": "tap", "label": LABELS[score]} for score in phq9]
    steps += [{"kind": "tap", "label": "Somewhat difficult"}]  # PHQ-9 item 10 (unscored)
    steps += [{"kind": "tap", "label": LABELS[(i * number) % 4]} for i in range(7)]
    return [{**step, "user": user, "key": f"tg:{user}{n:03d}"} for n, step in enumerate(steps)]


def all_events() -> list[dict[str, Any]]:
    """Three patients' journeys, interleaved as updates would arrive."""
    journeys = [journey(user, n) for n, user in enumerate(USERS, start=1)]
    return [event for group in zip(*journeys, strict=True) for event in group]


async def run_worker(
    url: str, key: str, events: Path, kill_at: tuple[int, float] | None
) -> tuple[list[str], bool]:
    """Run the worker until it finishes, or SIGKILL it `delay` s after its `n`th ack."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), url, key, str(events),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    acked: list[str] = []
    done = False
    killer: asyncio.Task[None] | None = None

    async def kill(delay: float) -> None:
        await asyncio.sleep(delay)  # lands anywhere: mid-transaction, mid-commit, mid-print
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)

    assert process.stdout is not None
    async for line in process.stdout:
        word, _, rest = line.decode().strip().partition(" ")
        if word == "ack":
            acked.append(rest)
        elif word == "done":
            done = True
        if kill_at is not None and killer is None and len(acked) >= kill_at[0]:
            killer = asyncio.ensure_future(kill(kill_at[1]))
    await asyncio.wait_for(process.wait(), 60)
    if killer is not None:
        await killer
    assert process.stderr is not None
    errors = (await process.stderr.read()).decode()
    if kill_at is None:  # (a killed worker may have printed 'done' before it died)
        assert process.returncode == 0, errors[-3000:]
    return acked, done


async def facts(url: str, key: str) -> dict[str, Any]:
    """What the database says happened, per patient, in a comparable form."""
    engine = create_engine(url)
    try:
        uow = UnitOfWorkFactory(session_factory(engine), FieldCipher(key))
        async with uow() as work:
            out: dict[str, Any] = {}
            for user in USERS:
                pid = await work.identities.find_patient_id("telegram", user)
                assert pid is not None
                answers = await work.answers.list_for_patient(pid)
                results = await work.questionnaires.list_for_patient(pid)
                messages = await work.outbox.list_for_patient(pid)
                out[str(user)] = {
                    "answers": [(a.flow_id, a.question, a.value) for a in answers],
                    "results": [
                        (r.instrument, r.timepoint, r.item_scores, r.total) for r in results
                    ],
                    "messages": [dump_payload(m.payload).get("html") for m in messages],
                    "seq": [m.seq for m in messages if m.target_key.startswith("patient:")],
                }
            rows = (
                await work._session.execute(sa.select(OutboxMessage.target_key, OutboxMessage.seq))
            ).all()
            out["seqs"] = sorted(rows)
        return out
    finally:
        await engine.dispose()


async def test_killed_and_restarted_worker_loses_nothing_and_repeats_nothing(tmp_path: Path):
    events = tmp_path / "events.json"
    events.write_text(json.dumps(all_events()), encoding="utf-8")
    key = generate_key()
    rng = random.Random(int(os.environ.get("DAYBREAK_CRASH_SEED", "20260105")))

    # The reference: the same events handled once, without crashes.
    reference_url = f"sqlite+aiosqlite:///{tmp_path / 'reference.db'}"
    acked, done = await run_worker(reference_url, key, events, None)
    assert done
    assert len(acked) == len(all_events())

    url = f"sqlite+aiosqlite:///{tmp_path / 'crashed.db'}"
    acknowledged: set[str] = set()
    kills = 0
    for _ in range(40):
        kill_at = (len(acknowledged) + rng.randint(1, 8), rng.uniform(0, 0.03))
        acked, done = await run_worker(url, key, events, kill_at)
        acknowledged.update(acked)
        if done:
            break
        kills += 1
    assert done, f"the worker never finished ({kills} kills)"
    assert kills >= 5, "the test should really have killed the worker mid-work"
    assert acknowledged == {event["key"] for event in all_events()}

    expected, actual = await facts(reference_url, key), await facts(url, key)
    for user in map(str, USERS):
        # Each answer and each questionnaire result once, as in the crash-free run.
        assert actual[user]["answers"] == expected[user]["answers"]
        assert Counter(q for _, q, _ in actual[user]["answers"]).most_common(1)[0][1] == 1
        assert actual[user]["results"] == expected[user]["results"]
        # Every committed message once, in order, with no gap in its target's sequence.
        assert actual[user]["messages"] == expected[user]["messages"]
        assert actual[user]["seq"] == list(range(1, len(actual[user]["seq"]) + 1))
    by_target: dict[str, list[int]] = {}
    for target, seq in actual["seqs"]:
        by_target.setdefault(target, []).append(seq)
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in by_target.values())
