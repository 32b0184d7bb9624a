"""Sending: sendMessage, sendPhoto, sendDocument, copyMessage, forwardMessage, sendChatAction."""

from __future__ import annotations

from typing import Any

from tests.fakebot.core import UPLOADS, Core, handles
from tests.fakebot.semantics import formatted_text
from tests.fakebot.state import Chat, StoredFile, bad_request

COPYABLE = (
    "text", "entities", "photo", "document", "voice", "video", "sticker", "location", "contact",
    "audio", "animation", "caption", "caption_entities",
)  # fmt: skip
PAST = {"copy": "copied", "forward": "forwarded"}


def input_file(core: Core, value: Any, folder: str) -> StoredFile:
    """The file a parameter names: an upload (direct or attach://), a known file_id, or a URL."""
    uploads = UPLOADS.get({})
    name = str(value).removeprefix("attach://")
    if name in uploads:
        upload = uploads[name]
        return core.world.store_file(upload.data, folder, upload.filename)
    if str(value) in core.world.files:
        return core.world.files[str(value)]
    if str(value).startswith(("http://", "https://")):
        return core.world.store_file(
            str(value).encode(), folder, str(value).rsplit("/", 1)[-1] or "url"
        )
    raise bad_request("wrong file identifier/HTTP URL specified")


def text_content(params: dict[str, Any], key: str) -> dict[str, Any]:
    """The message fields for a text or caption after parse_mode."""
    if params.get(key) is None:
        return {}
    plain, entities = formatted_text(params[key], params.get("parse_mode"))
    entities = entities or params.get("entities" if key == "text" else "caption_entities") or []
    content: dict[str, Any] = {key: plain}
    if entities:
        content["entities" if key == "text" else "caption_entities"] = entities
    return content


def check_reply(chat: Chat, params: dict[str, Any]) -> dict[str, Any]:
    """The reply_to_message field for reply_parameters (400 if the message is gone)."""
    reply = params.get("reply_parameters")
    if not reply:
        return {}
    original = chat.messages.get(reply["message_id"])
    if original is None:
        if reply.get("allow_sending_without_reply"):
            return {}
        raise bad_request("message to be replied not found")
    return {"reply_to_message": {k: v for k, v in original.items() if k != "reply_to_message"}}


async def deliver(
    core: Core, method: str, params: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    """The common path of every send: target, limits, reply, store and record."""
    chat = core.target_chat(params)
    core.pace(method, chat, params)
    content = {**content, **check_reply(chat, params)}
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    message = core.world.new_message(chat, core.world.bot, content, params.get("message_thread_id"))
    core.record(method, chat, message, params)
    return message


@handles("sendMessage")
async def send_message(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendMessage: text after parse_mode, with entities."""
    return await deliver(core, "sendMessage", params, text_content(params, "text"))


@handles("sendPhoto")
async def send_photo(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendPhoto: one PhotoSize per stored upload."""
    stored = input_file(core, params["photo"], "photos")
    size = {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "width": 800,
        "height": 600,
    }
    return await deliver(
        core,
        "sendPhoto",
        params,
        {"photo": [{**size, "file_size": len(stored.data)}], **text_content(params, "caption")},
    )


@handles("sendDocument")
async def send_document(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendDocument: a Document with the uploaded file's name."""
    stored = input_file(core, params["document"], "documents")
    uploads = UPLOADS.get({})
    upload = uploads.get(str(params["document"]).removeprefix("attach://"))
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.data),
    }
    if upload is not None:
        document.update(file_name=upload.filename, mime_type=upload.content_type)
    return await deliver(
        core, "sendDocument", params, {"document": document, **text_content(params, "caption")}
    )


def source_message(core: Core, params: dict[str, Any], verb: str) -> dict[str, Any]:
    """The message a copy or forward starts from."""
    source_chat = core.world.chat(params["from_chat_id"])
    source = source_chat.messages.get(params["message_id"])
    if source is None:
        raise bad_request(f"message to {verb} not found")
    if not any(key in source for key in COPYABLE):
        raise bad_request(f"message can't be {PAST[verb]}")
    return source


@handles("copyMessage")
async def copy_message(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """copyMessage: the content without a link to the original; returns a MessageId."""
    source = source_message(core, params, "copy")
    content = {k: v for k, v in source.items() if k in COPYABLE}
    if params.get("caption") is not None and "text" not in content:
        content.pop("caption_entities", None)
        content.update(text_content(params, "caption"))
    message = await deliver(core, "copyMessage", params, content)
    record = core.find_record(message["chat"]["id"], message["message_id"])
    if record is not None:
        record.update(text=content.get("text"), source=source, plain_text=content.get("text"))
    return {"message_id": message["message_id"]}


@handles("forwardMessage")
async def forward_message(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """forwardMessage: the content with forward_origin."""
    source = source_message(core, params, "forward")
    sender = source.get("from", core.world.bot)
    origin = {"type": "user", "date": source["date"], "sender_user": sender}
    content = {**{k: v for k, v in source.items() if k in COPYABLE}, "forward_origin": origin}
    message = await deliver(core, "forwardMessage", params, content)
    record = core.find_record(message["chat"]["id"], message["message_id"])
    if record is not None:
        record.update(text=content.get("text"), source=source, plain_text=content.get("text"))
    return message


@handles("sendChatAction")
async def send_chat_action(core: Core, params: dict[str, Any]) -> bool:
    """sendChatAction: recorded in `chat_actions`."""
    chat = core.target_chat(params)
    core.chat_actions.append(
        {
            "chat_id": chat.id,
            "action": params["action"],
            "message_thread_id": params.get("message_thread_id"),
        }
    )
    return True
