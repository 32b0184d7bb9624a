"""What every repository shares: a session, a clock, and dialect-aware inserts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Repository:
    """A repository works inside the caller's transaction and never commits."""

    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        """Bind to one session and a clock."""
        self.session = session
        self.clock = clock

    @property
    def dialect_name(self) -> str:
        """Return 'sqlite' or 'postgresql'."""
        return self.session.get_bind().dialect.name

    def insert(self, table: Any) -> Any:
        """Return a dialect insert that supports ON CONFLICT on both backends."""
        return dialect_insert(self.dialect_name, table)


def dialect_insert(dialect_name: str, table: Any) -> Any:
    """An insert that supports ON CONFLICT on the named backend ('sqlite' or 'postgresql')."""
    # Both dialects spell ON CONFLICT the same way, but the constructs are separate classes.
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class EncryptedRepository(Repository):
    """A repository that reads or writes encrypted columns."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher, clock: Clock = utcnow) -> None:
        """Bind to one session, the field cipher and a clock."""
        super().__init__(session, clock)
        self.cipher = cipher

    def seal(self, value: str | None, purpose: str) -> bytes | None:
        """Encrypt optional text."""
        return None if value is None else self.cipher.encrypt_text(value, purpose)

    def open(self, token: bytes | None, purpose: str) -> str | None:
        """Decrypt optional text."""
        return None if token is None else self.cipher.decrypt_text(token, purpose)
