"""Every request is checked against the spec: violations answer 400 and are recorded."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fakebot_support import PATIENT, call, call_form, keyboard

from tests.fakebot import FakeBotApi
from tests.fakebot.entities import EntityError, parse_html


async def refused(http: aiohttp.ClientSession, fake: FakeBotApi, method: str, **params: Any) -> str:
    """Send a request that must be refused as a violation; return its description."""
    status, body = await call(http, fake, method, **params)
    assert status == 400, body
    assert body["ok"] is False
    assert body["error_code"] == 400
    assert fake.violations, "a refused request must be recorded as a violation"
    assert body["description"].startswith("Bad Request: ")
    return str(body["description"])


async def test_missing_required_field(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    description = await refused(http, fake, "sendMessage", text="hi")
    assert "missing required field 'chat_id'" in description
    assert fake.violations == ["sendMessage: missing required field 'chat_id'"]


async def test_unknown_field(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    description = await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text="hi", reply_to_message_id=3
    )
    assert "unknown field 'reply_to_message_id'" in description


async def test_wrong_types_in_json_and_in_forms(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    assert "chat_id must be Integer or String" in await refused(
        http, fake, "sendMessage", chat_id=[1], text="x"
    )
    await refused(http, fake, "sendMessage", chat_id=PATIENT, text="x", disable_notification="yes")
    status, body = await call_form(
        http, fake, "sendMessage", chat_id="1001", text="x", protect_content="maybe"
    )
    assert status == 400
    assert "protect_content" in body["description"]
    status, _ = await call_form(
        http, fake, "sendMessage", chat_id="1001", text="x", protect_content="true"
    )
    assert status == 200
    assert len(fake.violations) == 3


async def test_nested_objects_are_checked(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    markup = {"inline_keyboard": [[{"callback_data": "a"}]]}
    description = await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text="x", reply_markup=markup
    )
    assert "missing required field 'text' of InlineKeyboardButton" in description
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "colour": "red"}]]}
    assert "unknown field 'colour'" in await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text="x", reply_markup=markup
    )
    markup = {"inline_keyboard": [[{"text": "only a label"}]]}
    assert "exactly one of" in await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text="x", reply_markup=markup
    )


async def test_callback_data_over_64_bytes(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ok, _ = await call(
        http, fake, "sendMessage", chat_id=PATIENT, text="x", reply_markup=keyboard(("A", "é" * 32))
    )
    assert ok == 200
    description = await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text="x", reply_markup=keyboard(("A", "a" * 65))
    )
    assert "BUTTON_DATA_INVALID" in description
    assert "65 bytes" in description


async def test_text_length_is_counted_after_entity_parsing(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    status, _ = await call(
        http, fake, "sendMessage", chat_id=PATIENT, text=f"<b>{'a' * 4096}</b>", parse_mode="HTML"
    )
    assert status == 200
    assert "message text is too long" in await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text="a" * 4097
    )
    assert "message text is empty" in await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text="<b></b>", parse_mode="HTML"
    )
    description = await refused(
        http,
        fake,
        "sendPhoto",
        chat_id=PATIENT,
        photo="https://example.org/a.jpg",
        caption="c" * 1025,
    )
    assert "message caption is too long" in description


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
    ],
)
async def test_bad_html(
    fake: FakeBotApi, http: aiohttp.ClientSession, text: str, expected: str
) -> None:
    description = await refused(
        http, fake, "sendMessage", chat_id=PATIENT, text=text, parse_mode="HTML"
    )
    assert description == f"Bad Request: can't parse entities: {expected}"


async def test_unknown_method_and_wrong_token(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, fake, "sendTelepathy", chat_id=PATIENT)
    assert (status, body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    async with http.post(f"{fake.base_url}/bot1:wrong/getMe") as response:
        assert response.status == 401
    assert fake.violations == []


async def test_multipart_uploads_must_be_referenced(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(PATIENT))
    form.add_field("document", "attach://f1")
    form.add_field("f1", b"%PDF", filename="worksheet.pdf", content_type="application/pdf")
    async with http.post(f"{fake.base_url}/bot{fake.token}/sendDocument", data=form) as response:
        body = await response.json()
    assert body["result"]["document"]["file_name"] == "worksheet.pdf"
    form = aiohttp.FormData()
    form.add_field("chat_id", str(PATIENT))
    form.add_field("document", "attach://missing")
    form.add_field("stray", b"x", filename="x.bin")
    async with http.post(f"{fake.base_url}/bot{fake.token}/sendDocument", data=form) as response:
        assert response.status == 400
    assert "file part 'stray'" in fake.violations[0]
    assert "attach://missing" in fake.violations[0]


def test_parse_html_gives_text_and_utf16_entities() -> None:
    text, entities = parse_html(
        '😀 <b>bold <i>both</i></b> <a href="https://x.org/?a=1&amp;b=2">l</a> &lt;3 &copy;'
    )
    assert text == "😀 bold both l <3 &copy;"
    assert entities[0] == {"type": "bold", "offset": 3, "length": 9}
    assert entities[1] == {"type": "italic", "offset": 8, "length": 4}
    assert entities[2] == {
        "type": "text_link",
        "offset": 13,
        "length": 1,
        "url": "https://x.org/?a=1&b=2",
    }
    pre = parse_html('<pre><code class="language-python">x = 1</code></pre>')[1]
    assert pre == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    with pytest.raises(EntityError):
        parse_html("<blockquote><blockquote>x</blockquote></blockquote>")
