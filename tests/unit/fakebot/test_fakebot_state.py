"""State the fake keeps: blocked users, forum topics, members, buttons pressed, edits."""

from __future__ import annotations

import aiohttp
import pytest
from fakebot_support import PATIENT, STAFF_CHAT, call, keyboard

from tests.fakebot import FakeBotApi


async def test_blocked_user_gets_403_until_they_return(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    update = await fake.block(PATIENT)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    status, body = await call(http, fake, "sendMessage", chat_id=PATIENT, text="still there?")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    await fake.user_sends(PATIENT, "/start")
    assert (await call(http, fake, "sendMessage", chat_id=PATIENT, text="welcome back"))[0] == 200
    status, body = await call(http, fake, "sendMessage", chat_id=4242, text="stranger")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    assert fake.violations == []


async def test_message_thread_not_found_after_delete(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    _, body = await call(http, fake, "createForumTopic", chat_id=STAFF_CHAT, name="P-1")
    thread = body["result"]["message_thread_id"]
    assert (
        await call(
            http,
            fake,
            "editForumTopic",
            chat_id=STAFF_CHAT,
            message_thread_id=thread,
            name="P-1 · week 2",
        )
    )[0] == 200
    assert fake.topics(STAFF_CHAT) == {thread: "P-1 · week 2"}
    assert (
        await call(http, fake, "deleteForumTopic", chat_id=STAFF_CHAT, message_thread_id=thread)
    )[0] == 200
    status, body = await call(
        http, fake, "sendMessage", chat_id=STAFF_CHAT, text="x", message_thread_id=thread
    )
    assert (status, body["description"]) == (400, "Bad Request: message thread not found")
    _, body = await call(http, fake, "createForumTopic", chat_id=STAFF_CHAT, name="P-1")
    fake.delete_topic(STAFF_CHAT, body["result"]["message_thread_id"])  # a human deletes it
    status, body = await call(
        http,
        fake,
        "copyMessage",
        chat_id=STAFF_CHAT,
        from_chat_id=STAFF_CHAT,
        message_id=1,
        message_thread_id=body["result"]["message_thread_id"],
    )
    assert status == 400
    assert fake.violations == []


async def test_members_and_topic_rights(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    fake.set_member(STAFF_CHAT, 7, "administrator", can_manage_topics=True, first_name="Helper")
    fake.set_member(STAFF_CHAT, 8, "member")
    fake.add_user(9, "Outsider")
    statuses = [
        (await call(http, fake, "getChatMember", chat_id=STAFF_CHAT, user_id=u))[1]["result"][
            "status"
        ]
        for u in (7, 8, 9)
    ]
    assert statuses == ["administrator", "member", "left"]
    _, admins = await call(http, fake, "getChatAdministrators", chat_id=STAFF_CHAT)
    assert sorted(a["user"]["id"] for a in admins["result"]) == [7, fake.bot_id]
    fake.set_bot_member(STAFF_CHAT, "administrator", can_manage_topics=False)
    status, body = await call(http, fake, "createForumTopic", chat_id=STAFF_CHAT, name="P-2")
    assert (status, body["description"]) == (
        400,
        "Bad Request: not enough rights to create a topic",
    )


async def test_presses_by_label_data_old_message_and_forged(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    await call(
        http,
        fake,
        "sendMessage",
        chat_id=PATIENT,
        text="Q1",
        reply_markup=keyboard(("Yes", "r1:q1:y")),
    )
    await call(
        http,
        fake,
        "sendMessage",
        chat_id=PATIENT,
        text="Q2",
        reply_markup=keyboard(("Maybe", "r1:q2:m")),
    )
    old = await fake.user_presses(PATIENT, "Yes")
    assert old["callback_query"]["data"] == "r1:q1:y"
    assert old["callback_query"]["message"]["text"] == "Q1"
    assert (await fake.user_presses(PATIENT, "r1:q2:m"))["callback_query"]["message"][
        "text"
    ] == "Q2"
    forged = await fake.user_presses(PATIENT, "r9:evil", forged=True)
    assert forged["callback_query"]["data"] == "r9:evil"
    assert (await fake.user_presses(PATIENT, fake.sent(PATIENT)[0]))["callback_query"][
        "data"
    ] == "r1:q1:y"
    with pytest.raises(LookupError, match="Maybe"):
        await fake.user_presses(PATIENT, "Nope")
    query_id = forged["callback_query"]["id"]
    assert (
        await call(http, fake, "answerCallbackQuery", callback_query_id=query_id, text="Expired")
    )[0] == 200
    status, body = await call(http, fake, "answerCallbackQuery", callback_query_id=query_id)
    assert status == 400
    assert "query is too old" in body["description"]
    assert [a["text"] for a in fake.callback_answers] == ["Expired"]


async def test_user_edits_media_and_group_messages(fake: FakeBotApi) -> None:
    sent = await fake.user_sends(PATIENT, "I feel 3")
    edited = await fake.user_edits(sent, "I feel 4")
    assert edited["edited_message"]["text"] == "I feel 4"
    assert "edit_date" in edited["edited_message"]
    kinds = [
        await fake.user_sends_voice(PATIENT),
        await fake.user_sends_video(PATIENT),
        await fake.user_sends_document(PATIENT, caption="worksheet"),
        await fake.user_sends_location(PATIENT),
        await fake.user_sends_contact(PATIENT),
    ]
    expected = ["voice", "video", "document", "location", "contact"]
    assert [next(k for k in expected if k in u["message"]) for u in kinds] == expected
    topic = fake.world.chat(STAFF_CHAT)
    fake.set_member(STAFF_CHAT, 7, "administrator", first_name="Helper")
    staff = await fake.user_sends(7, "!internal note", chat_id=STAFF_CHAT)
    assert staff["message"]["chat"]["type"] == "supergroup"
    assert staff["message"]["from"]["id"] == 7
    assert topic.messages[staff["message"]["message_id"]]["text"] == "!internal note"


async def test_edit_rules(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    await call(
        http, fake, "sendMessage", chat_id=PATIENT, text="Q", reply_markup=keyboard(("A", "a"))
    )
    status, body = await call(
        http,
        fake,
        "editMessageReplyMarkup",
        chat_id=PATIENT,
        message_id=1,
        reply_markup=keyboard(("A", "a")),
    )
    assert status == 400
    assert body["description"].startswith("Bad Request: message is not modified")
    assert (await call(http, fake, "editMessageReplyMarkup", chat_id=PATIENT, message_id=1))[
        0
    ] == 200
    assert fake.sent(PATIENT)[0]["message"].get("reply_markup") is None
    user = await fake.user_sends(PATIENT, "mine")
    status, body = await call(
        http,
        fake,
        "editMessageText",
        chat_id=PATIENT,
        message_id=user["message"]["message_id"],
        text="x",
    )
    assert body["description"] == "Bad Request: message can't be edited"
    assert fake.violations == []
