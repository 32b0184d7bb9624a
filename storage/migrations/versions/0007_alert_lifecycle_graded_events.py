"""Alerts are resolved (by whom, with what outcome, an encrypted note) and belong to one adverse
event; adverse events carry ICH E2A / E6(R2) grading and keep their pseudonym after /forget.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Literal copies of the vocabularies in storage/models/safety.py: later model changes must not
# rewrite what this revision did.
_GRADES = {
    "severity": ("mild", "moderate", "severe"),
    "seriousness": ("serious", "non_serious"),
    "serious_criterion": (
        "death",
        "life_threatening",
        "hospitalisation",
        "disability",
        "congenital_anomaly",
        "medically_important",
    ),
    "relatedness": ("not_related", "unlikely", "possibly", "probably", "definitely"),
    "expectedness": ("expected", "unexpected"),
    "outcome": ("ongoing", "resolved", "resolved_with_sequelae", "unknown"),
}
_GRADE_LENGTHS = {"serious_criterion": 32, "outcome": 32}
_RESOLUTIONS = ("safe", "referred", "emergency", "unreachable", "false_alarm")
_OLD_STATUS = "status IN ('open', 'acknowledged', 'closed')"
_NEW_STATUS = "status IN ('open', 'acknowledged', 'resolved', 'closed')"


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    """Add the grading to adverse events, then the life cycle and the event link to alerts."""
    # adverse_events first: on SQLite a rebuild of a table that alerts already points at would
    # run ON DELETE SET NULL on every link.
    with op.batch_alter_table("adverse_events") as batch:
        batch.add_column(sa.Column("pseudonym", sa.String(length=16), nullable=True))
        for column, values in _GRADES.items():
            length = _GRADE_LENGTHS.get(column, 16)
            batch.add_column(sa.Column(column, sa.String(length=length), nullable=True))
            batch.create_check_constraint(
                op.f(f"ck_adverse_events_{column}"), _one_of(column, values)
            )
        batch.add_column(sa.Column("reviewer", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(op.f("ix_adverse_events_reviewed_at"), ["reviewed_at"], unique=False)
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("pseudonym", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("adverse_event_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("resolution_note_enc", sa.LargeBinary(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_alerts_adverse_event_id_adverse_events"),
            "adverse_events",
            ["adverse_event_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_alerts_adverse_event_id"), ["adverse_event_id"], unique=False)
        batch.drop_constraint(op.f("ck_alerts_status"), type_="check")
        batch.create_check_constraint(op.f("ck_alerts_status"), _NEW_STATUS)
        batch.create_check_constraint(
            op.f("ck_alerts_resolution"), _one_of("resolution", _RESOLUTIONS)
        )
    _backfill()


def _backfill() -> None:
    """Pseudonyms from the patients still here; alerts linked to the event that logged them."""
    for table in ("alerts", "adverse_events"):
        op.execute(
            f"UPDATE {table} SET pseudonym = (SELECT patients.pseudonym FROM patients "
            f"WHERE patients.id = {table}.patient_id) WHERE patient_id IS NOT NULL"
        )
    bind = op.get_bind()
    # The old log wrote an "alert_opened" row naming its alert in `detail` (JSON, read portably
    # here rather than with each backend's own JSON operators).
    rows = bind.execute(
        sa.text("SELECT id, detail FROM adverse_events WHERE response = 'alert_opened'")
    ).all()
    link = sa.text("UPDATE alerts SET adverse_event_id = :event WHERE id = :alert")
    for event_id, detail in rows:
        data = json.loads(detail) if isinstance(detail, str) else detail or {}
        if isinstance(data.get("alert_id"), int):
            bind.execute(link, {"event": event_id, "alert": data["alert_id"]})


def downgrade() -> None:
    """Drop the life cycle and the grading (resolved alerts count as closed again)."""
    op.execute("UPDATE alerts SET status = 'closed' WHERE status = 'resolved'")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint(op.f("ck_alerts_resolution"), type_="check")
        batch.drop_constraint(op.f("ck_alerts_status"), type_="check")
        batch.create_check_constraint(op.f("ck_alerts_status"), _OLD_STATUS)
        batch.drop_index(op.f("ix_alerts_adverse_event_id"))
        batch.drop_constraint(op.f("fk_alerts_adverse_event_id_adverse_events"), type_="foreignkey")
        for column in (
            "resolution_note_enc",
            "resolution",
            "resolved_at",
            "resolved_by",
            "adverse_event_id",
            "pseudonym",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("adverse_events") as batch:
        batch.drop_index(op.f("ix_adverse_events_reviewed_at"))
        for column in _GRADES:
            batch.drop_constraint(op.f(f"ck_adverse_events_{column}"), type_="check")
        for column in ("reviewed_at", "reviewer", *reversed(_GRADES), "pseudonym"):
            batch.drop_column(column)
