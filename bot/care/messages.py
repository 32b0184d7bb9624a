"""What care puts in the outbox: one typed message per kind, stored as the JSON it always was.

Care builds these; storage seals `dump_payload(...)` in the row and hands back `read_payload(...)`;
the transports (Telegram, the terminal) `match` over `OutboxPayload` to deliver them.

A stored row keeps exactly the keys its message was given: a field every row of its kind has is
required (it may still be None), and an optional field is written only when it is passed. So a
row read back and dumped again is the same JSON, and rows written before these models existed
read as they are: no migration. Pass an optional field only when it has something to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    model_serializer,
)

StaffTopic = Literal["patient", "thread", "digest"]


class _Stored(BaseModel):
    """A value stored as JSON with the keys it was given (and its kind)."""

    # Unknown keys are ignored so that a row is readable while it has what delivery needs.
    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_serializer(mode="wrap")
    def _as_stored(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        given = self.model_fields_set | {"kind"}
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if key in given}


class Button(_Stored):
    """A button under a message: what it says and the callback data a press sends back."""

    label: str
    data: str
    value: int | None = None  # the number typed for it (a score or a scale point), if any


def buttons_of(rows: Iterable[Mapping[str, Any]]) -> tuple[Button, ...]:
    """Buttons from {"label", "data"} rows, as the staff screens build them."""
    return tuple(Button.model_validate(row) for row in rows)


class TextMessage(_Stored):
    """A message to a patient: a text, a question (with `input`), or a reply to a bare chat."""

    kind: Literal["text"] = "text"
    html: str = ""
    image: str | None = None
    document: str | None = None
    buttons: tuple[Button, ...] = ()
    input: str | None = None  # what the question expects; None for a plain message
    numbered: bool = True  # rows queued before this was said were numbered
    messenger: str | None = None  # for a "chat" target: the chat has no patient behind it
    chat_id: str | None = None

    @property
    def asks(self) -> bool:
        """True for a question: its buttons (or none) are the choices until the next one."""
        return self.input is not None


class PhotoMessage(_Stored):
    """A picture made for the patient, such as their progress chart (base64 PNG)."""

    kind: Literal["photo"] = "photo"
    content_b64: str
    html: str = ""


class FileMessage(_Stored):
    """A file the patient receives, such as their data export."""

    kind: Literal["file"] = "file"
    filename: str
    content: str
    html: str = ""


class AlertMessage(_Stored):
    """A safety alert for the staff chat: ids, pseudonym, reason and scores, never words."""

    kind: Literal["alert"] = "alert"
    alert_id: int
    patient_id: int | None  # None when the patient was forgotten before a repost
    pseudonym: str
    reason: str
    level: str
    detail: dict[str, Any]
    repost: bool = False  # posted again because nobody acknowledged it
    mention: str = ""  # who is on call, for a repost


class HandoverMessage(_Stored):
    """A patient asked (in a flow) to talk with a helper."""

    kind: Literal["handover"] = "handover"
    topic: Literal["patient"]
    patient_id: int
    pseudonym: str
    reason: str


class StaffTextMessage(_Stored):
    """Words for helpers: in a patient's topic, the topic a command came from, or the digest."""

    kind: Literal["staff_text"] = "staff_text"
    topic: StaffTopic
    html: str
    patient_id: int | None = None  # for the patient's topic
    thread_id: int | None = None  # for "thread" (None: the General topic)
    buttons: tuple[Button, ...] = ()
    reply_to: int | None = None  # the helper's message a receipt answers


class StaffPhotoMessage(_Stored):
    """A picture for a patient's topic (their status chart), with a caption."""

    kind: Literal["staff_photo"] = "staff_photo"
    topic: Literal["patient"]
    patient_id: int
    content_b64: str
    html: str


class RelayMessage(_Stored):
    """A patient's words for their helper; later words join it while nobody has sent it."""

    kind: Literal["relay"] = "relay"
    topic: Literal["patient"]
    patient_id: int
    texts: tuple[str, ...]


class RelayCopyMessage(_Stored):
    """A patient's photo, voice note or document, copied to their topic (so they stay anonymous)."""

    kind: Literal["relay_copy"] = "relay_copy"
    topic: Literal["patient"]
    patient_id: int
    from_chat_id: int
    message_id: int
    caption: str


class HelperReplyMessage(_Stored):
    """A helper's words for a patient, signed with the helper's alias."""

    kind: Literal["helper_reply"] = "helper_reply"
    thread_id: int | None
    staff_message_id: int
    patient_id: int
    html: str


class HelperCopyMessage(_Stored):
    """A helper's media for a patient, copied from the staff chat with a signed caption."""

    kind: Literal["helper_copy"] = "helper_copy"
    thread_id: int | None
    staff_message_id: int
    patient_id: int
    from_chat_id: int | None
    caption: str


OutboxPayload = Annotated[
    TextMessage
    | PhotoMessage
    | FileMessage
    | AlertMessage
    | HandoverMessage
    | StaffTextMessage
    | StaffPhotoMessage
    | RelayMessage
    | RelayCopyMessage
    | HelperReplyMessage
    | HelperCopyMessage,
    Field(discriminator="kind"),
]
# Messages a helper wrote for a patient: staff delivery sends them and answers with a receipt.
HelperMessage = HelperReplyMessage | HelperCopyMessage

_PAYLOADS: TypeAdapter[OutboxPayload] = TypeAdapter(OutboxPayload)


@dataclass(frozen=True)
class UnreadablePayload:
    """A stored payload no message kind describes: delivering it fails, as a broken row did."""

    problem: str  # where and why it did not fit, without the values (they may be a patient's)
    stored: Any = field(default=None, repr=False)  # as stored, for the patient's own export


class UnreadablePayloadError(ValueError):
    """Raised by a transport asked to deliver an unreadable payload."""


def dump_payload(payload: OutboxPayload) -> dict[str, Any]:
    """The message as the JSON stored in its outbox row."""
    stored: dict[str, Any] = _PAYLOADS.dump_python(payload, mode="json")
    return stored


def parse_payload(data: Any) -> OutboxPayload:
    """A stored row's JSON as its message; raises pydantic's ValidationError when none fits."""
    return _PAYLOADS.validate_python(data)


def read_payload(data: Any) -> OutboxPayload | UnreadablePayload:
    """A stored row's JSON as its message, or what was wrong with it (never raises)."""
    try:
        return parse_payload(data)
    except ValidationError as error:
        return UnreadablePayload(_problem(error), data)


def _problem(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or 'payload'}: {e['type']}"
        for e in error.errors(include_url=False, include_input=False)
    )
