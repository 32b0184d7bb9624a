"""The outbox bell: a commit rings it, and whoever delivers the outbox hears it at once.

The unit of work wakes the sender after each commit, and the sender opens units of work: the bell
is made first and handed to both, so neither is given the other after it is built.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[], None]


class OutboxBell:
    """Rung after every commit; tells each listener that the outbox may have new messages."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def attach(self, listener: Listener) -> None:
        """Call `listener` on every ring from now on (the sender attaches its wake-up)."""
        self._listeners.append(listener)

    def ring(self) -> None:
        """Something was committed: wake every listener (cheap, safe to call from any commit)."""
        for listener in self._listeners:
            listener()
