"""Outbox rows may target a bare chat ('chat'): the goodbye after /forget has no patient left.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "target_kind IN ('patient', 'staff')"
_NEW = "target_kind IN ('patient', 'staff', 'chat')"


def _replace(condition: str) -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_target_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_target_kind"), condition)


def upgrade() -> None:
    """Allow the 'chat' target kind."""
    _replace(_NEW)


def downgrade() -> None:
    """Forbid it again (fails while such rows exist)."""
    _replace(_OLD)
