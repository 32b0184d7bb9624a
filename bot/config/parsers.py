"""Config constants and the small parsers settings use (times, windows, keys)."""

from __future__ import annotations

import base64
import binascii
import importlib.util
import os
import re
from datetime import time
from pathlib import Path

ENV_PREFIX = "DAYBREAK_"
ENV_DELIMITER = "__"
CONFIG_ENV = "DAYBREAK_CONFIG"
# DAYBREAK_ variables that are not settings: the config file's path, and the test suite's own.
NOT_SETTINGS = frozenset(
    {CONFIG_ENV, "DAYBREAK_REQUIRE_POSTGRES", "DAYBREAK_TEST_POSTGRES_URL", "DAYBREAK_CRASH_SEED"}
)
DEFAULT_CONFIG_FILE = Path("config.toml")

# Telegram's documented caps: ~30 messages/s overall, up to 1000/s with paid broadcasts.
FREE_GLOBAL_RATE = 30.0
PAID_GLOBAL_RATE = 1000.0

TIME_EXPECTED = "expected a time of day like 09:00 (24-hour HH:MM)"
WINDOW_EXPECTED = 'expected a time window like "21:00-08:00", or "" for none'
KEY_EXPECTED = "expected url-safe base64 of 32 bytes"


class ConfigError(Exception):
    """Bad configuration; str() is one line per problem, safe to show (no secret values)."""


# ---------------------------------------------------------------- reusable parsers

# Durations are parsed by the flow language's parser, so config and flows read them alike.

_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")


def parse_time(text: str) -> time:
    """Parse a 24-hour time of day such as "09:00" or "21:30:15"."""
    found = _TIME.fullmatch(text.strip())
    if not found:
        raise ValueError(TIME_EXPECTED)
    hour, minute, second = (int(found[g] or 0) for g in ("h", "m", "s"))
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(TIME_EXPECTED)
    return time(hour, minute, second)


def parse_time_window(text: str) -> tuple[time, time] | None:
    """Parse "21:00-08:00" into (start, end); the window may wrap midnight; "" means none."""
    if not text.strip():
        return None
    parts = re.split(r"\s*[-–]\s*", text.strip())
    if len(parts) != 2:
        raise ValueError(WINDOW_EXPECTED)
    try:
        start, end = parse_time(parts[0]), parse_time(parts[1])
    except ValueError:
        raise ValueError(WINDOW_EXPECTED) from None
    if start == end:
        raise ValueError(f"{WINDOW_EXPECTED}; start and end must differ")
    return start, end


def decode_data_key(text: str) -> bytes:
    """Decode a url-safe base64 data key into its 32 raw bytes; the error never quotes the key."""
    padded = text.strip() + "=" * (-len(text.strip()) % 4)
    try:
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{KEY_EXPECTED}; it is not valid base64") from None
    if len(raw) != 32:
        raise ValueError(f"{KEY_EXPECTED}; it decodes to {len(raw)} bytes")
    return raw


def default_programme_path() -> Path:
    # find_spec locates the package without executing flows/__init__.py (cheap, no side effects).
    spec = importlib.util.find_spec("flows")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the flows package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "programme"


def default_cache_dir() -> Path:
    """The user's cache folder (XDG), where the checked programme is kept between starts."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "daybreak"


def check_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")
