"""A worker for the crash test: handle events from a JSON file through the real app, one by one.

Usage: python crash_worker.py DB_URL DATA_KEY EVENTS_JSON

Every event is sent, in order, including ones handled before a crash: the event keys make
repeats harmless. After each call returns (its unit of work committed), it prints `ack <key>`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from bot.app import App, build_app
from bot.care.effects import patient_target
from bot.care.messages import dump_payload
from bot.config import Settings
from scheduler.clock import FrozenClock

MESSENGER = "telegram"


async def open_question(app: App, patient_id: int) -> dict[str, Any]:
    async with app.uow() as uow:
        messages = await uow.outbox.pending_for_target(patient_target(patient_id))
    stored = [dump_payload(m.payload) for m in messages]
    return [p for p in stored if "input" in p][-1]


async def handle(app: App, event: dict[str, Any]) -> None:
    key, user = event["key"], event["user"]
    if event["kind"] == "start":
        await app.enrolment.start(MESSENGER, user, user, key=key)
        return
    async with app.uow() as uow:
        patient_id = await uow.identities.find_patient_id(MESSENGER, user)
    assert patient_id is not None
    if event["kind"] == "text":
        await app.conversations.text(patient_id, key, event["text"])
        return
    async with app.uow() as uow:  # a repeat needs no button: its key is already known
        if await uow.inbound.seen(key):
            return  # (not committed: this look-up changes nothing)
    question = await open_question(app, patient_id)
    data = next(b["data"] for b in question["buttons"] if b["label"] == event["label"])
    await app.conversations.press(patient_id, key, data)


async def main(url: str, data_key: str, events: list[dict[str, Any]]) -> None:
    settings = Settings(database={"url": url}, security={"data_key": data_key})
    app = await build_app(settings, clock=FrozenClock())
    try:
        for event in events:
            await handle(app, event)
            print("ack", event["key"], flush=True)
        print("done", flush=True)
    finally:
        await app.close()


if __name__ == "__main__":
    with open(sys.argv[3], encoding="utf-8") as events_file:
        loaded = json.load(events_file)
    asyncio.run(main(sys.argv[1], sys.argv[2], loaded))
