"""Outbox messages keep the JSON rows have always held: every kind reads back and dumps unchanged.

The stored dicts below are written by hand from what care wrote before the messages were typed,
so a row already in a database reads as its message, and a new row is the same JSON as before.
"""

from __future__ import annotations

import base64
import json
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from bot.care import outgoing
from bot.care.messages import (
    AlertMessage,
    FileMessage,
    HandoverMessage,
    HelperCopyMessage,
    HelperReplyMessage,
    OutboxPayload,
    PhotoMessage,
    RelayCopyMessage,
    RelayMessage,
    StaffPhotoMessage,
    StaffTextMessage,
    TextMessage,
    UnreadablePayload,
    dump_payload,
    parse_payload,
    read_payload,
)
from flows.runtime import Ask, ButtonView, Say

PNG_B64 = base64.b64encode(b"\x89PNG").decode("ascii")

STORED: dict[str, tuple[type, dict[str, Any]]] = {
    "say": (TextMessage, {"kind": "text", "html": "Hello"}),
    "say with image": (TextMessage, {"kind": "text", "html": "Look", "image": "media/a.png"}),
    "say with document": (
        TextMessage,
        {"kind": "text", "html": "Read", "document": "media/b.pdf"},
    ),
    "ask": (
        TextMessage,
        {
            "kind": "text",
            "html": "How is your mood?",
            "buttons": [
                {"label": "Low", "data": "a:7:ab12:0"},
                {"label": "3 OK", "data": "a:7:ab12:1", "value": 3},
            ],
            "input": "scale",
            "numbered": False,
        },
    ),
    "ask queued before numbering": (
        TextMessage,
        {"kind": "text", "html": "Your name?", "buttons": [], "input": "text"},
    ),
    "to a bare chat": (
        TextMessage,
        {"kind": "text", "html": "Bye", "messenger": "telegram", "chat_id": "4242"},
    ),
    "photo": (PhotoMessage, {"kind": "photo", "content_b64": PNG_B64, "html": "Your progress"}),
    "file": (
        FileMessage,
        {"kind": "file", "filename": "daybreak-my-data.json", "content": "{}", "html": "Yours"},
    ),
    "alert": (
        AlertMessage,
        {
            "kind": "alert",
            "alert_id": 5,
            "patient_id": 3,
            "pseudonym": "P-7Q4K",
            "reason": "phq9_item9",
            "level": "urgent",
            "detail": {"item9": 2},
        },
    ),
    "alert reposted after /forget": (
        AlertMessage,
        {
            "kind": "alert",
            "alert_id": 5,
            "patient_id": None,
            "pseudonym": "P-7Q4K",
            "reason": "phq9_item9",
            "level": "urgent",
            "detail": {},
            "repost": True,
            "mention": "",
        },
    ),
    "handover": (
        HandoverMessage,
        {
            "kind": "handover",
            "topic": "patient",
            "patient_id": 3,
            "pseudonym": "P-7Q4K",
            "reason": "asked",
        },
    ),
    "digest": (StaffTextMessage, {"kind": "staff_text", "topic": "digest", "html": "<b>D</b>"}),
    "answer in the General topic": (
        StaffTextMessage,
        {"kind": "staff_text", "topic": "thread", "thread_id": None, "html": "Staff only."},
    ),
    "answer with buttons": (
        StaffTextMessage,
        {
            "kind": "staff_text",
            "topic": "thread",
            "thread_id": 12,
            "html": "Adverse events to grade",
            "buttons": [{"label": "Grade #1 · P-7Q4K", "data": "ae:1:"}],
        },
    ),
    "in the patient's topic": (
        StaffTextMessage,
        {
            "kind": "staff_text",
            "topic": "patient",
            "patient_id": 3,
            "html": "Pick an encouragement to send:",
            "buttons": [{"label": "Well done", "data": "enc:3:0"}],
        },
    ),
    "receipt": (
        StaffTextMessage,
        {
            "kind": "staff_text",
            "topic": "patient",
            "patient_id": 3,
            "html": "✓ delivered",
            "reply_to": None,
        },
    ),
    "staff photo": (
        StaffPhotoMessage,
        {
            "kind": "staff_photo",
            "topic": "patient",
            "patient_id": 3,
            "content_b64": PNG_B64,
            "html": "<b>P-7Q4K</b>",
        },
    ),
    "relay": (
        RelayMessage,
        {"kind": "relay", "topic": "patient", "patient_id": 3, "texts": ["hi", "there"]},
    ),
    "relay copy": (
        RelayCopyMessage,
        {
            "kind": "relay_copy",
            "topic": "patient",
            "patient_id": 3,
            "from_chat_id": 4242,
            "message_id": 77,
            "caption": "",
        },
    ),
    "helper reply": (
        HelperReplyMessage,
        {
            "kind": "helper_reply",
            "thread_id": 12,
            "staff_message_id": 88,
            "patient_id": 3,
            "html": "Hello\n\n— Ana",
        },
    ),
    "helper copy": (
        HelperCopyMessage,
        {
            "kind": "helper_copy",
            "thread_id": None,
            "staff_message_id": 88,
            "patient_id": 3,
            "from_chat_id": -1001,
            "caption": "— Ana",
        },
    ),
}


