"""Questionnaire results keep their unscored items (the PHQ-9's difficulty question) apart from
the scored ones, so `item_scores` stays the items the total is the sum of.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add questionnaire_results.unscored_items (JSON; None on the results kept before)."""
    op.add_column("questionnaire_results", sa.Column("unscored_items", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop questionnaire_results.unscored_items."""
    with op.batch_alter_table("questionnaire_results") as batch:
        batch.drop_column("unscored_items")
