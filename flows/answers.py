"""Reading what a patient typed: words, numbers, times and dates.

Every parser returns None when the text does not fit, so the engine can reprompt kindly.
`flows.readers` puts them together into one reader per kind of question.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

# Typed words that mean yes or no, whatever the patient's language.
YES_WORDS = (
    *("yes", "y", "yeah", "yep", "ok", "okay", "sure", "true"),
    *("是", "是的", "好", "对", "嗯"),
)
NO_WORDS = (
    *("no", "n", "nope", "nah", "false"),
    *("不", "不是", "否", "没有", "不要"),
)
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_DAY_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1, "今天": 0, "明天": 1, "昨天": -1}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%B %d %Y")
# Dropped rather than spaced, so "dont know" and "don’t know" both match "don't know".
_APOSTROPHES = frozenset("'’‘`ʼ")


def normalise(text: str) -> str:
    """Fold case, width and surrounding space/punctuation; dots and commas inside are kept."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return folded.strip(" .!?。！？")


def fold(text: str) -> str:
    """Fold case, width, punctuation and spacing, so words match a label as people type it."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = (_fold_character(character) for character in folded if character not in _APOSTROPHES)
    return " ".join("".join(kept).split())


def _fold_character(character: str) -> str:
    return " " if unicodedata.category(character).startswith("P") else character


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


def parse_whole(text: str) -> int | None:
    """A whole number written as one ("3", " 3. ", "3.0"); None for words, fractions or nothing."""
    value = parse_number(text, None, None)
    return value if isinstance(value, int) else None


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
