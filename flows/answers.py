"""Reading a patient's typed answer: numbers, yes/no, times, dates and button labels.

Every parser returns None when the answer does not fit, so the engine can reprompt kindly.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

_YES = {"yes", "y", "yeah", "yep", "ok", "okay", "sure", "true", "是", "是的", "好", "对", "嗯"}
_NO = {"no", "n", "nope", "nah", "false", "不", "不是", "否", "没有", "不要"}
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_DAY_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1, "今天": 0, "明天": 1, "昨天": -1}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%B %d %Y")


def normalise(text: str) -> str:
    """Fold case, width and surrounding space/punctuation so labels match as people type them."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return folded.strip(" .!?。！？")


def parse_yes_no(text: str) -> bool | None:
    """Yes → True, no → False, anything else → None."""
    word = normalise(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def looks_numeric(text: str) -> bool:
    """True when the answer is written as a number (whether or not it is in range)."""
    try:
        float(normalise(text).replace(",", "."))
    except ValueError:
        return False
    return True


def parse_number(text: str, low: float | None, high: float | None) -> int | float | None:
    """A number within [low, high]; whole numbers come back as int."""
    cleaned = normalise(text).replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return int(value) if value.is_integer() else value


def parse_time(text: str) -> str | None:
    """A time of day as HH:MM (accepts 9, 9am, 9:30, 21.30, 9h30)."""
    match = _TIME.match(normalise(text).replace(" ", ""))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_date(text: str, today: date) -> str | None:
    """A date as YYYY-MM-DD; accepts today/tomorrow/yesterday and common written forms."""
    word = normalise(text)
    if word in _DAY_WORDS:
        return (today + timedelta(days=_DAY_WORDS[word])).isoformat()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(word.replace(",", ""), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def match_label(text: str, labels: list[str]) -> int | None:
    """The index of the button whose label (or number, 1-based) the patient typed."""
    typed = normalise(text)
    for index, label in enumerate(labels):
        if normalise(label) == typed:
            return index
    # isdecimal, not isdigit: "፩" or "²" are digits int() cannot read; a long number is no button.
    if typed.isdecimal() and len(typed) <= 3 and 1 <= int(typed) <= len(labels):
        return int(typed) - 1
    return None
