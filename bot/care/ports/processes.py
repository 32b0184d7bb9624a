"""The processes running on one database and the leases they hold (one poller at a time)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Protocol


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
