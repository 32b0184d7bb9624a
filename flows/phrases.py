"""The few words the engine says by itself, per language, and how texts pick their language."""

from __future__ import annotations

from flows.model import LocalText

# Built-in wording for answers the researcher did not word. Falls back to English.
_PHRASES: dict[str, dict[str, str]] = {
    "yes": {"en": "Yes", "zh": "是"},
    "no": {"en": "No", "zh": "否"},
    "reprompt.buttons": {
        "en": "Sorry, I didn't catch that. Please tap one of the buttons.",
        "zh": "抱歉，我没看懂。请点一下下面的按钮。",
    },
    "reprompt.yes_no": {
        "en": "Sorry, I didn't catch that. Please answer yes or no.",
        "zh": "抱歉，我没看懂。请回答“是”或“否”。",
    },
    "reprompt.number": {
        "en": "Please send a number from {low} to {high}.",
        "zh": "请发送一个 {low} 到 {high} 之间的数字。",
    },
    "reprompt.text": {
        "en": "Could you say that in words, in under {limit} characters?",
        "zh": "可以用不超过 {limit} 个字的文字回答吗？",
    },
    "reprompt.time": {
        "en": "Please send a time of day, like 09:00 or 6pm.",
        "zh": "请发送一个时间，比如 09:00 或 18:30。",
    },
    "reprompt.date": {
        "en": "Please send a date, like 2026-03-14, or say today or tomorrow.",
        "zh": "请发送一个日期，比如 2026-03-14，或者说“今天”“明天”。",
    },
}


def localise(text: LocalText, language: str, default: str) -> str:
    """Pick the text for `language`, else the programme's default language, else any."""
    if isinstance(text, str):
        return text
    for code in (language, default):
        if code in text:
            return text[code]
    return next(iter(text.values()), "")


def phrase(key: str, language: str, **values: object) -> str:
    """A built-in phrase in `language` (English when we have no translation)."""
    options = _PHRASES[key]
    template = options.get(language, options["en"])
    return template.format(**values) if values else template
