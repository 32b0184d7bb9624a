"""Edits and button answers: editMessageText, editMessageReplyMarkup, answerCallbackQuery."""

from __future__ import annotations

from typing import Any

from tests.fakebot.core import Core, handles
from tests.fakebot.methods_send import text_content
from tests.fakebot.state import bad_request

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


def editable(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """The bot's own message that an edit addresses."""
    if params.get("inline_message_id") is not None:
        raise bad_request("inline messages are not simulated by the fake")
    if params.get("chat_id") is None or params.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat = core.target_chat({"chat_id": params["chat_id"]})
    message = chat.messages.get(params["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    if message.get("from", {}).get("id") != core.world.bot["id"]:
        raise bad_request("message can't be edited")
    return message


def apply_edit(
    core: Core, message: dict[str, Any], changes: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    """Change a stored message (400 if nothing changes) and note the edit on its record."""
    if all(message.get(key) == value for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    message["edit_date"] = core.world.now()
    record = core.find_record(message["chat"]["id"], message["message_id"])
    if record is not None:
        record["edits"].append(params)
        if "text" in params:
            record.update(
                text=params["text"],
                plain_text=message.get("text"),
                parse_mode=params.get("parse_mode"),
            )
        record["reply_markup"] = params.get("reply_markup")
    return message


def new_markup(params: dict[str, Any]) -> dict[str, Any] | None:
    """The inline keyboard an edit sets (None removes it)."""
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None


@handles("editMessageText")
async def edit_message_text(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageText on a text message the bot sent."""
    message = editable(core, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    content = text_content(params, "text")
    changes = {
        "text": content["text"],
        "entities": content.get("entities"),
        "reply_markup": new_markup(params),
    }
    return apply_edit(core, message, changes, params)


@handles("editMessageReplyMarkup")
async def edit_message_reply_markup(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageReplyMarkup: replace or remove the inline keyboard."""
    message = editable(core, params)
    return apply_edit(core, message, {"reply_markup": new_markup(params)}, params)


@handles("answerCallbackQuery")
async def answer_callback_query(core: Core, params: dict[str, Any]) -> bool:
    """answerCallbackQuery: once per query, recorded in `callback_answers`."""
    query = core.pending_callbacks.pop(params["callback_query_id"], None)
    if query is None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    core.callback_answers.append(
        {**params, "data": query.get("data"), "user_id": query["from"]["id"]}
    )
    return True
