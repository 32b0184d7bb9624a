"""The inbox keeps updates until handled: each chat's oldest first, one at a time per chat,
retried, parked when poison, and never stored twice. Memory, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import timedelta

LEASE = timedelta(seconds=30)


def update(update_id: int, chat: int, text: str = "hello") -> tuple[int, int, dict[str, object]]:
    return update_id, chat, {"update_id": update_id, "message": {"text": text}}


async def store(uow, *updates) -> int:
    async with uow() as u:
        new = await u.inbox.store(list(updates))
        await u.commit()
    return new


async def claim(uow, holder="a", limit=10):
    async with uow() as u:
        claimed = await u.inbox.claim(holder, limit, LEASE)
        await u.commit()
    return [c.update_id for c in claimed]


async def test_an_update_is_stored_once_however_often_it_arrives(any_uow):
    assert await store(any_uow, update(1, 100), update(2, 100)) == 2
    assert await store(any_uow, update(2, 100), update(3, 200)) == 1  # 2 came again
    async with any_uow() as u:
        claimed = await u.inbox.claim("a", 10, LEASE)
    assert {c.update_id for c in claimed} == {1, 3}
    assert next(c for c in claimed if c.update_id == 1).payload["message"] == {"text": "hello"}


async def test_a_chat_gives_one_update_at_a_time_in_order_others_go_on(any_uow):
    await store(any_uow, update(1, 100), update(2, 100), update(3, 200), update(4, 200))
    async with any_uow() as u:
        heads = await u.inbox.claim("a", 10, LEASE)
        await u.commit()
    assert [h.update_id for h in heads] == [1, 3]
    assert await claim(any_uow) == []  # each chat's head is in flight: the rest wait
    async with any_uow() as u:
        await u.inbox.done([heads[0].id])
        await u.commit()
    assert await claim(any_uow) == [2]


async def test_a_failed_update_waits_out_its_backoff_then_comes_back(any_uow, clock):
    await store(any_uow, update(1, 100), update(2, 100))
    async with any_uow() as u:
        (first,) = await u.inbox.claim("a", 10, LEASE)
        await u.inbox.retry(
            first.id, "OperationalError", clock() + timedelta(seconds=5), count=False
        )
        await u.commit()
    assert await claim(any_uow) == []  # backing off, and the chat's next waits behind it
    clock.advance(seconds=5)
    async with any_uow() as u:
        (again,) = await u.inbox.claim("a", 10, LEASE)
        await u.commit()
    assert (again.update_id, again.attempts) == (1, 0)  # not the update's own failure


async def test_a_parked_update_is_counted_and_no_longer_holds_its_chat(any_uow, clock):
    await store(any_uow, update(1, 100), update(2, 100))
    async with any_uow() as u:
        (poison,) = await u.inbox.claim("a", 10, LEASE)
        await u.inbox.park(poison.id, "AssertionError")
        await u.commit()
    assert await claim(any_uow) == [2]
    async with any_uow(reading=True) as u:
        assert await u.inbox.count_parked() == 1
        assert await u.inbox.oldest_pending() == clock()


async def test_only_claims_of_processes_gone_are_released(any_uow):
    await store(any_uow, update(1, 100), update(2, 200))
    assert await claim(any_uow, "alive", limit=1) == [1]
    assert await claim(any_uow, "dead", limit=1) == [2]
    async with any_uow() as u:
        assert await u.inbox.release_abandoned({"alive"}) == 1
        await u.commit()
    assert await claim(any_uow, "new") == [2]


async def test_two_workers_claiming_at_once_never_share_an_update(any_uow):
    await store(any_uow, *(update(n, 100 + n) for n in range(1, 21)))
    first, second = await claim(any_uow, "a", limit=15), await claim(any_uow, "b", limit=15)
    assert not set(first) & set(second)
    assert sorted(first + second) == list(range(1, 21))
