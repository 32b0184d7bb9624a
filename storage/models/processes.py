"""Which processes run on this database, and the leases they hold (e.g. the one poller)."""

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
