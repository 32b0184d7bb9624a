"""Inbound de-duplication and scheduled items claimed exactly once.

Every test runs on memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta


async def test_inbound_event_is_seen_once(any_uow, clock):
    uow = any_uow
    async with uow() as u:
        assert not await u.inbound.seen("tg:update:1")
        assert await u.inbound.seen("tg:update:1")
        await u.commit()
    async with uow() as u:
        assert await u.inbound.seen("tg:update:1")
        assert not await u.inbound.seen("tg:update:2")
        # not committed: the second event was never handled, so it is not remembered
    async with uow() as u:
        assert not await u.inbound.seen("tg:update:2")
        clock.advance(days=3)
        assert await u.inbound.prune(clock() - timedelta(days=1)) == 2
        await u.commit()


async def test_concurrent_duplicates_are_seen_once(any_uow):
    async def handle():
        async with any_uow() as u:
            duplicate = await u.inbound.seen("tg:update:42")
            await u.commit()
            return duplicate

    results = await asyncio.gather(*(handle() for _ in range(4)))
    assert sorted(results) == [False, True, True, True]


async def test_scheduling_is_idempotent_by_key(any_uow, clock):
    uow = any_uow
    async with uow() as u:
        assert await u.scheduled.add(
            "release", clock(), key="release:patient:1:module:2", payload={"module": 2}
        )
        assert not await u.scheduled.add("release", clock(), key="release:patient:1:module:2")
        await u.commit()
    async with uow() as u:
        item = await u.scheduled.get_by_key("release:patient:1:module:2")
        assert item.payload == {"module": 2}


async def _schedule(uow, clock, count, patient_id=None):
    async with uow() as u:
        for n in range(count):
            await u.scheduled.add(
                "reminder", clock() + timedelta(minutes=n), key=f"r:{n}", patient_id=patient_id
            )
        await u.commit()


async def test_claim_due_items_once_and_settle_them(any_uow, clock):
    uow = any_uow
    await _schedule(uow, clock, 3)
    async with uow() as u:
        due = await u.scheduled.claim_due(now=clock() + timedelta(minutes=1))
        assert [item.key for item in due] == ["r:0", "r:1"]
        assert all(item.attempts == 1 for item in due)
        assert await u.scheduled.claim_due(now=clock() + timedelta(minutes=1)) == []
        await u.scheduled.mark_done(due[0].id)
        await u.scheduled.release(due[1].id, clock() + timedelta(hours=1), note="retry")
        await u.commit()
    clock.advance(minutes=5)
    async with uow() as u:
        assert [item.key for item in await u.scheduled.claim_due()] == ["r:2"]
        assert (await u.scheduled.get_by_key("r:0")).fired_at == clock() - timedelta(minutes=5)
        await u.commit()
    clock.advance(minutes=20)
    async with uow() as u:
        assert await u.scheduled.release_stale(timedelta(minutes=10)) == 1
        assert [item.key for item in await u.scheduled.claim_due()] == ["r:2"]
        await u.commit()


async def test_cancel_and_reschedule_for_patient(any_uow, clock):
    uow = any_uow
    async with uow() as u:
        patient = await u.patients.create()
        await u.commit()
    await _schedule(uow, clock, 3, patient_id=patient.id)
    async with uow() as u:
        assert await u.scheduled.reschedule("r:0", clock() + timedelta(days=1))
        assert await u.scheduled.cancel_for_patient(patient.id, kinds=["nope"]) == 0
        assert await u.scheduled.cancel_for_patient(patient.id) == 3
        assert not await u.scheduled.reschedule("r:0", clock())
        items = await u.scheduled.list_for_patient(patient.id)
        assert {i.status for i in items} == {"cancelled"}
        await u.commit()
    async with uow() as u:
        assert await u.scheduled.claim_due(now=clock() + timedelta(days=2)) == []


async def test_concurrent_claimers_never_share_an_item(any_uow, clock):
    uow = any_uow
    await _schedule(uow, clock, 60)
    later = clock() + timedelta(hours=2)

    async def worker():
        got = []
        while True:
            async with uow() as u:
                batch = await u.scheduled.claim_due(limit=7, now=later)
                await asyncio.sleep(0)  # hold the claim open while the other worker runs
                await u.commit()
            if not batch:
                return got
            got.extend(item.id for item in batch)

    first, second, third = await asyncio.gather(worker(), worker(), worker())
    claimed = first + second + third
    assert len(claimed) == 60
    assert len(set(claimed)) == 60


async def test_an_item_is_found_by_id_and_held_with_a_new_payload(any_uow, clock):
    uow = any_uow
    await _schedule(uow, clock, 1)
    async with uow() as u:
        [due] = await u.scheduled.claim_due(now=clock())
        item = await u.scheduled.get(due.id)
        assert (item.key, item.status) == ("r:0", "claimed")
        assert await u.scheduled.get(due.id + 1000) is None
        await u.scheduled.hold(due.id, clock() + timedelta(days=1), {"held": "yes"}, "held: paused")
        await u.commit()
    async with uow() as u:
        item = await u.scheduled.get(due.id)
        assert (item.status, item.payload, item.note) == (
            "pending",
            {"held": "yes"},
            "held: paused",
        )
        assert item.due_at == clock() + timedelta(days=1)
        assert await u.scheduled.claim_due(now=clock() + timedelta(hours=23)) == []


async def test_a_failure_is_recorded_on_a_pending_item_only(any_uow, clock):
    uow = any_uow
    await _schedule(uow, clock, 3)
    async with uow() as u:
        first, second, third = [await u.scheduled.get_by_key(f"r:{n}") for n in range(3)]
        await u.scheduled.record_failure(
            first.id, 2, "failed 2x: KeyError", clock() + timedelta(hours=1)
        )
        await u.scheduled.record_failure(second.id, 5, "failed 5x: KeyError", None)
        await u.scheduled.mark_done(third.id)
        await u.scheduled.record_failure(third.id, 1, "failed 1x: KeyError", None)
        await u.commit()
    async with uow() as u:
        first, second, third = [await u.scheduled.get_by_key(f"r:{n}") for n in range(3)]
        assert (first.status, first.attempts, first.note) == ("pending", 2, "failed 2x: KeyError")
        assert first.due_at == clock() + timedelta(hours=1)
        assert (second.status, second.attempts) == ("dropped", 5)
        assert (third.status, third.attempts, third.note) == ("done", 0, None)


async def test_listing_names_each_patient_and_counts_go_by_kind(any_uow, clock):
    uow = any_uow
    async with uow() as u:
        patient = await u.patients.create()
        await u.commit()
    await _schedule(uow, clock, 3, patient_id=patient.id)
    async with uow() as u:
        await u.scheduled.add("checkin", clock() - timedelta(hours=1), key="c:0")
        await u.scheduled.mark_done((await u.scheduled.get_by_key("r:2")).id)
        await u.commit()
    async with uow() as u:
        open_items = await u.scheduled.listing(statuses=("pending", "claimed"))
        assert [(i.key, name) for i, name in open_items] == [
            ("c:0", None),
            ("r:0", patient.pseudonym),
            ("r:1", patient.pseudonym),
        ]
        theirs = await u.scheduled.listing(patient_id=patient.id, limit=2)
        assert [i.key for i, _ in theirs] == ["r:0", "r:1"]
        everything = await u.scheduled.listing(patient_id=patient.id)
        assert [i.status for i, _ in everything] == ["pending", "pending", "done"]
        assert await u.scheduled.count_by_kind(("pending", "claimed")) == {
            "reminder": 2,
            "checkin": 1,
        }
        assert await u.scheduled.count_by_kind(("cancelled",)) == {}
