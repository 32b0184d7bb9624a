"""The scheduled items' claim order as an index: the sweep takes the oldest due pending item by
(due_at, id); with only (status, due_at) PostgreSQL sorted every item sharing a due time (all
100,000 weekly releases fall due at once) on each claim.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 05:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index scheduled_items by (status, due_at, id) in place of (status, due_at)."""
    op.drop_index("ix_scheduled_items_status_due_at", table_name="scheduled_items")
    op.create_index("ix_scheduled_items_claim_order", "scheduled_items", ["status", "due_at", "id"])


def downgrade() -> None:
    """Back to (status, due_at)."""
    op.drop_index("ix_scheduled_items_claim_order", table_name="scheduled_items")
    op.create_index("ix_scheduled_items_status_due_at", "scheduled_items", ["status", "due_at"])
