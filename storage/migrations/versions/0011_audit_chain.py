"""The audit log is sealed in a hash chain and names patients by a random audit reference.

Erasure tombstones get their table. Entries that named a patient by pseudonym are moved to the
patient's new reference here; their seals are made by the application (the key is not known to
a migration) when the next entry is appended.

Revision ID: 0011_audit_chain
Revises: 0009
Create Date: 2026-12-04 13:30:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_audit_chain"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_patients = sa.table("patients", sa.column("id"), sa.column("pseudonym"), sa.column("audit_ref"))
_audit = sa.table("audit_log", sa.column("target"), sa.column("actor"))


def upgrade() -> None:
    """Add the seals, the audit reference and the tombstones; move entries to references."""
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.add_column("patients", sa.Column("audit_ref", sa.String(length=16), nullable=True))
    op.create_index(op.f("ix_patients_audit_ref"), "patients", ["audit_ref"], unique=True)
    op.create_table(
        "erasure_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_tombstones")),
        sa.UniqueConstraint("mark", name=op.f("uq_erasure_tombstones_mark")),
    )
    _move_entries_to_references()


def _move_entries_to_references() -> None:
    connection = op.get_bind()
    named = sa.select(_audit.c.target).where(_audit.c.target.is_not(None)).distinct()
    targets = set(connection.execute(named).scalars())
    for patient_id, pseudonym in connection.execute(
        sa.select(_patients.c.id, _patients.c.pseudonym)
    ):
        actor = f"patient:{pseudonym}"
        acted = connection.execute(
            sa.select(_audit.c.actor).where(_audit.c.actor == actor).limit(1)
        )
        if pseudonym not in targets and acted.first() is None:
            continue
        reference = secrets.token_hex(8)
        connection.execute(
            _patients.update().where(_patients.c.id == patient_id).values(audit_ref=reference)
        )
        connection.execute(
            _audit.update().where(_audit.c.target == pseudonym).values(target=reference)
        )
        connection.execute(
            _audit.update().where(_audit.c.actor == actor).values(actor=f"patient:{reference}")
        )


def downgrade() -> None:
    """Drop the tombstones, the reference and the seals (entries keep the references)."""
    op.drop_table("erasure_tombstones")
    op.drop_index(op.f("ix_patients_audit_ref"), table_name="patients")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `patients` would fire its foreign keys.
    op.drop_column("patients", "audit_ref")
    op.drop_column("audit_log", "row_hash")
    op.drop_column("audit_log", "prev_hash")
