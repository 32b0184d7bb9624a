"""Which processes run on this database, the leases they hold, and the updates they took in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

HOLDER_LENGTH = 64


class ProcessRow(Base):
    """One `daybreak run` process: alive while its heartbeat is recent."""

    __tablename__ = "processes"

    holder: Mapped[str] = mapped_column(sa.String(HOLDER_LENGTH), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]


class LeaseRow(Base):
    """A named lease (e.g. 'poller'): its holder keeps it while renewing before it expires."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(HOLDER_LENGTH))
    expires_at: Mapped[datetime]


class InboxUpdate(Base):
    """A Telegram update stored before Telegram was told it arrived; deleted once handled."""

    __tablename__ = "inbox_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    chat_key: Mapped[str] = mapped_column(sa.String(64), index=True)  # a keyed hash of the chat
    payload_enc: Mapped[bytes]  # the whole update, encrypted: it holds words and ids
    received_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(HOLDER_LENGTH))
    status: Mapped[str] = mapped_column(sa.String(8), default="pending")  # pending | parked
    last_error: Mapped[str | None] = mapped_column(sa.String(100))  # an exception's class only
