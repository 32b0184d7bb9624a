"""Outbox messages as Telegram messages: long texts split, keyboards laid out, files attached."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, assert_never

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

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

MAX_TEXT = 4096
MAX_CAPTION = 1024
SHORT_LABEL = 4  # labels this short (scale numbers) share a row
ROW_OF_SHORT = 6


@dataclass(frozen=True)
class Part:
    """One Telegram call's worth of a payload."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    image: str | None = None
    document: str | None = None
    file: tuple[str, bytes] | None = None  # (filename, content) for generated files
    photo: bytes | None = None  # a generated picture (the progress chart)


@dataclass(frozen=True)
class Rendered:
    """A payload as the calls that deliver it, in order."""

    parts: list[Part] = field(default_factory=list)

    @property
    def long(self) -> bool:
        """Long enough that a typing indicator first is kind."""
        return sum(len(part.text) for part in self.parts) > 600


def render(payload: OutboxPayload | UnreadablePayload) -> Rendered:
    """Turn an outbox message into the parts to send (staff kinds as their text, if any)."""
    match payload:
        case PhotoMessage():
            image = base64.b64decode(payload.content_b64)
            return Rendered([Part(payload.html[:MAX_CAPTION], photo=image)])
        case FileMessage():
            content = payload.content.encode("utf-8")
            return Rendered([Part(payload.html[:MAX_CAPTION], file=(payload.filename, content))])
        case TextMessage():
            return _text(payload.html, payload.buttons, _media_part(payload))
        case StaffTextMessage():
            return _text(payload.html, payload.buttons)
        case StaffPhotoMessage() | HelperReplyMessage():
            return _text(payload.html)
        case (
            AlertMessage()
            | HandoverMessage()
            | RelayMessage()
            | RelayCopyMessage()
            | HelperCopyMessage()
        ):
            return _text("")  # kinds with no text of their own (the sender words alerts)
        case UnreadablePayload():
            raise UnreadablePayloadError(payload.problem)
        case _:
            assert_never(payload)


def _text(html: str, buttons: Sequence[Button] = (), media: Part | None = None) -> Rendered:
    chunks = split_text(html) or [""]
    parts = [Part(chunk) for chunk in chunks]
    # The keyboard belongs under the last chunk: that is the question.
    parts[-1] = Part(parts[-1].text, keyboard=keyboard_of(buttons))
    return Rendered([media, *parts] if media else parts)


def _media_part(message: TextMessage) -> Part | None:
    if message.image:
        return Part("", image=message.image)
    if message.document:
        return Part("", document=message.document)
    return None


def keyboard_of(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """The keyboard for a message's buttons."""
    return keyboard_for([{"label": b.label, "data": b.data} for b in buttons])


def keyboard_for(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """One button per row, except very short labels (numbers on a scale) side by side."""
    if not buttons:
        return None
    views = [
        InlineKeyboardButton(text=str(b["label"])[:64] or "·", callback_data=str(b["data"]))
        for b in buttons
    ]
    if all(len(view.text) <= SHORT_LABEL for view in views):
        rows = [views[i : i + ROW_OF_SHORT] for i in range(0, len(views), ROW_OF_SHORT)]
    else:
        rows = [[view] for view in views]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph breaks (then lines, then spaces) so each piece fits one message."""
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    current = ""
    for paragraph in _units(text, limit):
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = paragraph
    if current:
        pieces.append(current)
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Paragraphs, with any paragraph longer than `limit` cut at lines or spaces."""
    units: list[str] = []
    for paragraph in text.split("\n\n"):
        while len(paragraph) > limit:
            cut = _cut_point(paragraph, limit)
            units.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        if paragraph:
            units.append(paragraph)
    return units


def _cut_point(text: str, limit: int) -> int:
    for separator in ("\n", " "):
        position = text.rfind(separator, 0, limit)
        if position > limit // 2:
            return position
    return limit
