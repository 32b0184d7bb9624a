"""`daybreak chat`: the programme in a terminal, through the same care services as Telegram.

Typed lines become the same events a Telegram update would; the patient's outbox is printed
instead of sent. Buttons show as numbered choices where a typed number can only mean a position;
scales and questionnaires show the numbers that stand for their answers instead ("0 Not at all"),
so typing 1 means what it means on paper. Everything persists, so quitting in the middle and
starting again carries on where the conversation was.
"""

from __future__ import annotations

import asyncio
import base64
import html
import os
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO, assert_never

from bot.app import App
from bot.care.effects import patient_target
from bot.care.messages import (
    AlertMessage,
    Button,
    FileMessage,
    HandoverMessage,
    HelperCopyMessage,
    HelperReplyMessage,
    OutboxPayload,
    PhotoMessage,
    RelayCopyMessage,
    RelayMessage,
    StaffPhotoMessage,
    StaffTextMessage,
    TextMessage,
    UnreadablePayload,
    UnreadablePayloadError,
)

MESSENGER = "console"
DELIVERY_POLL_SECONDS = 2.0
_TAG = re.compile(r"<[^>]+>")

ReadLine = Callable[[str], Awaitable[str | None]]


def plain(markup: str) -> str:
    """Telegram-style HTML as terminal text."""
    return html.unescape(_TAG.sub("", markup))


async def read_stdin(prompt: str) -> str | None:
    """Read a line from the terminal without blocking the event loop; None at end of input."""
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


class ConsoleChat:
    """One person chatting with the programme in a terminal."""

    def __init__(
        self, app: App, *, user: str, out: TextIO, read: ReadLine = read_stdin, files: Path
    ) -> None:
        self.app = app
        self.user = user
        self.out = out
        self.read = read
        self.files = files
        self.buttons: tuple[Button, ...] = ()
        self.numbered = False  # the open question's buttons are numbered: a typed number presses
        self.patient_id: int | None = None
        self._delivering = asyncio.Lock()  # the background printer and replies never overlap

    async def run(self, flow: str | None = None) -> None:
        """Start (or resume) and chat until /quit or the end of input."""
        self.out.write("Daybreak — type your answers (or a choice's number); /quit to leave.\n\n")
        self.patient_id = await self.app.enrolment.start(MESSENGER, self.user, self.user)
        if flow is not None and self.patient_id is not None:
            await self.app.commands.start(self.patient_id, flow)
        await self.deliver()
        self.app.scheduler.start()  # timeouts and (in a pilot) releases arrive while you chat
        printing = asyncio.create_task(self._deliver_meanwhile())
        try:
            while (line := await self.read("> ")) is not None:
                if line.strip() in ("/quit", "/exit"):
                    break
                await self.handle(line.strip())
                await self.deliver()
        finally:
            printing.cancel()
        self.out.write("Bye for now. Type `daybreak chat` to carry on later.\n")

    async def _deliver_meanwhile(self) -> None:
        """Show what the scheduler sends (a reminder, the next module) while waiting for input."""
        while True:
            await asyncio.sleep(DELIVERY_POLL_SECONDS)
            await self.deliver()

    async def handle(self, line: str) -> None:
        """Turn one typed line into a command, a button press or an answer."""
        key = f"console:{uuid.uuid4().hex}"
        if self.patient_id is None or line == "/start":
            self.patient_id = await self.app.enrolment.start(
                MESSENGER, self.user, self.user, key=key
            )
        elif line.startswith("/"):
            await self._command(line[1:].split()[0] if len(line) > 1 else "", key)
        elif self.numbered and line.isdigit() and 1 <= int(line) <= len(self.buttons):
            await self.app.conversations.press(
                self.patient_id, key, self.buttons[int(line) - 1].data
            )
        elif line:
            await self.app.conversations.text(self.patient_id, key, line)

    async def _command(self, name: str, key: str) -> None:
        assert self.patient_id is not None
        if not await self.app.commands.run(self.patient_id, name, key):
            self.out.write(
                "(Commands: /menu /help /settings /pause /resume /stop /mydata /forget /quit)\n"
            )

    async def deliver(self) -> None:
        """Print every message waiting for this person, in order, and mark it sent."""
        if self.patient_id is None:
            return
        async with self._delivering, self.app.uow() as uow:
            pending = [
                *await uow.outbox.pending_for_target(patient_target(self.patient_id)),
                *await uow.outbox.pending_for_target(f"chat:{MESSENGER}"),
            ]
            for message in pending:
                self._show(message.payload)
                await uow.outbox.mark_sent(message.id)
            await uow.commit()

    def _show(self, payload: OutboxPayload | UnreadablePayload) -> None:
        match payload:
            case PhotoMessage() | FileMessage():
                path = self._save(*_attachment(payload))
                self.out.write(f"{plain(payload.html)}\n  (saved to {path})\n\n")
            case TextMessage():
                self._show_text(payload)
            case HelperReplyMessage() | StaffTextMessage() | StaffPhotoMessage():
                self._show_text(TextMessage(html=payload.html))
            case (
                AlertMessage()
                | HandoverMessage()
                | RelayMessage()
                | RelayCopyMessage()
                | HelperCopyMessage()
            ):
                self._show_text(TextMessage())  # nothing to read in the terminal
            case UnreadablePayload():
                raise UnreadablePayloadError(payload.problem)
            case _:
                assert_never(payload)

    def _show_text(self, message: TextMessage) -> None:
        text = plain(message.html)
        for media, name in (("image", message.image), ("document", message.document)):
            if name:
                text += f"\n  [{media}: {name}]"
        self.out.write(text + "\n")
        if message.asks:  # a question: its buttons (or none) are the choices now
            self.buttons, self.numbered = message.buttons, message.numbered
        for number, button in enumerate(message.buttons, start=1):
            shown = choice_line(button, number if message.numbered else None)
            self.out.write(f"  {shown}\n")
        self.out.write("\n")
        self.out.flush()

    def _save(self, filename: str, content: bytes) -> Path:
        """Write a file the patient receives, readable only by them."""
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / filename
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        return path


def choice_line(button: Button, number: int | None) -> str:
    """One button as a line: numbered ("1. I'm safe"), else with the number it stands for."""
    label = plain(button.label)
    if number is not None:
        return f"{number}. {label}"
    value = button.value
    if value is None or label.split(" ", 1)[0] == str(value):
        return label  # a scale's buttons already start with their number ("0 Very low")
    return f"{value} {label}"


def _attachment(payload: PhotoMessage | FileMessage) -> tuple[str, bytes]:
    """The file name and bytes of a file or picture sent to the patient."""
    match payload:
        case PhotoMessage():
            return "daybreak-progress.png", base64.b64decode(payload.content_b64)
        case FileMessage():
            return payload.filename, payload.content.encode("utf-8")
        case _:
            assert_never(payload)
