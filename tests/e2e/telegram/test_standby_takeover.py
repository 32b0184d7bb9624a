"""Two `daybreak run` processes on one SQLite database: one polls, the other waits as a hot
standby, and takes over within a lease of the poller's `kill -9`; every patient is answered once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.e2e.telegram.conftest import WAIT, BotProcess, Patient, bot_env, eventually
from tests.fakebot import FakeBotApi
from tests.support.pace import start_budget

LEASE = 2.0  # telegram.standby_lease for both processes, in seconds
STANDBY_LINE = "standby: another process polls; waiting"


def polls_logged(process: BotProcess) -> int:
    """How often the process logged that it started polling."""
    return process.output().count("polling for updates")


def made(folder: Path) -> Path:
    """The folder, created."""
    folder.mkdir()
    return folder


async def standby(folder: Path, fake: FakeBotApi, env: dict[str, str]) -> BotProcess:
    """Start `daybreak run` in `folder` (its log) and wait until it says it is a standby."""
    process = BotProcess(made(folder), fake, env)
    await process.start(ready=False)
    try:
        await eventually(
            lambda: STANDBY_LINE in process.output() or process._exited(),
            within=start_budget(WAIT),
            what="the process to wait as a standby",
        )
    except AssertionError:
        await process.kill()
        raise
    assert process.process is not None
    assert process.process.returncode is None, process.output()
    return process


async def test_a_standby_waits_while_the_poller_lives_and_takes_over_after_kill_9(
    fake: FakeBotApi, daybreak: Callable[..., Awaitable[BotProcess]], tmp_path: Path
):
    lease = {"DAYBREAK_TELEGRAM__STANDBY_LEASE": str(LEASE)}
    first = await daybreak(**lease)
    # The same database and data key as the first, its own log.
    second = await standby(tmp_path / "second", fake, bot_env(tmp_path, fake, **lease))
    try:
        ann = Patient(fake, 8301)
        await ann.onboard_to_name()  # answered by the first while the second waits
        await ann.settle(LEASE * 2)  # two leases' worth: a standby that would poll, would have
        assert polls_logged(second) == 0, second.output()
        assert polls_logged(first) == 1

        polls_before = len(fake.calls("getUpdates"))
        await first.kill()
        await eventually(
            lambda: len(fake.calls("getUpdates")) > polls_before and polls_logged(second) == 1,
            within=LEASE + start_budget(LEASE),
            what="the standby to take over polling",
        )
        assert "took the poller lease" in second.output()

        await ann.send("Ada")
        await ann.expect("Nice to meet you, Ada.")
        bea = Patient(fake, 8302)
        await bea.onboard_to_name()
        await bea.send("Bea")
        await bea.expect("Nice to meet you, Bea.")
        for patient in (ann, bea):
            await patient.settle(1.0)
            counts = Counter(patient.texts())
            assert counts.most_common(1)[0][1] == 1, patient.texts()  # nothing twice
        assert fake.violations == []

        third = await standby(tmp_path / "third", fake, bot_env(tmp_path, fake, **lease))
        assert await third.stop() == 0, third.output()  # a standby stops cleanly on SIGTERM
        assert polls_logged(third) == 0
        assert await second.stop() == 0, second.output()
    finally:
        if second.process is not None:
            await second.kill()
