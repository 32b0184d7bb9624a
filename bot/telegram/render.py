"""Outbox payloads as Telegram messages: long texts split, keyboards laid out, files attached."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

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


def render(payload: dict[str, Any]) -> Rendered:
    """Turn an outbox payload into the parts to send."""
    html = str(payload.get("html", ""))
    if payload.get("kind") == "photo":
        image = base64.b64decode(str(payload["content_b64"]))
        return Rendered([Part(html[:MAX_CAPTION], photo=image)])
    if payload.get("kind") == "file":
        content = str(payload["content"]).encode("utf-8")
        return Rendered([Part(html[:MAX_CAPTION], file=(str(payload["filename"]), content))])
    chunks = split_text(html) or [""]
    keyboard = keyboard_for(payload.get("buttons") or [])
    parts = [Part(chunk) for chunk in chunks]
    # The keyboard belongs under the last chunk: that is the question.
    parts[-1] = Part(parts[-1].text, keyboard=keyboard)
    media = _media_part(payload)
    return Rendered([media, *parts] if media else parts)


def _media_part(payload: dict[str, Any]) -> Part | None:
    if payload.get("image"):
        return Part("", image=str(payload["image"]))
    if payload.get("document"):
        return Part("", document=str(payload["document"]))
    return None


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
