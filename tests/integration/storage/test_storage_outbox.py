"""The outbox delivers per target in order, safety first, and never loses a message.

Tests taking `any_uow` run on memory too; the encrypted payload check reads SQL rows, so
it stays SQL-only.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.care.messages import TextMessage
from storage.models import OutboxMessage
from storage.repositories import PRIORITY_BULK, PRIORITY_INTERACTIVE, PRIORITY_SAFETY


async def _enqueue(uow, items):
    async with uow() as u:
        ids = [
            await u.outbox.enqueue(
                target_kind=kind,
                target_key=key,
                payload=TextMessage(html=text),
                priority=priority,
                patient_id=pid,
            )
            for kind, key, text, priority, pid in items
        ]
        await u.commit()
    return ids


async def _claim(uow, limit=50):
    async with uow() as u:
        claimed = await u.outbox.claim_due(limit=limit)
        await u.commit()
    return claimed


async def _sent(uow, messages):
    async with uow() as u:
        for message in messages:
            await u.outbox.mark_sent(message.id, telegram_message_id=1000 + message.id)
        await u.commit()


async def test_one_message_per_target_in_order_with_safety_first(any_uow):
    uow = any_uow
    await _enqueue(
        uow,
        [
            ("patient", "patient:1", "hello 1", PRIORITY_INTERACTIVE, None),
            ("patient", "patient:1", "hello 2", PRIORITY_INTERACTIVE, None),
            ("patient", "patient:2", "weekly news", PRIORITY_BULK, None),
            ("staff", "staff:-100:0", "ALERT P-7Q4K", PRIORITY_SAFETY, None),
        ],
    )
    first = await _claim(uow)
    assert [m.payload.html for m in first] == ["ALERT P-7Q4K", "hello 1", "weekly news"]
    assert [m.seq for m in first] == [1, 1, 1]
    assert all(m.attempts == 1 for m in first)
    assert await _claim(uow) == []  # leased, and "hello 2" waits for "hello 1"
    await _sent(uow, first)
    second = await _claim(uow)
    assert [(m.payload.html, m.seq) for m in second] == [("hello 2", 2)]


async def test_higher_priority_overtakes_queued_bulk_for_the_same_target(any_uow):
    uow = any_uow
    await _enqueue(
        uow,
        [
            ("staff", "staff:-100:0", "relay 1", PRIORITY_BULK, None),
            ("staff", "staff:-100:0", "relay 2", PRIORITY_BULK, None),
            ("staff", "staff:-100:0", "ALERT", PRIORITY_SAFETY, None),
        ],
    )
    claimed = await _claim(uow)
    assert [m.payload.html for m in claimed] == ["ALERT"]
    await _sent(uow, claimed)
    assert [m.payload.html for m in await _claim(uow)] == ["relay 1"]


async def test_failed_attempt_retries_later_and_blocks_followers(any_uow, clock):
    uow = any_uow
    await _enqueue(
        uow,
        [
            ("patient", "patient:1", "a", PRIORITY_INTERACTIVE, None),
            ("patient", "patient:1", "b", PRIORITY_INTERACTIVE, None),
        ],
    )
    [first] = await _claim(uow)
    async with uow() as u:
        await u.outbox.mark_failed(first.id, "429 retry_after=30", clock() + timedelta(seconds=30))
        await u.commit()
    assert await _claim(uow) == []
    clock.advance(seconds=31)
    [again] = await _claim(uow)
    assert (again.id, again.attempts) == (first.id, 2)


async def test_lease_expiry_makes_a_lost_message_due_again(any_uow, clock):
    uow = any_uow
    await _enqueue(uow, [("patient", "patient:1", "a", PRIORITY_INTERACTIVE, None)])
    [first] = await _claim(uow)
    clock.advance(seconds=61)  # the sender died without settling it
    [again] = await _claim(uow)
    assert again.id == first.id


async def test_releasing_leases_frees_only_claims_not_backoffs_or_deferrals(any_uow, clock):
    uow = any_uow
    leased, backing_off, _ = await _enqueue(
        uow,
        [
            ("patient", "patient:1", "leased", PRIORITY_INTERACTIVE, None),
            ("patient", "patient:2", "backing off", PRIORITY_INTERACTIVE, None),
            ("patient", "patient:3", "after", PRIORITY_INTERACTIVE, None),
        ],
    )
    async with uow() as u:
        await u.outbox.enqueue(
            target_kind="patient",
            target_key="patient:4",
            payload=TextMessage(html="deferred"),
            not_before=clock() + timedelta(hours=1),
        )
        await u.commit()
    claimed = await _claim(uow)
    assert {m.id for m in claimed} == {leased, backing_off, claimed[2].id}
    async with uow() as u:
        await u.outbox.mark_failed(backing_off, "500", clock() + timedelta(minutes=5))
        await u.outbox.release([claimed[2].id])  # given back: due already, no lease to free
        assert await u.outbox.release_abandoned(set()) == 1
        await u.commit()
    again = await _claim(uow)
    assert sorted(m.payload.html for m in again) == ["after", "leased"]
    async with uow() as u:
        assert await u.outbox.release_abandoned(set()) == 2  # claimed again, by a sender now gone
        await u.rollback()


async def test_give_up_park_and_unpark(any_uow):
    uow = any_uow
    async with uow() as u:
        patient = await u.patients.create()
        await u.commit()
    pid = patient.id
    ids = await _enqueue(
        uow,
        [
            ("patient", "patient:9", "x", PRIORITY_INTERACTIVE, pid),
            ("patient", "patient:9", "y", PRIORITY_INTERACTIVE, pid),
            ("patient", "patient:9", "z", PRIORITY_INTERACTIVE, pid),
        ],
    )
    async with uow() as u:
        await u.outbox.mark_failed(ids[0], "400 bad request")
        await u.outbox.park(ids[1], "403 blocked")
        assert await u.outbox.park_all_for_patient(pid, "403 blocked") == 1
        assert await u.outbox.count("parked") == 2
        await u.commit()
    assert await _claim(uow) == []
    async with uow() as u:
        assert await u.outbox.unpark_for_patient(pid) == 2
        statuses = [m.status for m in await u.outbox.list_for_patient(pid)]
        assert statuses == ["failed", "pending", "pending"]
        await u.commit()
    assert [m.payload.html for m in await _claim(uow)] == ["y"]


async def test_sequence_is_per_target_and_payload_encrypted(uow):
    await _enqueue(
        uow,
        [
            ("patient", "patient:1", "my secret words", PRIORITY_INTERACTIVE, None),
            ("patient", "patient:2", "b", PRIORITY_INTERACTIVE, None),
            ("patient", "patient:1", "c", PRIORITY_INTERACTIVE, None),
        ],
    )
    async with uow() as u:
        rows = (
            await u._session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        ).scalars()
        rows = list(rows)
    assert [(r.target_key, r.seq) for r in rows] == [
        ("patient:1", 1),
        ("patient:2", 1),
        ("patient:1", 2),
    ]
    assert b"secret" not in rows[0].payload_enc


async def test_rolled_back_enqueue_leaves_nothing(any_uow):
    uow = any_uow
    async with uow() as u:
        await u.outbox.enqueue(target_kind="patient", target_key="patient:1", payload=TextMessage())
    async with uow() as u:
        assert await u.outbox.count() == 0


async def test_a_commit_rings_the_bell_unless_told_not_to(any_uow):
    uow = any_uow
    rung = []
    uow.after_commit = lambda: rung.append(True)
    await _enqueue(uow, [("patient", "patient:1", "a", PRIORITY_INTERACTIVE, None)])
    assert rung == [True]
    async with uow() as u:
        assert len(await u.outbox.claim_due()) == 1
        await u.commit(notify=False)  # a lease: nothing new for the sender
    assert rung == [True]
    async with uow() as u:
        assert await u.outbox.count() == 1
        assert await u.outbox.claim_due() == []  # the lease landed all the same
