"""What the care layer puts in the outbox: transport-neutral message payloads.

A payload is plain JSON: {"kind": "text", "html": ..., "buttons": [{"label", "data", "value"}],
"numbered", "input", "image", "document"} or {"kind": "file", "filename", "content"}. Transports
(Telegram, the terminal) turn payloads into messages. Button data names the run and the question
so a stale or forged press is recognised; it stays far below Telegram's 64-byte limit.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

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


def say_payload(effect: Say) -> dict[str, Any]:
    """A message, with optional image or document."""
    payload: dict[str, Any] = {"kind": "text", "html": effect.html}
    if effect.image:
        payload["image"] = effect.image
    if effect.document:
        payload["document"] = effect.document
    return payload


def ask_payload(effect: Ask, run_id: int) -> dict[str, Any]:
    """A question, with its buttons carrying the run and question token."""
    buttons = [_button(view, run_id, effect.token) for view in effect.buttons]
    return {
        "kind": "text",
        "html": effect.html,
        "buttons": buttons,
        "input": effect.input,
        "numbered": effect.numbered,
    }


def _button(view: ButtonView, run_id: int, token: str) -> dict[str, Any]:
    """One button; `value` is the number typed for it (a score or a scale point), if any."""
    button: dict[str, Any] = {
        "label": view.label,
        "data": callback_data(run_id, token, view.option),
    }
    if view.value is not None:
        button["value"] = view.value
    return button


def text_payload(html: str) -> dict[str, Any]:
    """A plain message from the care layer itself (already HTML-safe)."""
    return {"kind": "text", "html": html}


def photo_payload(image: bytes, caption: str) -> dict[str, Any]:
    """A picture made for the patient, such as their progress chart."""
    return {
        "kind": "photo",
        "content_b64": base64.b64encode(image).decode("ascii"),
        "html": caption,
    }


def file_payload(filename: str, content: str, caption: str) -> dict[str, Any]:
    """A file the patient receives, such as their data export."""
    return {"kind": "file", "filename": filename, "content": content, "html": caption}
