"""Chats and the staff forum: forum topics, getChat, getChatMember, getChatAdministrators."""

from __future__ import annotations

from typing import Any

from tests.fakebot.core import Core, handles
from tests.fakebot.state import Chat, Topic, bad_request

GIFTS = dict.fromkeys(
    (
        "unlimited_gifts",
        "limited_gifts",
        "unique_gifts",
        "premium_subscription",
        "gifts_from_channels",
    ),
    False,
)


def forum(core: Core, params: dict[str, Any], action: str) -> Chat:
    """The forum chat a topic call addresses, checking the bot may manage topics."""
    chat = core.target_chat({"chat_id": params["chat_id"]})
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    member = core.world.member(chat, core.world.bot["id"])
    if member.status != "creator" and not (
        member.status == "administrator" and member.can_manage_topics
    ):
        raise bad_request(f"not enough rights to {action} a topic")
    return chat


def topic_of(chat: Chat, thread_id: int) -> Topic:
    """A live topic, else TOPIC_ID_INVALID as Telegram answers topic calls for unknown topics."""
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise bad_request("TOPIC_ID_INVALID")
    return topic


@handles("createForumTopic")
async def create_forum_topic(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """createForumTopic: the topic's id is the id of its service message, as in Telegram."""
    chat = forum(core, params, "create")
    service = {
        "forum_topic_created": {
            "name": params["name"],
            "icon_color": params.get("icon_color", 0x6FB9F0),
        }
    }
    message = core.world.new_message(chat, core.world.bot, service)
    thread_id = message["message_id"]
    message.update(message_thread_id=thread_id, is_topic_message=True)
    topic = Topic(
        thread_id,
        params["name"],
        params.get("icon_color", 0x6FB9F0),
        params.get("icon_custom_emoji_id"),
    )
    chat.topics[thread_id] = topic
    return topic.api()


@handles("editForumTopic")
async def edit_forum_topic(core: Core, params: dict[str, Any]) -> bool:
    """editForumTopic: rename or change the icon (TOPIC_NOT_MODIFIED if nothing changes)."""
    chat = forum(core, params, "edit")
    topic = topic_of(chat, params["message_thread_id"])
    name = params.get("name") or topic.name
    emoji = params.get("icon_custom_emoji_id", topic.icon_custom_emoji_id)
    if (name, emoji) == (topic.name, topic.icon_custom_emoji_id):
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.name, topic.icon_custom_emoji_id = name, emoji or None
    return True


@handles("deleteForumTopic")
async def delete_forum_topic(core: Core, params: dict[str, Any]) -> bool:
    """deleteForumTopic: the topic and its messages are gone."""
    chat = forum(core, params, "delete")
    delete_topic(chat, topic_of(chat, params["message_thread_id"]))
    return True


def delete_topic(chat: Chat, topic: Topic) -> None:
    """Delete a topic with its messages (what a human or deleteForumTopic does)."""
    topic.deleted = True
    for message_id in [
        i for i, m in chat.messages.items() if m.get("message_thread_id") == topic.thread_id
    ]:
        del chat.messages[message_id]


@handles("getChat")
async def get_chat(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getChat: a ChatFullInfo with the required fields."""
    chat = core.world.chat(params["chat_id"])
    return {
        **chat.api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": GIFTS,
    }


@handles("getChatMember")
async def get_chat_member(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getChatMember: the status the test gave the user (left if none)."""
    chat = core.world.chat(params["chat_id"])
    return core.world.chat_member(chat, params["user_id"])


@handles("getChatAdministrators")
async def get_chat_administrators(core: Core, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getChatAdministrators: the creator and administrators, bots included."""
    chat = core.world.chat(params["chat_id"])
    if chat.private:
        raise bad_request("there are no administrators in the private chat")
    admins = [uid for uid, m in chat.members.items() if m.status in ("creator", "administrator")]
    return [core.world.chat_member(chat, uid) for uid in admins]
