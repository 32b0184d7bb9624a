"""Failures the command line reports in one line instead of a traceback."""

from __future__ import annotations


class StartupError(Exception):
    """Daybreak cannot start as configured; the message says why and what to do."""
