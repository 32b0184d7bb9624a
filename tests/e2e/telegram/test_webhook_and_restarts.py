"""Webhook mode, SIGTERM during a burst, and `kill -9` in the middle of a burst.

Delivery guarantees (also in README.md): a message leaves the outbox only after Telegram accepted
it, so nothing committed is lost across a crash; the one message in flight at a `kill -9`
(accepted by Telegram, not yet marked sent) may be sent a second time after the restart, and that
is the only duplicate possible. A redelivered update is handled once (dedupe by update id).
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Awaitable, Callable

import aiohttp

from tests.e2e.telegram.conftest import BotProcess, Patient, eventually
from tests.e2e.telegram.test_errors import INTRO, intro_in_order
from tests.fakebot import FakeBotApi

SECRET = "s3cret-token_for-the-webhook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_takes_updates_with_the_secret_only(
    fake: FakeBotApi, daybreak: Callable[..., Awaitable[BotProcess]]
):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    process = await daybreak(
        "--webhook",
        DAYBREAK_TELEGRAM__WEBHOOK_URL=url,
        DAYBREAK_TELEGRAM__WEBHOOK_SECRET=SECRET,
        DAYBREAK_TELEGRAM__WEBHOOK_LISTEN="127.0.0.1",
        DAYBREAK_TELEGRAM__WEBHOOK_PORT=str(port),
    )
    assert fake.updates.webhook is not None
    assert fake.updates.webhook.secret_token == SECRET
    assert fake.calls("getUpdates") == []

    ann = Patient(fake, 8001)
    await ann.send("/start")  # the fake POSTs it with the secret header
    await ann.expect("Would you like to start Daybreak?")
    await ann.press("I agree")
    await ann.expect("Are you 18 or older?")
    assert all(d.status == 200 for d in fake.updates.deliveries)

    forged = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/start",
              "chat": {"id": 8002, "type": "private"}, "from": {"id": 8002, "is_bot": False,
              "first_name": "Mallory"}}}  # fmt: skip
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status in (401, 403)
    await Patient(fake, 8099).settle(0.5)
    assert fake.sent(8002) == []  # nobody was enrolled from a forged request
    assert await process.stop() == 0, process.output()
    assert fake.violations == []


async def test_sigterm_during_a_burst_exits_cleanly_and_loses_nothing(
    fake: FakeBotApi, daybreak: Callable[..., Awaitable[BotProcess]]
):
    fake.limits.private_per_second, fake.limits.private_burst = 1.0, 3  # Telegram's own
    first = await daybreak()
    patients = [Patient(fake, 8100 + n) for n in range(3)]
    for patient in patients:
        await patient.send("/start")
    await eventually(lambda: all(p.texts() for p in patients), what="the burst to begin")
    assert await first.stop(within=12) == 0, first.output()  # mid-burst: flushed or queued

    await daybreak()  # after a restart the rest of the burst arrives, once
    for patient in patients:
        await patient.expect(INTRO[-1], within=30)
        assert intro_in_order(patient) == INTRO
    assert fake.rate_limited == []
    assert fake.violations == []


async def test_kill_9_in_the_middle_of_a_burst_then_a_restart(
    fake: FakeBotApi, daybreak: Callable[..., Awaitable[BotProcess]]
):
    """Nothing committed is lost; at most the message in flight at the kill is sent twice.

    Five patients start at once (eight messages each at one a second), the bot is killed with
    SIGKILL half-way, and restarted on the same database. Every patient then has the whole intro
    in order; a message appears twice only back to back, at most once per chat (one send per
    chat is in flight at a time), and only if it was not yet marked sent when the bot died.
    """
    fake.limits.private_per_second, fake.limits.private_burst = 1.0, 3
    first = await daybreak()
    patients = [Patient(fake, 8200 + n) for n in range(5)]
    for patient in patients:
        await patient.send("/start")
    await eventually(lambda: sum(len(p.texts()) for p in patients) >= 18, what="the burst")
    await first.kill()
    marked_sent = first.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0]
    delivered = sum(len(p.texts()) for p in patients)
    assert delivered - marked_sent <= len(patients)  # accepted but unmarked: in flight

    await daybreak()
    for patient in patients:
        await patient.expect(INTRO[-1], within=40)
    duplicates = 0
    for patient in patients:
        texts = patient.texts()
        counts = Counter(texts)
        twice = [text for text, n in counts.items() if n > 1]
        assert len(twice) <= 1, texts
        assert all(counts[text] == 2 for text in twice), texts
        for text in twice:
            first_at = texts.index(text)
            assert texts[first_at + 1] == text  # the re-send comes straight after the first
        duplicates += len(twice)
        seen = intro_in_order(patient)
        assert [t for i, t in enumerate(seen) if i == 0 or t != seen[i - 1]] == INTRO
    assert duplicates <= delivered - marked_sent
    assert fake.violations == []
