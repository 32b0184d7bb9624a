"""Staff topics that belong to no patient ("Alerts", "Daily digest"): Telegram cannot list them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create staff_topics."""
    op.create_table(
        "staff_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_chat_key", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_topics")),
        sa.UniqueConstraint(
            "staff_chat_key", "purpose", name=op.f("uq_staff_topics_staff_chat_key_purpose")
        ),
    )


def downgrade() -> None:
    """Drop staff_topics."""
    op.drop_table("staff_topics")
