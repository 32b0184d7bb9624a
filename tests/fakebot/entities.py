"""Telegram's HTML parse mode: allowed tags, well-formedness, resulting text and entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,8}|[a-zA-Z]+);")
_START = re.compile(r"<([a-zA-Z0-9-]*)")
_ATTR = re.compile(r"\s+([a-zA-Z0-9_-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_START_END = re.compile(r"\s*>")
_END = re.compile(r"</([a-zA-Z0-9-]*)\s*>")


class EntityError(ValueError):
    """HTML that Telegram refuses: the message is "can't parse entities: ..."."""


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    offset: int
    entity: dict[str, Any] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities of `text` in HTML mode; raises EntityError like Telegram."""
    parser = _Parser(text)
    parser.run()
    return "".join(parser.out), sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def run(self) -> None:
        i, text = 0, self.text
        while i < len(text):
            ch = text[i]
            if ch == "&":
                i = self.entity(i)
            elif ch == "<" and text.startswith("</", i):
                i = self.end_tag(i)
            elif ch == "<":
                i = self.start_tag(i)
            else:
                nxt = min(
                    (p for p in (text.find("<", i), text.find("&", i)) if p >= 0), default=len(text)
                )
                self.emit(text[i:nxt])
                i = nxt
        if self.stack:
            raise EntityError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )

    def entity(self, i: int) -> int:
        match = _ENTITY.match(self.text, i)
        decoded = _decode(match.group(1)) if match else None
        if match is None or decoded is None:
            self.emit("&")  # Telegram keeps an unknown entity as literal text
            return i + 1
        self.emit(decoded)
        return match.end()

    def start_tag(self, i: int) -> int:
        match = _START.match(self.text, i)
        name = match.group(1).lower() if match else ""
        if name not in KINDS:
            raise EntityError(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(i)}'
            )
        attrs, j = {}, match.end() if match else i + 1
        while attr := _ATTR.match(self.text, j):
            value = (attr.group(2) or "").strip("\"'")
            attrs[attr.group(1).lower()] = parse_html_value(value)
            j = attr.end()
        close = _START_END.match(self.text, j)
        if close is None:
            raise EntityError(f"Unclosed start tag at byte offset {self.byte_offset(i)}")
        self.check_attrs(name, attrs, i)
        self.stack.append(_Open(name, attrs, self.pos16))
        return close.end()

    def check_attrs(self, name: str, attrs: dict[str, str], i: int) -> None:
        at = self.byte_offset(i)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityError(f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {at}')
        if name == "blockquote" and any(o.tag == "blockquote" for o in self.stack):
            raise EntityError(f"Blockquote entities can't be nested (byte offset {at})")

    def end_tag(self, i: int) -> int:
        match = _END.match(self.text, i)
        at = self.byte_offset(i)
        if match is None:
            raise EntityError(f"Unclosed end tag at byte offset {at}")
        name = match.group(1).lower()
        if not self.stack:
            raise EntityError(f"Unexpected end tag at byte offset {at}")
        top = self.stack.pop()
        if top.tag != name:
            raise EntityError(
                f'Unmatched end tag at byte offset {at}, expected "</{top.tag}>", found "</{name}>"'
            )
        self.close(top)
        return match.end()

    def close(self, top: _Open) -> None:
        length = self.pos16 - top.offset
        kind = KINDS[top.tag]
        language = top.attrs.get("class", "")
        if (
            kind == "code"
            and self.stack
            and self.stack[-1].tag == "pre"
            and language.startswith("language-")
        ):
            self.stack[-1].entity["language"] = language.removeprefix("language-")
            return
        if length == 0:
            return
        entity: dict[str, Any] = {
            "type": kind,
            "offset": top.offset,
            "length": length,
            **top.entity,
        }
        if kind == "text_link":
            entity["url"] = top.attrs.get("href", "")
        if kind == "custom_emoji":
            entity["custom_emoji_id"] = top.attrs["emoji-id"]
        if kind == "blockquote" and "expandable" in top.attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def _decode(body: str) -> str | None:
    if body.startswith("#"):
        number = int(body[2:], 16) if body[1:2] in "xX" and len(body) > 2 else int(body[1:])
        return chr(number) if 0 < number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF else None
    return NAMED.get(body)


def parse_html_value(value: str) -> str:
    """An attribute value with its HTML entities decoded."""
    return _ENTITY.sub(lambda m: _decode(m.group(1)) or m.group(0), value)


def strip_html(text: str) -> str:
    """The text a user sees for an HTML message (raises EntityError for HTML Telegram refuses)."""
    return parse_html(text)[0]