@pytest.mark.parametrize("case", list(STORED))
def test_a_stored_row_reads_as_its_message_and_dumps_unchanged(case: str) -> None:
    kind, stored = STORED[case]
    message = parse_payload(json.loads(json.dumps(stored)))
    assert type(message) is kind
    assert dump_payload(message) == stored
    assert read_payload(stored) == message


def test_every_kind_of_the_union_is_covered() -> None:
    (union, _discriminator) = get_args(OutboxPayload)
    kinds = {model.model_fields["kind"].default for model in get_args(union)}
    assert kinds == {stored["kind"] for _, stored in STORED.values()}


def test_care_builds_the_patient_messages_it_always_stored() -> None:
    buttons = (ButtonView(label="Low", option=0), ButtonView(label="3 OK", option=1, value=3))
    ask = Ask(html="How is your mood?", token="ab12", input="scale", buttons=buttons)
    built = {
        "say": outgoing.say_payload(Say(html="Hello")),
        "say with image": outgoing.say_payload(Say(html="Look", image="media/a.png")),
        "say with document": outgoing.say_payload(Say(html="Read", document="media/b.pdf")),
        "ask": outgoing.ask_payload(ask, 7),
        "to a bare chat": outgoing.chat_payload(outgoing.text_payload("Bye"), "telegram", "4242"),
        "photo": outgoing.photo_payload(b"\x89PNG", "Your progress"),
        "file": outgoing.file_payload("daybreak-my-data.json", "{}", "Yours"),
    }
    for case, message in built.items():
        assert dump_payload(message) == STORED[case][1], case


def test_an_optional_field_is_stored_only_when_given() -> None:
    assert dump_payload(StaffTextMessage(topic="digest", html="x")) == {
        "kind": "staff_text",
        "topic": "digest",
        "html": "x",
    }
    receipt = StaffTextMessage(topic="patient", patient_id=3, html="✓ delivered", reply_to=None)
    assert dump_payload(receipt) == STORED["receipt"][1]


def test_messages_are_frozen() -> None:
    message = TextMessage(html="Hello")
    with pytest.raises(ValidationError):
        message.html = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "stored",
    [
        {"kind": "postcard", "html": "You said: my secret words"},
        {"html": "You said: my secret words"},
        {"kind": "text", "html": ["You said: my secret words"]},
        {"kind": "alert", "alert_id": 5, "pseudonym": "P-7Q4K"},
        {"kind": "relay", "topic": "patient", "patient_id": "x", "texts": ["my secret words"]},
        "You said: my secret words",
        None,
    ],
)
def test_a_payload_no_kind_describes_reads_as_unreadable_without_its_words(stored: Any) -> None:
    read = read_payload(stored)
    assert isinstance(read, UnreadablePayload)
    assert read.stored == stored  # kept for the patient's own export
    assert "secret" not in read.problem
    assert "secret" not in repr(read)
    with pytest.raises(ValidationError):
        parse_payload(stored)
