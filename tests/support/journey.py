"""A patient driving the real app the way a messenger would: taps, typed answers, commands.

What the patient sees is read back from the outbox, exactly what a transport would deliver.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from bot.app import App
from bot.care.messages import dump_payload
from storage.repositories import OutgoingMessage

SEVERE_PHQ9 = 20
PHQ_LABELS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
# PHQ-9 item 10, unscored, asked when an earlier answer is above "Not at all".
DIFFICULTY_LABELS = (
    "Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult",
)  # fmt: skip
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
        return [dump_payload(message.payload) for message in await self.messages()]

    async def new(self) -> list[dict[str, Any]]:
        """Payloads queued since the last look."""
        if self.id is None:
            return []
        fresh = [m for m in await self.messages() if m.id > self._read_up_to]
        if fresh:
            self._read_up_to = fresh[-1].id
        return [dump_payload(m.payload) for m in fresh]

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


async def answer_questionnaire(
    patient: Patient, scores: Sequence[int], difficulty: int = 1
) -> list[dict[str, Any]]:
    """Tap one answer per item (0-3), then the PHQ-9's difficulty question if it is asked."""
    shown: list[dict[str, Any]] = []
    for score in scores:
        shown += await patient.tap(PHQ_LABELS[score])
    if await offers(patient, DIFFICULTY_LABELS[difficulty]):
        shown += await patient.tap(DIFFICULTY_LABELS[difficulty])
    return shown


async def onboard(
    patient: Patient,
    *,
    name: str = "Sam",
    language: str = "English",
    country: str = "United Kingdom",
    zone: str = "Yes, that's right",
    phq9: Sequence[int] = (1, 1, 1, 0, 0, 0, 0, 0, 0),
    gad7: Sequence[int] = (1, 1, 0, 0, 0, 0, 0),
) -> list[dict[str, Any]]:
    """The whole onboarding: consent, 18+, name, language, country and zone, PHQ-9, GAD-7."""
    shown = await onboard_to_phq9(patient, name=name, language=language, country=country, zone=zone)
    shown += await answer_questionnaire(patient, phq9)
    if phq9[8] > 0 or sum(phq9) >= SEVERE_PHQ9:  # both start the safety pathway
        shown += await through_safety_check(patient)
    shown += await answer_questionnaire(patient, gad7)
    return shown


async def onboard_to_phq9(
    patient: Patient,
    *,
    name: str = "Sam",
    language: str = "English",
    country: str = "United Kingdom",
    zone: str = "Yes, that's right",
) -> list[dict[str, Any]]:
    """Onboarding up to the first PHQ-9 item: consent, 18+, name, language, country, zone.

    `country` and `zone` are the labels tapped (in the chosen language): the country, then the
    time-zone button that follows it (the confirmation, a zone, or "I'm not sure"). A programme
    whose onboarding has no country question goes straight on.
    """
    shown = await patient.start()
    shown += await patient.tap("I agree")
    shown += await patient.tap("Yes")
    shown += await patient.type(name)
    shown += await patient.tap(language)
    if not await offers(patient, country):
        return shown  # a programme that does not ask where the patient lives (test fixtures)
    shown += await patient.tap(country)
    return shown + await patient.tap(zone)


async def offers(patient: Patient, label: str) -> bool:
    """True when the open question has a button labelled `label`."""
    question = await patient.question()
    return label in [b["label"] for b in question.get("buttons", [])]


async def through_safety_check(patient: Patient) -> list[dict[str, Any]]:
    """The safety pathway that item 9 starts: safe right now, and the plan another time."""
    shown = await patient.tap("I'm safe right now")
    return shown + await patient.tap("Maybe later")
