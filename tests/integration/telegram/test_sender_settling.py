"""Delivered messages are recorded by group commit: fewer transactions, the same guarantees.

The real Sender against the fake Bot API, on SQLite and PostgreSQL. A transaction that marks
messages sent is told apart by the UPDATE that sets `telegram_message_id` (only marking sent
does), and counted per commit with engine events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection

from bot.app import App, build_app
from bot.care.messages import TextMessage
from bot.config import Settings
from bot.telegram import sender as sender_module
from bot.telegram.limits import Limits
from bot.telegram.sender import Sender
from bot.wiring.telegram import build_telegram
from scheduler.clock import FrozenClock
from storage.crypto import generate_key
from storage.models import OutboxMessage
from storage.repositories.outbox import PAYLOAD
from tests.fakebot import FakeBotApi
from tests.fakebot import Limits as FakeLimits

FIRST_CHAT = 7001


class CommitFailed(Exception):
    """The database refused a commit (a test's stand-in for a lost connection or a full disk)."""


@dataclass
class Recorder:
    """How many messages each committed "mark sent" transaction recorded; can fail some."""

    batches: list[int] = field(default_factory=list)
    fail: int = 0  # this many of the next "mark sent" commits raise CommitFailed
    failed: int = 0

    def attach(self, app: App) -> None:
        engine = app.engine.sync_engine
        event.listen(engine, "after_cursor_execute", self._executed)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", lambda conn: conn.info.pop("marked", None))

    def _executed(
        self, conn: Connection, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        if statement.startswith("UPDATE outbox ") and "telegram_message_id=" in statement:
            conn.info["marked"] = conn.info.get("marked", 0) + (len(params) if many else 1)

    def _commit(self, conn: Connection) -> None:
        marked = conn.info.pop("marked", 0)
        if not marked:
            return
        if self.fail:
            self.fail -= 1
            self.failed += 1
            conn.connection.rollback()  # as a database does with a transaction it cannot commit
            raise CommitFailed("the database went away")
        self.batches.append(marked)


@dataclass
class Rig:
    fake: FakeBotApi
    app: App
    sender: Sender
    clock: FrozenClock
    recorder: Recorder

    async def enqueue(self, chat_id: int, texts: list[str]) -> list[int]:
        async with self.app.uow() as uow:
            ids = [
                await uow.outbox.enqueue(
                    target_kind="chat",
                    target_key=f"chat:telegram:{chat_id}",
                    payload=TextMessage(html=text, messenger="telegram", chat_id=str(chat_id)),
                )
                for text in texts
            ]
            await uow.commit()
        return ids

    async def set_row(self, message_id: int, **values: Any) -> None:
        async with self.app.uow() as uow:
            where = OutboxMessage.id == message_id
            await uow._session.execute(sa.update(OutboxMessage).where(where).values(**values))
            await uow.commit()

    async def rows(self) -> dict[int, OutboxMessage]:
        async with self.app.uow() as uow:
            found = await uow._session.scalars(sa.select(OutboxMessage))
            return {row.id: row for row in found}

    def texts(self, chat_id: int) -> list[str]:
        return [str(record["text"]) for record in self.fake.sent(chat_id)]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[asyncio.Event]:
        """The sender's run loop, stopped (and so flushed) on the way out."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.sender.run(stop))
        try:
            yield stop
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)


@pytest.fixture
async def rig(db_url: str, clock: FrozenClock) -> AsyncIterator[Rig]:
    async with FakeBotApi(limits=FakeLimits.off()) as fake:
        for chat in range(FIRST_CHAT, FIRST_CHAT + 100):
            fake.add_user(chat, f"Patient {chat}")
        settings = Settings(
            telegram={"token": fake.token, "api_base_url": fake.base_url},
            database={"url": db_url},
            security={"data_key": generate_key()},
        )
        app = await build_app(settings, clock=clock)
        limits = Limits(global_rate=10_000, private_rate=1_000, group_per_minute=1_000)
        telegram = build_telegram(app, limits=limits)  # woken by every commit, as in the runner
        bot, sender = telegram.bot, telegram.sender
        try:
            recorder = Recorder()
            recorder.attach(app)
            yield Rig(fake, app, sender, clock, recorder)
        finally:
            await bot.session.close()
            await app.close()


async def eventually(check: Callable[[], Any], what: str, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_many_chats_at_once_are_recorded_in_fewer_transactions_than_messages(rig: Rig):
    chats = range(FIRST_CHAT, FIRST_CHAT + 60)
    ids = {chat: await rig.enqueue(chat, [f"hello {chat}", f"and again {chat}"]) for chat in chats}
    # Telegram answers the first sends together, as it does under load.
    rig.fake.delay_next("sendMessage", 0.2, times=len(chats))

    async with rig.running():
        await eventually(lambda: _all_sent(rig), "every message to be recorded as sent")

    rows = await rig.rows()
    for chat in chats:
        assert rig.texts(chat) == [f"hello {chat}", f"and again {chat}"]
        sent_ids = [record["message_id"] for record in rig.fake.sent(chat)]
        assert [rows[i].telegram_message_id for i in ids[chat]] == sent_ids
        assert all(rows[i].status == "sent" and rows[i].sent_at is not None for i in ids[chat])
    assert sum(rig.recorder.batches) == 120
    assert len(rig.recorder.batches) < 120 / 4, rig.recorder.batches
    assert max(rig.recorder.batches) > 1


async def _all_sent(rig: Rig) -> bool:
    async with rig.app.uow() as uow:
        return await uow.outbox.count("pending") == 0


async def test_each_chat_gets_its_messages_in_order_each_recorded_before_the_next(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
):
    chats = range(FIRST_CHAT, FIRST_CHAT + 8)
    for chat in chats:
        await rig.enqueue(chat, [f"{chat}: {n}" for n in range(5)])
    send = rig.sender._send
    recorded_before: dict[str, int] = {}  # text -> its chat's messages marked sent as it went

    async def checked_send(destination: Any, payload: TextMessage) -> int:
        async with rig.app.uow() as uow:
            key = f"chat:telegram:{destination.chat_id}"
            recorded_before[payload.html] = await uow.outbox.count("sent", key)
        return await send(destination, payload)

    monkeypatch.setattr(rig.sender, "_send", checked_send)
    async with rig.running():
        await eventually(lambda: _all_sent(rig), "every message to be recorded as sent")

    for chat in chats:
        texts = [f"{chat}: {n}" for n in range(5)]
        assert rig.texts(chat) == texts
        # So a crash can only ever repeat the one message in flight per chat.
        assert [recorded_before[text] for text in texts] == [0, 1, 2, 3, 4]
    assert sum(rig.recorder.batches) == 40
    assert len(rig.recorder.batches) < 40


async def test_a_failed_record_marks_nothing_sent_and_holds_the_chat_until_the_lease_ends(
    rig: Rig, caplog: pytest.LogCaptureFixture
):
    first, second = await rig.enqueue(FIRST_CHAT, ["first", "second"])
    rig.recorder.fail = 1

    async with rig.running():
        await eventually(lambda: _true(rig.recorder.failed == 1), "the record to fail")
        await rig.sender.drain()
        await asyncio.sleep(0.2)  # time enough to send "second", were it allowed to go
        assert rig.texts(FIRST_CHAT) == ["first"]
        rows = await rig.rows()
        assert rows[first].status == "pending"
        assert rows[first].telegram_message_id is None
        assert rows[first].next_try_at == rig.clock.now() + timedelta(seconds=60)  # leased
        assert rows[second].status == "pending"
        assert "recording 1 sent outbox messages failed" in caplog.text

        rig.clock.advance(timedelta(seconds=61))  # the lease runs out: "first" goes again
        rig.sender.notify()
        await eventually(lambda: _all_sent(rig), "both messages to be recorded as sent")

    assert rig.texts(FIRST_CHAT) == ["first", "first", "second"]  # the one possible duplicate
    rows = await rig.rows()
    sent_ids = [record["message_id"] for record in rig.fake.sent(FIRST_CHAT)]
    assert [rows[first].telegram_message_id, rows[second].telegram_message_id] == sent_ids[1:]


async def test_every_waiter_of_a_batch_hears_that_its_commit_failed(rig: Rig):
    ids = [(await rig.enqueue(chat, [f"to {chat}"]))[0] for chat in range(7001, 7006)]
    async with rig.app.uow() as uow:
        assert len(await uow.outbox.claim_due(limit=10)) == 5
        await uow.commit()
    settler = rig.sender.settler
    rig.recorder.fail = 1

    outcomes = await asyncio.gather(
        *(settler.sent(i, 900 + i) for i in ids), return_exceptions=True
    )

    assert all(isinstance(outcome, CommitFailed) for outcome in outcomes), outcomes
    assert rig.recorder.failed == 1  # one transaction for the five
    rows = await rig.rows()
    assert {(rows[i].status, rows[i].telegram_message_id) for i in ids} == {("pending", None)}

    assert await asyncio.gather(*(settler.sent(i, 900 + i) for i in ids)) == [None] * 5
    assert rig.recorder.batches == [5]
    rows = await rig.rows()
    assert [(rows[i].status, rows[i].telegram_message_id) for i in ids] == [
        ("sent", 900 + i) for i in ids
    ]


async def test_a_lone_message_is_recorded_at_once_in_its_own_transaction(rig: Rig):
    (only,) = await rig.enqueue(FIRST_CHAT, ["hello"])
    await asyncio.wait_for(rig.sender.settler.sent(only, 42), 5)
    assert rig.recorder.batches == [1]
    assert (await rig.rows())[only].telegram_message_id == 42


async def test_stopping_leaves_nothing_sent_unrecorded(rig: Rig):
    chats = range(FIRST_CHAT, FIRST_CHAT + 30)
    for chat in chats:
        await rig.enqueue(chat, [f"bye {chat}", f"really {chat}"])
    rig.fake.delay_next("sendMessage", 0.1, times=len(chats))

    async with rig.running():
        await asyncio.sleep(0.05)  # stop while the first sends are still in flight

    # The run returned: everything Telegram accepted is recorded, and nothing is left to send.
    rows = await rig.rows()
    assert all(row.status == "sent" for row in rows.values())
    assert sum(len(rig.fake.sent(chat)) for chat in chats) == 60
    assert sum(rig.recorder.batches) == 60


async def _true(value: bool) -> bool:
    return value


async def test_a_message_committed_while_its_chat_is_busy_goes_when_the_chat_is_free(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
):
    """Queued behind the message in flight, the reply goes right after it, not at the next poll."""
    monkeypatch.setattr(sender_module, "IDLE_POLL", 120.0)  # only a wake-up can explain delivery
    rig.fake.delay_next("sendMessage", 0.5)  # Telegram is slow with the first message

    async def both_sent() -> bool:
        return rig.texts(FIRST_CHAT) == ["a question", "the reply to the answer"]

    async with rig.running():
        await asyncio.sleep(0.1)
        await rig.enqueue(FIRST_CHAT, ["a question"])
        await asyncio.sleep(0.2)  # in flight now: the reply cannot be claimed before it
        await rig.enqueue(FIRST_CHAT, ["the reply to the answer"])
        await eventually(both_sent, "the reply to follow the question", within=10)


async def test_a_row_no_message_kind_describes_fails_like_a_broken_row_and_the_rest_go_out(
    rig: Rig, caplog: pytest.LogCaptureFixture
):
    """Retried with backoff, then failed; never sent, never crashing the sender or leaking words."""
    (garbled,) = await rig.enqueue(FIRST_CHAT, ["to be garbled"])
    (fine,) = await rig.enqueue(FIRST_CHAT + 1, ["hello"])
    # A photo without its picture: the send of such a row has always raised, as any broken row.
    broken = {"kind": "photo", "html": "You said: my secret words"}
    sealed = rig.app.uow.cipher.encrypt_json(broken, PAYLOAD)
    await rig.set_row(garbled, payload_enc=sealed)

    async def tried() -> bool:
        rows = await rig.rows()
        return rows[fine].status == "sent" and rows[garbled].last_error is not None

    async with rig.running():
        await eventually(tried, "the good row sent and the garbled one tried")
    row = (await rig.rows())[garbled]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "unexpected error")
    assert row.next_try_at > rig.clock.now()  # backoff, as for any row that broke the send
    assert rig.texts(FIRST_CHAT) == []
    assert rig.texts(FIRST_CHAT + 1) == ["hello"]
    assert "failed unexpectedly" in caplog.text
    assert "secret" not in caplog.text

    await rig.set_row(garbled, attempts=sender_module.MAX_ATTEMPTS - 1, next_try_at=rig.clock.now())

    async def given_up() -> bool:
        return (await rig.rows())[garbled].status == "failed"

    async with rig.running():
        await eventually(given_up, "the garbled row to be given up")
    assert rig.texts(FIRST_CHAT) == []
