"""An index for the outbox's per-target order: the sender's claim looks up, for each due message,
whether an earlier pending one for the same target exists; without it that scanned every message
the target ever had (sent ones included).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index outbox by (target_key, status, priority, seq)."""
    op.create_index(
        op.f("ix_outbox_target_order"),
        "outbox",
        ["target_key", "status", "priority", "seq"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(op.f("ix_outbox_target_order"), table_name="outbox")
