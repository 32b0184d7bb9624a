"""What the fake remembers: users, chats, forum topics, members, messages and files."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ADMIN_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
    "can_post_stories", "can_edit_stories", "can_delete_stories",
)  # fmt: skip


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 "Bad Request: ..." error."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Topic:
    """A forum topic; `deleted` once someone deleted it."""

    thread_id: int
    name: str
    icon_color: int = 0x6FB9F0
    icon_custom_emoji_id: str | None = None
    deleted: bool = False

    def api(self) -> dict[str, Any]:
        """The ForumTopic object."""
        topic: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass
class Member:
    """A user's standing in a group: creator, administrator, member, restricted, left or kicked."""

    status: str
    can_manage_topics: bool = False
    custom_title: str | None = None


@dataclass
class Chat:
    """A private chat, group or (forum) supergroup, with its messages and topics."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    topics: dict[int, Topic] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    ids: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)

    @property
    def private(self) -> bool:
        """Whether this is a one-to-one chat with a user."""
        return self.type == "private"

    def api(self) -> dict[str, Any]:
        """The Chat object."""
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "username"):
            if getattr(self, key):
                chat[key] = getattr(self, key)
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def live_topic(self, thread_id: int) -> Topic:
        """The topic, or ApiError "message thread not found" if it never existed or was deleted."""
        topic = self.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return topic


@dataclass
class StoredFile:
    """A file the fake can serve: uploaded by the bot or sent by a played user."""

    file_id: str
    unique_id: str
    path: str
    data: bytes

    def api(self) -> dict[str, Any]:
        """The File object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.unique_id,
            "file_size": len(self.data),
            "file_path": self.path,
        }


@dataclass
class World:
    """All users, chats and files, with the bot itself as a user."""

    bot: dict[str, Any]
    wall_clock: Callable[[], float] = time.time
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    blocked: dict[int, str] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)

    def now(self) -> int:
        """The current date as Telegram sends it (Unix seconds)."""
        return int(self.wall_clock())

    def add_user(self, user_id: int, first_name: str = "User", **extra: Any) -> Chat:
        """Register a user and their private chat with the bot (idempotent; updates the names)."""
        user = self.users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": first_name}
        )
        user["first_name"] = first_name
        user.update({k: v for k, v in extra.items() if v is not None})
        chat = self.chats.get(user_id)
        if chat is None:
            chat = self.chats[user_id] = Chat(user_id, "private", first_name=first_name)
        chat.first_name, chat.username = first_name, user.get("username")
        return chat

    def chat(self, chat_id: int | str) -> Chat:
        """The chat by id or @username, or ApiError "chat not found"."""
        if isinstance(chat_id, str):
            found = next(
                (c for c in self.chats.values() if c.username and f"@{c.username}" == chat_id), None
            )
            if found is None:
                raise bad_request("chat not found")
            return found
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def member(self, chat: Chat, user_id: int) -> Member:
        """A user's standing in a chat (private chats: both sides are members)."""
        if chat.private:
            return Member("member") if user_id in (chat.id, self.bot["id"]) else Member("left")
        return chat.members.get(user_id, Member("left"))

    def new_message(
        self,
        chat: Chat,
        sender: dict[str, Any],
        content: dict[str, Any],
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Store a new message in `chat` and return the Message object."""
        message_id = chat.ids()
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": self.now(),
            "chat": chat.api(),
            "from": sender,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        message.update(content)
        chat.messages[message_id] = message
        return message

    def store_file(self, data: bytes, folder: str, name: str) -> StoredFile:
        """Keep file contents under a new deterministic file_id."""
        number = len(self.files) + 1
        digest = hashlib.sha1(data + str(number).encode(), usedforsecurity=False).hexdigest()[:16]
        stored = StoredFile(
            f"F{number}-{digest}", f"U{digest[:10]}", f"{folder}/file_{number}_{name}", data
        )
        self.files[stored.file_id] = stored
        return stored

    def chat_member(self, chat: Chat, user_id: int) -> dict[str, Any]:
        """The ChatMember object of a known user (ApiError "user not found" otherwise)."""
        user = self.bot if user_id == self.bot["id"] else self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        member = self.member(chat, user_id)
        result: dict[str, Any] = {"status": member.status, "user": user}
        if member.status == "creator":
            result["is_anonymous"] = False
        elif member.status == "administrator":
            result.update(dict.fromkeys(ADMIN_RIGHTS, False))
            result.update(can_manage_chat=True, can_manage_topics=member.can_manage_topics)
            result.update(can_pin_messages=True, can_delete_messages=True)
            result["can_send_welcome_messages"] = (
                False  # required by aiogram 3.31, not in spec 10.1
            )
        elif member.status == "kicked":
            result["until_date"] = 0
        return result
