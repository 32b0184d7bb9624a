"""Logging set-up. Log lines carry pseudonyms and row ids only: never message text, names,
messenger ids or tokens (the care layer is written that way; this module keeps libraries quiet)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from bot.config import LoggingSettings

# Libraries that would otherwise log request URLs (which contain the bot token) or payloads.
_QUIET_LIBRARIES = ("aiogram.event", "aiohttp.access", "apscheduler", "sqlalchemy.engine")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        entry: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: LoggingSettings, *, quiet: bool = False) -> None:
    """Configure the root logger; `quiet` (the terminal chat) shows only warnings and worse."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else settings.level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    # A tick that finds the last sweep still running is skipped by design (one at a time);
    # APScheduler warns of each, twice a second while the database is slow.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
