"""Durations as people write them: ISO 8601 (`P7D`, `PT30S`) or short forms (`7d`, `10m`)."""

import re
from datetime import timedelta

from pydantic import TypeAdapter, ValidationError

_SHORT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
# pydantic already parses ISO 8601 durations; we only add the short forms on top.
_ISO = TypeAdapter(timedelta)

DURATION_HINT = "expected an ISO 8601 duration like P7D or PT30S, or a short form like 7d, 10m, 30s"


def parse_duration(text: str) -> timedelta:
    """Parse a positive duration; raise ValueError naming the accepted forms."""
    short = _SHORT.match(text)
    if short:
        value = timedelta(seconds=float(short.group(1)) * _UNIT_SECONDS[short.group(2).lower()])
    elif text.strip().upper().startswith("P"):
        try:
            value = _ISO.validate_python(text.strip().upper())
        except ValidationError:
            raise ValueError(DURATION_HINT) from None
    else:
        raise ValueError(DURATION_HINT)
    if value <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return value
