"""What a scheduled item's care service tells the scheduler: it fired, it waits, or it drops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Fired:
    """The item did its work (or had nothing left to do)."""

    note: str | None = None


@dataclass(frozen=True)
class Wait:
    """The item should come back later, e.g. a release waiting for the previous module."""

    until: datetime
    note: str


@dataclass(frozen=True)
class Drop:
    """The item must not fire (unknown flow, no enrolment); the note says why."""

    note: str


Outcome = Fired | Wait | Drop
