"""The audit log's hash chain: each row is sealed over the seal before it and its own content.

A seal is a keyed hash (storage.crypto.FieldCipher.chain_seal), so someone who can write to the
database but has no key cannot forge one: an edited row fails its own seal, a removed row makes
the next row point at a seal that is no longer there. Cutting rows off the end leaves a shorter
chain that still verifies; `daybreak audit verify` prints the row count and the last seal so an
operator can note them elsewhere and notice that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.models import AuditEntry

GENESIS = "0" * 64  # what the first row is chained to
# One number for PostgreSQL's transaction lock: appends take turns, so the chain never forks.
CHAIN_LOCK = 0x0DA7B4EA_4D17
BATCH = 1000


def canonical(entry: Any) -> bytes:
    """The bytes a row's seal covers: every column except the seals, in one fixed form."""
    content = {
        "id": entry.id,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(cipher: FieldCipher, previous: str, entry: Any) -> str:
    """The seal of `entry` when the row before it was sealed `previous`."""
    return cipher.chain_seal(previous, canonical(entry))


@dataclass(frozen=True)
class ChainReport:
    """What verifying the chain found: rows checked, the last good seal, and the first break."""

    rows: int
    head: str
    broken_row: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        """True when every row's seal holds."""
        return self.broken_row is None


async def verify_chain(session: AsyncSession, cipher: FieldCipher) -> ChainReport:
    """Check every audit row in order; stop at the first one whose seal does not hold."""
    previous, count, last_id = GENESIS, 0, 0
    columns = sa.inspect(AuditEntry).columns
    while True:
        stmt = sa.select(*columns).where(AuditEntry.id > last_id).order_by(AuditEntry.id)
        batch = (await session.execute(stmt.limit(BATCH))).all()
        for entry in batch:
            reason = _fault(cipher, previous, entry)
            if reason is not None:
                return ChainReport(count, previous, entry.id, reason)
            previous, count = entry.row_hash, count + 1
        if len(batch) < BATCH:
            return ChainReport(count, previous)
        last_id = batch[-1].id


def _fault(cipher: FieldCipher, previous: str, entry: Any) -> str | None:
    if entry.row_hash is None:
        return "it has no seal: it was added or changed outside Daybreak"
    if entry.prev_hash != previous:
        return "the row before it was removed, added or changed"
    if seal(cipher, previous, entry) != entry.row_hash:
        return "its content was changed after it was written"
    return None


async def chain_onto_previous(session: AsyncSession, cipher: FieldCipher, entry_id: int) -> str:
    """The seal a new row `entry_id` chains onto (sealing rows from before the chain, once)."""
    stmt = sa.select(AuditEntry.row_hash).where(AuditEntry.id < entry_id)
    found = (await session.execute(stmt.order_by(AuditEntry.id.desc()).limit(1))).first()
    if found is None:
        return GENESIS
    if found.row_hash is not None:
        return str(found.row_hash)
    sealed = sa.select(AuditEntry.id).where(AuditEntry.row_hash.is_not(None)).limit(1)
    if await session.scalar(sealed) is not None:
        # An unsealed row after sealed ones is tampering: chain past it, verify names it.
        return ""
    return await _seal_rows_from_before_the_chain(session, cipher, entry_id)


async def _seal_rows_from_before_the_chain(
    session: AsyncSession, cipher: FieldCipher, entry_id: int
) -> str:
    # Rows written before the chain existed are sealed as they stand, the first time any row is
    # appended: from then on they are protected like the rest.
    previous, last_id = GENESIS, 0
    columns = sa.inspect(AuditEntry).columns
    while True:
        stmt = sa.select(*columns).where(AuditEntry.id > last_id, AuditEntry.id < entry_id)
        batch = (await session.execute(stmt.order_by(AuditEntry.id).limit(BATCH))).all()
        for entry in batch:
            row_hash = seal(cipher, previous, entry)
            await session.execute(
                sa.update(AuditEntry)
                .where(AuditEntry.id == entry.id)
                .values(prev_hash=previous, row_hash=row_hash)
                .execution_options(synchronize_session=False)
            )
            previous = row_hash
        if len(batch) < BATCH:
            return previous
        last_id = batch[-1].id
