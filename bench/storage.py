"""Storage benchmark: N patients x 20 events through the real Conversations service.

Usage: python bench/storage.py [--patients 1000] [--backend sqlite|postgres|both]

Each patient: /start, consent, 18+, a typed name, language, country, time zone, nine PHQ-9 taps
and four GAD-7 taps (20 events, each one unit of work: dedupe, load the run, step the engine,
encrypt, outbox, commit).
Prints events/s, p50/p99 latency per event, peak memory and the PostgreSQL/SQLite ratio.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script: bench/ must not shadow the `storage` package

import argparse  # noqa: E402
import asyncio  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from bot.app import App  # noqa: E402
from bot.care.effects import patient_target  # noqa: E402
from scheduler.clock import FrozenClock  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from storage.repositories.outbox import PAYLOAD  # noqa: E402
from tests.support.databases import (  # noqa: E402
    app_settings,
    database_url,
    postgres_problem,
    running_app,
)

LABELS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
EVENTS_PER_PATIENT = 20
TRACED = 25  # patients handled under tracemalloc before the timed run


async def button(app: App, patient_id: int, label: str) -> str:
    """Callback data of a button on the patient's open question (not timed)."""
    latest = (
        sa.select(OutboxMessage.payload_enc)
        .where(OutboxMessage.target_key == patient_target(patient_id))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    async with app.uow() as uow:
        sealed = await uow._session.scalar(latest)
    question = app.uow.cipher.decrypt_json(sealed, PAYLOAD)  # the last message is the question
    return str(next(b["data"] for b in question["buttons"] if b["label"] == label))


async def one_patient(app: App, number: int, latencies: list[float]) -> None:
    """Twenty events for one patient, each timed on its own."""
    user = 10_000_000 + number  # (negative numbers: the untimed, traced warm-up patients)
    keys = iter(range(EVENTS_PER_PATIENT))

    async def timed(call: Callable[[], Awaitable[object]]) -> object:
        started = time.perf_counter()
        result = await call()
        latencies.append(time.perf_counter() - started)
        return result

    def key() -> str:
        return f"bench:{user}:{next(keys)}"

    pid = await timed(lambda: app.enrolment.start("telegram", user, user, key=key()))
    assert isinstance(pid, int)
    taps = ["I agree", "Yes", None, "English", "United Kingdom", "Yes, that's right"]
    taps += [LABELS[(number + i) % 3] for i in range(8)] + [LABELS[0]]  # item 9 stays 0
    taps += [LABELS[(number * i) % 4] for i in range(4)]  # 20 events in all, as before
    for label in taps:
        if label is None:
            await timed(lambda: app.conversations.text(pid, key(), f"Bench Person {number}"))
            continue
        data = await button(app, pid, label)
        await timed(lambda data=data: app.conversations.press(pid, key(), data))


async def run(backend: str, patients: int, programme: Path | None) -> dict[str, float]:
    """Benchmark one backend on a fresh database."""
    with tempfile.TemporaryDirectory() as folder:
        async with database_url(backend, Path(folder)) as url:
            extra = {"path": programme} if programme else {}
            async with running_app(app_settings(url, **extra), FrozenClock()) as app:
                latencies: list[float] = []
                # tracemalloc slows Python ~3x, so it watches the first patients only; their
                # latencies are left out. ru_maxrss covers the whole run.
                tracemalloc.start()
                for number in range(min(TRACED, patients)):
                    await one_patient(app, -1 - number, [])
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                started = time.perf_counter()
                for number in range(patients):
                    await one_patient(app, number, latencies)
                elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "events": len(latencies),
        "wall_s": elapsed,
        "events_per_s": len(latencies) / sum(latencies),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "tracemalloc_peak_mb": peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def show(backend: str, r: dict[str, float]) -> None:
    print(
        f"{backend:9} {int(r['events']):6d} events  {r['events_per_s']:7.1f} events/s  "
        f"p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
        f"tracemalloc peak {r['tracemalloc_peak_mb']:5.1f} MB ({TRACED} patients)  "
        f"ru_maxrss {r['maxrss_mb']:6.1f} MB  (wall {r['wall_s']:.0f} s incl. untimed look-ups)",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--programme", type=Path, help="programme folder (default: built-in)")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"{args.patients} patients x {EVENTS_PER_PATIENT} events, one at a time", flush=True)
    results: dict[str, dict[str, float]] = {}
    for backend in backends:
        if backend == "postgres" and (problem := await postgres_problem()):
            print(f"postgres  skipped: {problem}")
            continue
        results[backend] = await run(backend, args.patients, args.programme)
        show(backend, results[backend])
    if {"sqlite", "postgres"} <= results.keys():
        ratio = results["postgres"]["events_per_s"] / results["sqlite"]["events_per_s"]
        print(f"PostgreSQL / SQLite throughput: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
