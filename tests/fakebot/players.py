"""Playing people: users who write, send media, edit, press buttons, block the bot; groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.fakebot.core import Core
from tests.fakebot.entities import utf16_len
from tests.fakebot.methods_chats import delete_topic
from tests.fakebot.state import Chat, Member

Message = Mapping[str, Any]


class Players(Core):
    """Set up chats and members, and act as users; every action returns the update it produced."""

    def add_user(self, user_id: int, first_name: str = "User", **extra: Any) -> dict[str, Any]:
        """A user who started the bot (their private chat exists); extra: username, language_code"""
        self.world.add_user(user_id, first_name, **extra)
        return self.world.users[user_id]

    def add_group(
        self,
        chat_id: int,
        title: str = "Staff",
        *,
        forum: bool = True,
        bot_status: str = "administrator",
        can_manage_topics: bool = True,
    ) -> Chat:
        """A supergroup (a forum by default) in which the bot has the given standing."""
        chat = Chat(chat_id, "supergroup", title=title, is_forum=forum)
        chat.members[self.world.bot["id"]] = Member(bot_status, can_manage_topics=can_manage_topics)
        self.world.chats[chat_id] = chat
        return chat

    def set_member(
        self,
        chat_id: int,
        user_id: int,
        status: str,
        *,
        can_manage_topics: bool = False,
        first_name: str = "Staff",
    ) -> None:
        """Give a user a standing in a group: creator, administrator, member, left or kicked."""
        self._register(user_id, first_name)
        self.world.chat(chat_id).members[user_id] = Member(
            status, can_manage_topics=can_manage_topics
        )

    def set_bot_member(self, chat_id: int, status: str, *, can_manage_topics: bool = False) -> None:
        """Change the bot's own standing in a group (e.g. demote it)."""
        self.world.chat(chat_id).members[self.world.bot["id"]] = Member(
            status, can_manage_topics=can_manage_topics
        )

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """A human deletes a forum topic (later sends to it get "message thread not found")."""
        chat = self.world.chat(chat_id)
        delete_topic(chat, chat.topics[thread_id])

    def topics(self, chat_id: int) -> dict[int, str]:
        """The live topics of a forum: thread id → name."""
        return {
            t.thread_id: t.name for t in self.world.chat(chat_id).topics.values() if not t.deleted
        }

    def _register(self, user_id: int, first_name: str | None) -> dict[str, Any]:
        user = self.world.users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": first_name or "User"}
        )
        if first_name:
            user["first_name"] = first_name
        return user

    async def _from_user(
        self,
        user_id: int,
        content: dict[str, Any],
        *,
        first_name: str | None,
        chat_id: int | None,
        message_thread_id: int | None,
    ) -> dict[str, Any]:
        if chat_id is None or chat_id == user_id:
            chat = self.world.add_user(
                user_id, first_name or self.world.users.get(user_id, {}).get("first_name", "User")
            )
            if user_id in self.world.blocked:
                await self.unblock(user_id)
        else:
            chat = self.world.chat(chat_id)
            chat.members.setdefault(user_id, Member("member"))
        user = self._register(user_id, first_name)
        if message_thread_id is not None:
            chat.live_topic(message_thread_id)
        message = self.world.new_message(chat, user, content, message_thread_id)
        return await self.updates.push(self.updates.make("message", message))

    async def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """A text message from a user (private unless chat_id names a group; topic by thread id)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return await self._from_user(
            user_id,
            content,
            first_name=first_name,
            chat_id=chat_id,
            message_thread_id=message_thread_id,
        )

    async def user_edits(self, message: Message, new_text: str) -> dict[str, Any]:
        """The user edits a message they sent (pass the update or the message)."""
        original = message.get("message", message)
        chat = self.world.chat(original["chat"]["id"])
        stored = chat.messages[original["message_id"]]
        key = "caption" if "caption" in stored and "text" not in stored else "text"
        stored.update({key: new_text, "edit_date": self.world.now()})
        stored.pop("entities", None)
        return await self.updates.push(self.updates.make("edited_message", dict(stored)))

    async def user_presses(
        self,
        user_id: int,
        target: str | Message,
        *,
        message: Message | int | None = None,
        forged: bool = False,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """Press a button by label or callback_data (newest message first), or forged data."""
        chat = self.world.chat(chat_id if chat_id is not None else user_id)
        if not isinstance(target, str):
            found, data = self._message(chat, target), _first_button(self._message(chat, target))
        elif forged:
            found, data = (
                self._message(chat, message) if message is not None else self._latest(chat),
                target,
            )
        else:
            found, data = self._button(chat, target, message)
        user = self._register(user_id, None)
        query: dict[str, Any] = {
            "id": f"{self.query_ids():019d}",
            "from": user,
            "chat_instance": f"ci{chat.id}",
            "data": data,
        }
        query["message"] = found or {"chat": chat.api(), "message_id": 0, "date": 0}
        self.pending_callbacks[query["id"]] = query
        return await self.updates.push(self.updates.make("callback_query", query))

    def _message(self, chat: Chat, message: Message | int) -> dict[str, Any] | None:
        if isinstance(message, int):
            return chat.messages.get(message)
        inner = message.get("message", message)
        return chat.messages.get(inner["message_id"])

    def _latest(self, chat: Chat) -> dict[str, Any] | None:
        bot_id = self.world.bot["id"]
        return next(
            (m for m in reversed(chat.messages.values()) if m.get("from", {}).get("id") == bot_id),
            None,
        )

    def _button(
        self, chat: Chat, wanted: str, message: Message | int | None
    ) -> tuple[dict[str, Any] | None, str]:
        candidates = (
            [self._message(chat, message)]
            if message is not None
            else list(reversed(chat.messages.values()))
        )
        labels: list[str] = []
        for candidate in candidates:
            for button in _buttons(candidate):
                labels.append(button["text"])
                if (
                    wanted in (button["text"], button.get("callback_data"))
                    and "callback_data" in button
                ):
                    return candidate, button["callback_data"]
        raise LookupError(f"no button {wanted!r} in chat {chat.id}; buttons: {labels}")

    async def block(
        self, user_id: int, reason: str = "bot was blocked by the user"
    ) -> dict[str, Any]:
        """The user blocks the bot: sends get 403 and the bot gets a my_chat_member update."""
        self.world.blocked[user_id] = reason
        return await self._membership(user_id, "member", "kicked")

    async def unblock(self, user_id: int) -> dict[str, Any]:
        """The user restarts the bot after blocking it."""
        self.world.blocked.pop(user_id, None)
        return await self._membership(user_id, "kicked", "member")

    def deactivate(self, user_id: int) -> None:
        """The user's account is deleted: sends get 403 "user is deactivated"."""
        self.world.blocked[user_id] = "user is deactivated"

    async def _membership(self, user_id: int, old: str, new: str) -> dict[str, Any]:
        chat = self.world.add_user(
            user_id, self.world.users.get(user_id, {}).get("first_name", "User")
        )
        bot, date = self.world.bot, self.world.now()
        change = {
            "chat": chat.api(), "from": self.world.users[user_id], "date": date,
            "old_chat_member": _standing(old, bot), "new_chat_member": _standing(new, bot),
        }  # fmt: skip
        return await self.updates.push(self.updates.make("my_chat_member", change))

    def sent(self, chat_id: int, *, message_thread_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, oldest first (optionally only one topic's)."""
        records = self.records.get(chat_id, [])
        if message_thread_id is None:
            return list(records)
        return [r for r in records if r["message_thread_id"] == message_thread_id]

    def all_sent(self) -> list[dict[str, Any]]:
        """Every message the bot sent, in order of sending."""
        return sorted((r for rs in self.records.values() for r in rs), key=lambda r: r["at"])


def _buttons(message: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    markup = (message or {}).get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def _first_button(message: Mapping[str, Any] | None) -> str:
    for button in _buttons(message):
        if "callback_data" in button:
            return str(button["callback_data"])
    raise LookupError("the message has no callback button")


def _standing(status: str, user: dict[str, Any]) -> dict[str, Any]:
    return {"status": status, "user": user, **({"until_date": 0} if status == "kicked" else {})}
