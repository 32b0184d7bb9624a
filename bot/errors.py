"""Failures the command line reports in one line instead of a traceback."""

from __future__ import annotations


class StartupError(Exception):
    """Daybreak cannot start as configured; the message says why and what to do."""


class Stopped(Exception):
    """`daybreak run` stopped because it could not go on; `exit_code` tells a service manager."""

    def __init__(self, message: str, exit_code: int) -> None:
        """Say why, and with which exit status the process ends."""
        super().__init__(message)
        self.exit_code = exit_code
