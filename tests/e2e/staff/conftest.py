"""The staff channel end to end, in process: the real Dispatcher and Sender against the fake.

In process rather than a `daybreak run` subprocess: the same routers, sender and limits, but each
update is fed straight to the dispatcher, so a test runs in seconds and can move an alert's clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.app import App, build_app
from bot.config import Settings
from bot.telegram.limits import Limits
from bot.telegram.sender import Sender
from bot.wiring.telegram import build_telegram
from storage.crypto import generate_key
from tests.fakebot import FakeBotApi

STAFF_CHAT = -1001234567890
HELPER = 501  # an administrator of the staff chat
MEMBER = 502  # a member, not an administrator
OUTSIDER = 503  # not in the staff chat at all
PATIENT = 1001


async def eventually(check: Callable[[], Any], within: float = 15.0, what: str = "it") -> Any:
    """Poll until `check()` is truthy."""
    deadline = time.monotonic() + within
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
    return value


@dataclass
class Rig:
    """The fake, the app, and a way to feed what people do to the real dispatcher."""

    fake: FakeBotApi
    app: App
    bot: Bot
    dispatcher: Dispatcher
    sender: Sender

    async def feed(self, update: dict[str, Any]) -> None:
        """Handle one update as `daybreak run` would."""
        await self.dispatcher.feed_raw_update(self.bot, update)

    async def patient_says(self, text: str) -> dict[str, Any]:
        update = await self.fake.user_sends(PATIENT, text)
        await self.feed(update)
        return update

    async def staff_says(self, user: int, text: str, thread: int | None) -> dict[str, Any]:
        update = await self.fake.user_sends(
            user, text, chat_id=STAFF_CHAT, message_thread_id=thread
        )
        await self.feed(update)
        return update

    def topic_texts(self, thread: int) -> list[str]:
        """What the bot posted in a topic (text or caption), oldest first."""
        sent = self.fake.sent(STAFF_CHAT, message_thread_id=thread)
        return [str(r["text"] or r["caption"] or "") for r in sent]

    def patient_texts(self) -> list[str]:
        return [str(r["text"] or r["caption"] or "") for r in self.fake.sent(PATIENT)]

    async def topic_of_patient(self) -> int:
        async with self.app.uow() as uow:
            pid = await uow.identities.find_patient_id("telegram", PATIENT)
            assert pid is not None
            topic = await uow.support_topics.get_for_patient(pid, str(STAFF_CHAT))
            return topic.thread_id if topic else 0

    async def pid(self) -> int:
        async with self.app.uow() as uow:
            found = await uow.identities.find_patient_id("telegram", PATIENT)
            assert found is not None
            return found

    async def settled(self) -> None:
        """Wait until the outbox has nothing left to send."""

        async def empty() -> bool:
            async with self.app.uow() as uow:
                return await uow.outbox.count("pending") == 0

        deadline = time.monotonic() + 30
        while not await empty():
            assert time.monotonic() < deadline, "the outbox did not drain"
            await asyncio.sleep(0.05)
        await self.sender.drain()


async def enrol_guided(app: App, *, module: int = 2) -> int:
    """A guided patient at week `module`, with PHQ-9 scores, who talks to the bot on Telegram."""
    async with app.uow() as uow:
        patient = await uow.patients.create(language="en", timezone="UTC", preferred_time="09:00")
        await uow.identities.add(patient.id, "telegram", PATIENT, PATIENT)
        await uow.patients.update(patient, care_mode="guided")
        enrolment = await uow.enrolments.create(patient.id, "daybreak")
        await uow.enrolments.update(enrolment, current_module=module)
        for total, band in ((14, "moderate"), (21, "severe")):
            await uow.questionnaires.add(
                patient.id, instrument="phq9", timepoint="week", item_scores=[1] * 9,
                total=total, band=band, run_id=None,
            )  # fmt: skip
        await uow.commit()
        return patient.id


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """A forum staff chat with a helper (admin), a member and a patient; the bot running."""
    async with FakeBotApi() as fake:
        fake.add_group(STAFF_CHAT, "Daybreak helpers")
        fake.set_member(STAFF_CHAT, HELPER, "administrator", first_name="Hana")
        fake.set_member(STAFF_CHAT, MEMBER, "member", first_name="Milo")
        fake.add_user(PATIENT, "Ann Realname", username="ann_private")
        fake.add_user(OUTSIDER, "Olga")
        settings = Settings(
            telegram={
                "token": fake.token, "api_base_url": fake.base_url,
                "staff_chat_id": STAFF_CHAT, "on_call": ["@oncall_helper"],
            },
            database={"url": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"},
            security={"data_key": generate_key()},
        )  # fmt: skip
        app = await build_app(settings)
        limits = Limits(global_rate=30, private_rate=1.0, group_per_minute=20)
        telegram = build_telegram(app, limits=limits)  # as `daybreak run` builds it
        bot, sender, dispatcher = telegram.bot, telegram.sender, telegram.dispatcher
        stop = asyncio.Event()
        sending = asyncio.create_task(sender.run(stop))
        try:
            yield Rig(fake, app, bot, dispatcher, sender)
        finally:
            stop.set()
            await asyncio.wait_for(sending, 15)
            await bot.session.close()
            await app.close()
