"""The patient's messages care puts in the outbox (the kinds are in bot/care/messages.py).

Transports (Telegram, the terminal) turn them into messages. Button data names the run and the
question so a stale or forged press is recognised; it stays far below Telegram's 64-byte limit.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from bot.care.messages import Button, FileMessage, PhotoMessage, TextMessage
from flows.runtime import Ask, ButtonView, Say

CALLBACK_PREFIX = "a"
_CALLBACK = re.compile(r"^a:(\d{1,12}):([0-9a-f]{1,12}):(\d{1,3})$")


@dataclass(frozen=True)
class ButtonData:
    """What a button press says: which run, which question, which option."""

    run_id: int
    token: str
    option: int


def callback_data(run_id: int, token: str, option: int) -> str:
    """Encode a button press as compact callback data (well under 64 bytes)."""
    return f"{CALLBACK_PREFIX}:{run_id}:{token}:{option}"


def parse_callback(data: str) -> ButtonData | None:
    """Decode callback data; None for anything we did not make (it comes from the client)."""
    match = _CALLBACK.match(data)
    if match is None:
        return None
    return ButtonData(int(match.group(1)), match.group(2), int(match.group(3)))


def say_payload(effect: Say) -> TextMessage:
    """A message, with optional image or document."""
    message = TextMessage(html=effect.html)
    # An absent picture is left out of the stored row, as it always was, not stored as null.
    if effect.image:
        message = message.model_copy(update={"image": effect.image})
    if effect.document:
        message = message.model_copy(update={"document": effect.document})
    return message


def ask_payload(effect: Ask, run_id: int) -> TextMessage:
    """A question, with its buttons carrying the run and question token."""
    return TextMessage(
        html=effect.html,
        buttons=tuple(_button(view, run_id, effect.token) for view in effect.buttons),
        input=effect.input,
        numbered=effect.numbered,
    )


def _button(view: ButtonView, run_id: int, token: str) -> Button:
    """One button; `value` is the number typed for it (a score or a scale point), if any."""
    data = callback_data(run_id, token, view.option)
    if view.value is None:
        return Button(label=view.label, data=data)
    return Button(label=view.label, data=data, value=view.value)


def text_payload(html: str) -> TextMessage:
    """A plain message from the care layer itself (already HTML-safe)."""
    return TextMessage(html=html)


def photo_payload(image: bytes, caption: str) -> PhotoMessage:
    """A picture made for the patient, such as their progress chart."""
    return PhotoMessage(content_b64=base64.b64encode(image).decode("ascii"), html=caption)


def file_payload(filename: str, content: str, caption: str) -> FileMessage:
    """A file the patient receives, such as their data export."""
    return FileMessage(filename=filename, content=content, html=caption)


def chat_payload(message: TextMessage, messenger: str, chat_id: str) -> TextMessage:
    """A message for a bare chat (a group, or a patient already forgotten): where it goes."""
    return message.model_copy(update={"messenger": messenger, "chat_id": chat_id})
