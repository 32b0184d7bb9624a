"""A patient driving the real app the way a messenger would: taps, typed answers, commands.

What the patient sees is read back from the outbox, exactly what a transport would deliver.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from bot.app import App
from storage.repositories import OutgoingMessage

SEVERE_PHQ9 = 20
PHQ_LABELS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
_keys = itertools.count(1)


class Patient:
    """One person chatting with the bot; every method returns the messages it caused."""

    def __init__(self, app: App, external_id: int = 987654321012, messenger: str = "telegram"):
        self.app = app
        self.external_id = external_id
        self.messenger = messenger
        self.id: int | None = None
        self._read_up_to = 0

    def key(self) -> str:
        """A fresh event key, as the Telegram adapter derives it from the update id alone."""
        return f"tg:{next(_keys)}"

    async def start(self, key: str | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        """Send /start."""
        self.id = await self.app.enrolment.start(
            self.messenger, self.external_id, self.external_id, key=key or self.key(), **kwargs
        )
        return await self.new()

    async def type(self, text: str, key: str | None = None) -> list[dict[str, Any]]:
        """Type a message."""
        await self.app.conversations.text(self.pid, key or self.key(), text)
        return await self.new()

    async def press(self, data: str, key: str | None = None) -> list[dict[str, Any]]:
        """Send raw callback data (as a client could, forged or not)."""
        await self.app.conversations.press(self.pid, key or self.key(), data)
        return await self.new()

    async def tap(self, label: str, key: str | None = None) -> list[dict[str, Any]]:
        """Tap the button labelled `label` on the open question."""
        return await self.press(await button_data(self, label), key)

    async def command(self, name: str, key: str | None = None) -> list[dict[str, Any]]:
        """Send /name."""
        await self.app.commands.run(self.pid, name, key or self.key())
        return await self.new()

    @property
    def pid(self) -> int:
        """The patient's id (after /start)."""
        assert self.id is not None, "send /start first"
        return self.id

    async def messages(self) -> list[OutgoingMessage]:
        """Every message queued for this patient, in order."""
        async with self.app.uow() as uow:
            return await uow.outbox.list_for_patient(self.pid)

    async def seen(self) -> list[dict[str, Any]]:
        """Every payload this patient has been sent so far."""
        return [message.payload for message in await self.messages()]

    async def new(self) -> list[dict[str, Any]]:
        """Payloads queued since the last look."""
        if self.id is None:
            return []
        fresh = [m for m in await self.messages() if m.id > self._read_up_to]
        if fresh:
            self._read_up_to = fresh[-1].id
        return [m.payload for m in fresh]

    async def question(self) -> dict[str, Any]:
        """The most recent question (a payload that waits for an answer)."""
        questions = [p for p in await self.seen() if "input" in p]
        assert questions, "no question was asked"
        return questions[-1]


async def button_data(patient: Patient, label: str) -> str:
    """Callback data of the button labelled `label` on the patient's open question."""
    question = await patient.question()
    labels = [b["label"] for b in question.get("buttons", [])]
    assert label in labels, f"no button {label!r} on {question['html']!r}; there are {labels}"
    return str(question["buttons"][labels.index(label)]["data"])


def texts(payloads: Sequence[dict[str, Any]]) -> str:
    """All the text of some payloads, one message a line."""
    return "\n".join(str(p.get("html", "")) for p in payloads)


async def answer_questionnaire(patient: Patient, scores: Sequence[int]) -> list[dict[str, Any]]:
    """Tap one answer per item (0-3), as a patient would."""
    shown: list[dict[str, Any]] = []
    for score in scores:
        shown += await patient.tap(PHQ_LABELS[score])
    return shown


async def onboard(
    patient: Patient,
    *,
    name: str = "Sam",
    language: str = "English",
    phq9: Sequence[int] = (1, 1, 1, 0, 0, 0, 0, 0, 0),
    gad7: Sequence[int] = (1, 1, 0, 0, 0, 0, 0),
) -> list[dict[str, Any]]:
    """The whole onboarding: consent, 18+, name, language, PHQ-9 (safety check), GAD-7."""
    shown = await patient.start()
    shown += await patient.tap("I agree")
    shown += await patient.tap("Yes")
    shown += await patient.type(name)
    shown += await patient.tap(language)
    shown += await answer_questionnaire(patient, phq9)
    if phq9[8] > 0 or sum(phq9) >= SEVERE_PHQ9:  # both start the safety pathway
        shown += await through_safety_check(patient)
    shown += await answer_questionnaire(patient, gad7)
    return shown


async def through_safety_check(patient: Patient) -> list[dict[str, Any]]:
    """The safety pathway that item 9 starts: safe right now, and the plan another time."""
    shown = await patient.tap("I'm safe right now")
    return shown + await patient.tap("Maybe later")
