"""A real aiogram Bot against the fake: the calls the bot makes are accepted with no violations."""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot
from aiogram.types import BotCommand, FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from fakebot_support import PATIENT, STAFF_CHAT

from tests.fakebot import FakeBotApi, load_spec


def yes_no() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text="Yes", callback_data="q1:y")]
    buttons.append(InlineKeyboardButton(text="No", callback_data="q1:n"))
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def test_send_message_with_keyboard_is_accepted_and_recorded(
    fake: FakeBotApi, bot: Bot
) -> None:
    message = await bot.send_message(
        PATIENT, "<b>Hello</b> &amp; welcome", parse_mode="HTML", reply_markup=yes_no()
    )
    assert message.text == "Hello & welcome"
    assert message.entities
    assert message.entities[0].type == "bold"
    [sent] = fake.sent(PATIENT)
    assert sent["method"] == "sendMessage"
    assert sent["text"] == "<b>Hello</b> &amp; welcome"
    assert sent["plain_text"] == "Hello & welcome"
    assert sent["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "q1:n"
    assert fake.violations == []


async def test_send_photo_from_a_file(fake: FakeBotApi, bot: Bot, tmp_path: Path) -> None:
    picture = tmp_path / "breathing.png"
    picture.write_bytes(b"\x89PNG fake image")
    message = await bot.send_photo(
        PATIENT, FSInputFile(picture), caption="Breathe <i>slowly</i>", parse_mode="HTML"
    )
    assert message.photo
    assert message.caption == "Breathe slowly"
    stored = fake.world.files[message.photo[-1].file_id]
    assert stored.data == b"\x89PNG fake image"
    assert fake.sent(PATIENT)[0]["method"] == "sendPhoto"
    assert fake.violations == []


async def test_forum_topic_member_and_callback_answer(fake: FakeBotApi, bot: Bot) -> None:
    topic = await bot.create_forum_topic(STAFF_CHAT, "P-7Q4K · week 1 · guided")
    await bot.send_message(STAFF_CHAT, "New patient", message_thread_id=topic.message_thread_id)
    assert fake.topics(STAFF_CHAT) == {topic.message_thread_id: "P-7Q4K · week 1 · guided"}
    member = await bot.get_chat_member(STAFF_CHAT, fake.bot_id)
    assert member.status == "administrator"
    assert member.can_manage_topics
    await bot.send_message(PATIENT, "Ready?", reply_markup=yes_no())
    update = await fake.user_presses(PATIENT, "Yes")
    assert await bot.answer_callback_query(update["callback_query"]["id"], text="Noted")
    assert fake.callback_answers[0]["data"] == "q1:y"
    assert (
        fake.sent(STAFF_CHAT, message_thread_id=topic.message_thread_id)[0]["text"] == "New patient"
    )
    assert fake.violations == []


async def test_commands_me_chat_and_chat_action(fake: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands(
        [BotCommand(command="help", description="What I can do")], language_code="en"
    )
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["help"]
    assert (await bot.get_me()).username == "daybreak_test_bot"
    assert (await bot.get_chat(STAFF_CHAT)).is_forum
    assert await bot.send_chat_action(PATIENT, "typing")
    assert fake.chat_actions == [
        {"chat_id": PATIENT, "action": "typing", "message_thread_id": None}
    ]
    assert fake.violations == []


async def test_edit_copy_and_download(fake: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(PATIENT, "Question?", reply_markup=yes_no())
    await bot.edit_message_text("Question? (answered)", chat_id=PATIENT, message_id=sent.message_id)
    assert fake.sent(PATIENT)[0]["plain_text"] == "Question? (answered)"
    update = await fake.user_sends_photo(PATIENT, caption="my diary", data=b"jpeg bytes")
    copied = await bot.copy_message(STAFF_CHAT, PATIENT, update["message"]["message_id"])
    assert fake.sent(STAFF_CHAT)[0]["message_id"] == copied.message_id
    assert fake.sent(STAFF_CHAT)[0]["message"]["caption"] == "my diary"
    file = await bot.get_file(update["message"]["photo"][-1]["file_id"])
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"jpeg bytes"
    assert fake.violations == []


async def test_responses_match_the_spec(fake: FakeBotApi, bot: Bot) -> None:
    spec = load_spec()
    await bot.send_message(
        PATIENT, "<a href='https://example.org'>link</a>", parse_mode="HTML", reply_markup=yes_no()
    )
    await fake.user_sends(PATIENT, "/start site42")
    press = await fake.user_presses(PATIENT, "No")
    assert spec.check_object("Message", fake.sent(PATIENT)[0]["message"]) == []
    assert spec.check_object("CallbackQuery", press["callback_query"]) == []
    assert spec.check_object("Update", (await fake.block(PATIENT))) == []
