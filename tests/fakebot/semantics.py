"""Rules the spec states in prose: lengths after entity parsing, callback_data, parse modes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.fakebot.entities import EntityError, parse_html

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
PARSE_MODES = {"html": "HTML", "markdownv2": "MarkdownV2", "markdown": "Markdown"}
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BUTTON_KINDS = ("text", "icon_custom_emoji_id", "style")


class BadRequest(ValueError):
    """A request the Bot API refuses with 400; the message follows "Bad Request: "."""


def formatted_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """What the user sees: the text after parse_mode, and its entities."""
    if parse_mode is None or parse_mode == "":
        return text, []
    mode = PARSE_MODES.get(parse_mode.lower())
    if mode is None:
        raise BadRequest(f"unsupported parse_mode {parse_mode!r}")
    if mode != "HTML":
        return text, []  # Markdown is not parsed: its length is counted as sent
    try:
        return parse_html(text)
    except EntityError as error:
        raise BadRequest(f"can't parse entities: {error}") from None


def _check_text(params: dict[str, Any], key: str, limit: int, *, required: bool) -> None:
    if key not in params:
        return
    plain, _ = formatted_text(str(params[key]), params.get("parse_mode"))
    if required and not plain.strip():
        raise BadRequest("message text is empty")
    if len(plain) > limit:
        what = "message text" if key == "text" else "message caption"
        raise BadRequest(
            f"{what} is too long ({len(plain)} characters after entity parsing, limit {limit})"
        )


def _check_markup(markup: Any) -> None:
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    for row in markup["inline_keyboard"]:
        for button in row:
            _check_button(button)


def _check_button(button: dict[str, Any]) -> None:
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
        raise BadRequest(
            f"BUTTON_DATA_INVALID: callback_data is {len(str(data).encode())} bytes, must be 1-64"
        )
    kinds = [k for k in button if k not in _BUTTON_KINDS]
    if len(kinds) != 1:
        label = button.get("text", "")
        raise BadRequest(
            f"can't parse inline keyboard button {label!r}: exactly one of url, callback_data, ... "
            f"must be set, got {kinds or 'none'}"
        )


def _check_messaging(params: dict[str, Any]) -> None:
    _check_text(params, "text", TEXT_LIMIT, required=True)
    _check_text(params, "caption", CAPTION_LIMIT, required=False)
    _check_markup(params.get("reply_markup"))


def _check_caption_only(params: dict[str, Any]) -> None:
    _check_text(params, "caption", CAPTION_LIMIT, required=False)
    _check_markup(params.get("reply_markup"))


def _check_callback_answer(params: dict[str, Any]) -> None:
    text = params.get("text") or ""
    if len(text) > CALLBACK_ANSWER_LIMIT:
        raise BadRequest(
            f"MESSAGE_TOO_LONG: callback answer text is {len(text)} characters, limit 200"
        )


def _check_action(params: dict[str, Any]) -> None:
    if params.get("action") not in CHAT_ACTIONS:
        raise BadRequest(f"wrong parameter action in request: {params.get('action')!r}")


def _check_commands(params: dict[str, Any]) -> None:
    for command in params.get("commands", []):
        if not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise BadRequest(f"BOT_COMMAND_INVALID: {command.get('command')!r}")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise BadRequest(
                f"command description must be 1-256 characters: {command.get('command')!r}"
            )


def _check_topic_name(params: dict[str, Any]) -> None:
    name = params.get("name")
    if name is not None and not 1 <= len(name) <= 128:
        raise BadRequest(f"topic name must be 1-128 characters, got {len(name)}")


def _check_webhook(params: dict[str, Any]) -> None:
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise BadRequest(
            "secret token contains unallowed characters or is not 1-256 characters long"
        )


RULES: dict[str, Callable[[dict[str, Any]], None]] = {
    "sendMessage": _check_messaging,
    "editMessageText": _check_messaging,
    "sendPhoto": _check_caption_only,
    "sendDocument": _check_caption_only,
    "sendVideo": _check_caption_only,
    "sendAudio": _check_caption_only,
    "sendVoice": _check_caption_only,
    "sendAnimation": _check_caption_only,
    "copyMessage": _check_caption_only,
    "editMessageCaption": _check_caption_only,
    "editMessageReplyMarkup": _check_caption_only,
    "sendSticker": _check_caption_only,
    "sendLocation": _check_caption_only,
    "sendContact": _check_caption_only,
    "answerCallbackQuery": _check_callback_answer,
    "sendChatAction": _check_action,
    "setMyCommands": _check_commands,
    "createForumTopic": _check_topic_name,
    "editForumTopic": _check_topic_name,
    "setWebhook": _check_webhook,
}


def check_semantics(method: str, params: dict[str, Any]) -> None:
    """Raise BadRequest if `params` (already type-checked) break a rule of `method`."""
    rule = RULES.get(method)
    if rule is not None:
        rule(params)
