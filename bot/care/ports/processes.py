"""The processes on one database, the leases they hold (one poller), the updates they took in."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


class ProcessRepository(Protocol):
    """Each `daybreak run` registers and heartbeats; a process is live while its beat is recent."""

    async def heartbeat(self, holder: str, role: str) -> None:
        """Record that `holder` (in `role`: 'poller', 'standby', 'webhook') is alive now."""

    async def live_holders(self, within: timedelta) -> set[str]:
        """The holders whose last heartbeat is younger than `within`."""

    async def forget(self, holder: str) -> None:
        """Remove a process that stopped cleanly."""

    async def forget_dead(self, older_than: timedelta) -> int:
        """Remove processes silent for longer than `older_than`; return how many."""


class LeaseRepository(Protocol):
    """Named leases: a lease is held until it expires, and never taken from a live holder."""

    async def acquire(self, name: str, holder: str, ttl: timedelta, live: Collection[str]) -> bool:
        """Take (or keep) the lease for `ttl`; True when `holder` holds it now.

        A lease is taken only when it is free, or expired and its holder is not in `live`.
        """

    async def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Extend the lease `holder` holds; False when it no longer holds it (it was lost)."""

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up at once (a clean stop), if `holder` holds it."""

    async def holder(self, name: str) -> tuple[str, datetime] | None:
        """Who holds the lease and until when, or None."""


@dataclass(frozen=True)
class StoredUpdate:
    """An update from the inbox, as the messenger sent it, with how often it was tried."""

    id: int
    update_id: int
    payload: dict[str, Any]
    attempts: int


class InboxRepository(Protocol):
    """Updates kept from arrival until handled: in order per chat, retried, parked if poison."""

    async def store(self, updates: Sequence[tuple[int, int, dict[str, Any]]]) -> int:
        """Keep (update id, chat id, payload) triples, skipping ids kept already; how many new."""

    async def claim(self, holder: str, limit: int, lease: timedelta) -> list[StoredUpdate]:
        """Lease each chat's oldest pending update when no update of that chat is leased."""

    async def done(self, ids: Collection[int]) -> None:
        """Forget handled updates."""

    async def retry(self, update_row: int, error: str, at: datetime, *, count: bool) -> None:
        """Try again at `at`; `count` the attempt unless the failure was not the update's own."""

    async def park(self, update_row: int, error: str) -> None:
        """Set aside an update that keeps failing; its chat's later updates go on."""

    async def count_parked(self) -> int:
        """How many updates are parked."""

    async def oldest_pending(self) -> datetime | None:
        """When the oldest update still waiting arrived, or None."""

    async def release_abandoned(self, live_holders: Collection[str]) -> int:
        """Make updates leased by processes not in `live_holders` due at once; how many."""


@dataclass(frozen=True)
class HealthFigures:
    """What an operator needs to see the bot is working: counts and times, never data."""

    last_update_at: datetime | None  # the newest update handled
    outbox_pending: int
    oldest_pending_at: datetime | None  # when the oldest message still to send was committed
    alerts_pending: int  # safety messages for the staff chat not yet delivered
    oldest_due_at: datetime | None  # the oldest scheduled item due and not yet done
    inbox_pending: int
    inbox_parked: int


class HealthRepository(Protocol):
    """The figures `daybreak status` and `/healthz` report."""

    async def figures(self) -> HealthFigures:
        """Read them now."""
