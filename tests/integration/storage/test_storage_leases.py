"""Processes heartbeat, one holds the poller lease, and outbox claims name their process.

Every test takes `any_uow`, so memory, SQLite and PostgreSQL keep the same contract.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.care.messages import TextMessage

LEASE = timedelta(seconds=5)


async def beat(uow, holder, role="standby"):
    async with uow() as u:
        await u.processes.heartbeat(holder, role)
        await u.commit()


async def live(uow):
    async with uow(reading=True) as u:
        return await u.processes.live_holders(LEASE)


async def acquire(uow, holder):
    async with uow() as u:
        alive = await u.processes.live_holders(LEASE)
        got = await u.leases.acquire("poller", holder, LEASE, alive)
        await u.commit()
    return got


async def test_a_process_is_live_while_its_heartbeat_is_recent(any_uow, clock):
    await beat(any_uow, "a")
    await beat(any_uow, "b")
    clock.advance(seconds=3)
    await beat(any_uow, "b")
    assert await live(any_uow) == {"a", "b"}
    clock.advance(seconds=3)
    assert await live(any_uow) == {"b"}
    async with any_uow() as u:
        await u.processes.forget("b")
        assert await u.processes.forget_dead(timedelta(seconds=5)) == 1  # "a"
        await u.commit()
    assert await live(any_uow) == set()


async def test_a_live_holders_lease_is_never_taken_even_once_expired(any_uow, clock):
    await beat(any_uow, "a")
    await beat(any_uow, "b")
    assert await acquire(any_uow, "a")
    assert not await acquire(any_uow, "b")
    clock.advance(seconds=2 * LEASE.total_seconds())
    await beat(any_uow, "a")  # still beating, though it missed its renewals
    await beat(any_uow, "b")
    assert not await acquire(any_uow, "b")
    async with any_uow(reading=True) as u:
        assert (await u.leases.holder("poller"))[0] == "a"


async def test_a_standby_takes_the_lease_of_a_holder_gone_silent(any_uow, clock):
    await beat(any_uow, "a")
    assert await acquire(any_uow, "a")
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await beat(any_uow, "b")
    assert await acquire(any_uow, "b")
    async with any_uow() as u:
        assert not await u.leases.renew("poller", "a", LEASE)  # "a" learns it lost it
        assert await u.leases.renew("poller", "b", LEASE)
        await u.commit()


async def test_a_released_lease_is_free_at_once(any_uow):
    await beat(any_uow, "a")
    await beat(any_uow, "b")
    assert await acquire(any_uow, "a")
    async with any_uow() as u:
        await u.leases.release("poller", "b")  # not b's to give: nothing happens
        await u.commit()
    assert not await acquire(any_uow, "b")
    async with any_uow() as u:
        await u.leases.release("poller", "a")
        await u.commit()
    assert await acquire(any_uow, "b")


async def test_two_standbys_racing_for_a_dead_holders_lease_get_one_winner(any_uow, clock):
    await beat(any_uow, "dead")
    assert await acquire(any_uow, "dead")
    clock.advance(seconds=2 * LEASE.total_seconds())
    await beat(any_uow, "b")
    await beat(any_uow, "c")
    won = await asyncio.gather(acquire(any_uow, "b"), acquire(any_uow, "c"))
    assert sorted(won) == [False, True]


async def enqueue(uow, count):
    async with uow() as u:
        for n in range(count):
            await u.outbox.enqueue(
                target_kind="patient", target_key=f"patient:{n}", payload=TextMessage(html="hi")
            )
        await u.commit()


async def test_only_claims_of_processes_gone_are_released(any_uow):
    await enqueue(any_uow, 4)
    async with any_uow() as u:
        mine = await u.outbox.claim_due(limit=2, holder="live")
        theirs = await u.outbox.claim_due(limit=1, holder="dead")
        unnamed = await u.outbox.claim_due(limit=1)
        await u.commit()
    assert [len(mine), len(theirs), len(unnamed)] == [2, 1, 1]
    async with any_uow() as u:
        assert await u.outbox.release_abandoned({"live"}) == 2  # "dead"'s and the unnamed one
        await u.commit()
    async with any_uow() as u:
        again = await u.outbox.claim_due(limit=10, holder="new")
        await u.commit()
    assert {m.id for m in again} == {theirs[0].id, unnamed[0].id}


async def test_two_senders_claiming_at_once_never_share_a_message(any_uow):
    await enqueue(any_uow, 30)

    async def claim(holder):
        async with any_uow() as u:
            claimed = await u.outbox.claim_due(limit=20, holder=holder)
            await u.commit()
        return {m.id for m in claimed}

    first, second = await asyncio.gather(claim("a"), claim("b"))
    assert not first & second
    assert len(first | second) == 30
