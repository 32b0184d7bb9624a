"""The poller lease on a frozen clock: a standby waits, takes over from a silent holder, never
from a live one, and a poller that cannot renew in time stops itself before anyone may take over.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.care.messages import TextMessage
from bot.liveness import POLLER, Liveness, release_abandoned_work
from scheduler.clock import FrozenClock
from storage.memory.uow import MemoryUnitOfWorkFactory

LEASE = timedelta(seconds=5)


class Beats:
    """A fake sleep that moves the frozen clock instead of waiting, and counts its calls."""

    def __init__(self, clock: FrozenClock, others: list[Liveness] | None = None) -> None:
        self.clock = clock
        self.others = others or []
        self.calls = 0

    async def __call__(self, seconds: float) -> None:
        self.calls += 1
        self.clock.advance(timedelta(seconds=seconds))
        for other in self.others:  # live processes keep beating while this one waits
            await other.beat_once()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def uow(clock: FrozenClock) -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory(clock.now)


def process(uow, clock, name: str, sleep=None) -> Liveness:
    return Liveness(uow, clock, holder=name, lease=LEASE, sleep=sleep or Beats(clock))


async def test_the_first_process_takes_the_poller_lease_at_once(uow, clock):
    first = process(uow, clock, "first")
    await first.acquire_poller()
    assert first.polling
    async with uow(reading=True) as work:
        assert (await work.leases.holder(POLLER))[0] == "first"


async def test_a_standby_never_takes_the_lease_of_a_live_poller(uow, clock):
    first = process(uow, clock, "first")
    await first.acquire_poller()
    second = process(uow, clock, "second", Beats(clock, others=[first]))
    for _ in range(30):  # 30 beats, six leases' worth: the poller beats all along
        assert not await second.try_poller()
        await second.sleep(second.beat.total_seconds())
    assert first.polling
    assert not first.lost.is_set()


async def test_a_standby_takes_over_within_a_lease_and_a_beat_of_the_poller_going_silent(
    uow, clock
):
    first = process(uow, clock, "first")
    await first.acquire_poller()
    silent_at = clock.now()  # kill -9: no more beats
    second = process(uow, clock, "second")
    await second.acquire_poller()
    assert second.polling
    assert clock.now() - silent_at <= LEASE + second.beat
    await first.beat_once()  # had it only been frozen, it learns it lost the lease
    assert first.lost.is_set()


async def test_a_poller_cut_off_from_its_database_pauses_before_its_lease_runs_out(uow, clock):
    first = process(uow, clock, "first")
    await first.acquire_poller()
    broken = Liveness(
        _Unreachable(), clock, holder="first", lease=LEASE, sleep=Beats(clock)
    )  # the same process, its database gone
    broken._renewed_at = clock.now()
    broken.role = POLLER
    while broken.polling:
        await broken.beat_once()
        clock.advance(broken.beat)
    assert not broken.lost.is_set()
    async with uow(reading=True) as work:
        _, expires_at = await work.leases.holder(POLLER)
    assert clock.now() <= expires_at  # it paused while nobody could yet take over


async def test_a_paused_poller_polls_again_when_the_database_is_back_and_nobody_took_over(
    uow, clock
):
    first = process(uow, clock, "first")
    await first.acquire_poller()
    first.paused = True  # as after a database outage longer than its lease
    clock.advance(LEASE * 3)
    await first.beat_once()
    assert first.polling
    assert not first.lost.is_set()


async def test_a_paused_poller_stops_when_a_standby_took_over_meanwhile(uow, clock):
    first = process(uow, clock, "first")
    await first.acquire_poller()
    first.paused = True
    clock.advance(LEASE * 3)
    second = process(uow, clock, "second")
    await second.acquire_poller()  # the database came back for the standby first
    await first.beat_once()
    assert first.lost.is_set()
    assert not first.polling


async def test_a_clean_stop_frees_the_lease_for_a_standby_at_once(uow, clock):
    first = process(uow, clock, "first")
    await first.acquire_poller()
    await first.leave()
    second = process(uow, clock, "second")
    assert await second.try_poller()


async def test_takeover_frees_only_the_outbox_claims_of_processes_gone(uow, clock):
    async with uow() as work:
        for n in range(3):
            await work.outbox.enqueue(
                target_kind="patient", target_key=f"patient:{n}", payload=TextMessage(html="hi")
            )
        await work.outbox.claim_due(limit=1, holder="gone")
        await work.outbox.claim_due(limit=1, holder="webhook-2")
        await work.commit()
    assert await release_abandoned_work(uow, {"webhook-2"}) == 1


async def _claim_one_of_each(uow, holder: str) -> None:
    """`holder` claims an outbox message and a stored update, as a sender and a worker would."""
    async with uow() as work:
        await work.outbox.enqueue(
            target_kind="patient", target_key="patient:1", payload=TextMessage(html="hi")
        )
        await work.inbox.store([(1, 1001, {"update_id": 1})])
        assert len(await work.outbox.claim_due(limit=1, holder=holder)) == 1
        assert len(await work.inbox.claim(holder, 1, timedelta(seconds=30))) == 1
        await work.commit()


async def _due_again(uow) -> tuple[int, int]:
    async with uow() as work:
        messages = await work.outbox.claim_due(limit=10, holder="probe")
        updates = await work.inbox.claim("probe", 10, timedelta(seconds=30))
        await work.rollback()
    return len(messages), len(updates)


async def test_claims_of_a_process_killed_just_before_a_start_come_back_within_two_leases(
    uow, clock
):
    dead = process(uow, clock, "dead")
    await dead.beat_once()
    await _claim_one_of_each(uow, "dead")  # then kill -9, a moment before the restart
    alive = process(uow, clock, "alive")
    await alive.beat_once()
    assert await release_abandoned_work(uow, await alive.live_holders()) == 0  # still "live"
    killed_at = clock.now()
    while await _due_again(uow) == (0, 0):
        assert clock.now() - killed_at <= 2 * LEASE + alive.beat, "still held by the dead"
        clock.advance(alive.beat)
        await alive.beat_once()
    assert await _due_again(uow) == (1, 1)


async def test_claims_of_a_process_that_keeps_beating_are_never_taken(uow, clock):
    busy = process(uow, clock, "busy")
    await busy.beat_once()
    await _claim_one_of_each(uow, "busy")
    alive = process(uow, clock, "alive")
    for _ in range(20):  # four leases, both beating; the claims' own leases not yet run out
        clock.advance(alive.beat)
        await busy.beat_once()
        await alive.beat_once()
    assert await _due_again(uow) == (0, 0)


async def test_after_an_outage_nobody_takes_claims_until_the_others_could_beat_again(uow, clock):
    peer = process(uow, clock, "peer")
    alive = process(uow, clock, "alive")
    await peer.beat_once()
    await alive.beat_once()
    await _claim_one_of_each(uow, "peer")
    clock.advance(LEASE * 3)  # the database away for everyone: no beats got through
    alive._steady_since = None  # as a failed beat leaves it
    await alive.beat_once()  # back first: the peer looks silent, but had no chance to beat
    for _ in range(10):
        clock.advance(alive.beat)
        await peer.beat_once()
        await alive.beat_once()
    assert await _due_again(uow) == (0, 0)


class _Unreachable:
    """A unit-of-work factory whose database is down."""

    def __call__(self, *, reading: bool = False):
        return self

    async def __aenter__(self):
        raise ConnectionRefusedError("database down")

    async def __aexit__(self, *exc):
        return None

    async def rotate_keys(self, batch_size: int = 500) -> int:
        return 0
