"""Patients, their identities, consents, enrolments, staff and support topics."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, patient_fk


class Patient(Base):
    """A person in the programme, known to staff only by pseudonym."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(sa.String(16), unique=True)
    alias_enc: Mapped[bytes | None]
    language: Mapped[str] = mapped_column(sa.String(16), default="en")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    preferred_time: Mapped[str] = mapped_column(sa.String(5), default="09:00")
    care_mode: Mapped[str | None] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    created_at: Mapped[datetime]
    last_active_at: Mapped[datetime | None]
    study_site: Mapped[str | None] = mapped_column(sa.String(64))
    daily_checkin: Mapped[bool] = mapped_column(default=False)
    # Random, made at the first audit entry about the patient: the audit log names this, and
    # deleting the row at /forget leaves those entries pointing at nobody.
    audit_ref: Mapped[str | None] = mapped_column(sa.String(16), index=True, unique=True)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'completed', 'withdrawn', 'blocked')", name="status"
        ),
        sa.CheckConstraint("care_mode IN ('guided', 'unguided')", name="care_mode"),
    )


class MessengerIdentity(Base):
    """A patient's account on one messenger; ids stored encrypted, found by blind index."""

    __tablename__ = "messenger_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk(), index=True)
    messenger: Mapped[str] = mapped_column(sa.String(16))
    external_id_enc: Mapped[bytes]
    external_id_index: Mapped[str] = mapped_column(sa.String(64))
    chat_id_enc: Mapped[bytes | None]
    created_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("messenger", "external_id_index"),)


class Consent(Base):
    """One answer to one revision of the consent text."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk(), index=True)
    text_revision: Mapped[str] = mapped_column(sa.String(64))
    agreed: Mapped[bool]
    at: Mapped[datetime]


class Enrolment(Base):
    """A patient's place in a programme."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk(), index=True)
    programme: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[datetime]
    current_module: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    release_policy: Mapped[str] = mapped_column(sa.String(32), default="weekly")


class StaffMember(Base):
    """A helper, known by a blind index of their Telegram user id and an alias."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_index: Mapped[str] = mapped_column(sa.String(64), unique=True)
    alias: Mapped[str] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class SupportTopic(Base):
    """The staff forum topic that belongs to one patient (Telegram cannot list them)."""

    __tablename__ = "support_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk(), index=True)
    staff_chat_key: Mapped[str] = mapped_column(sa.String(64))
    thread_id: Mapped[int] = mapped_column(sa.BigInteger)
    name: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime]

    __table_args__ = (
        sa.UniqueConstraint("patient_id", "staff_chat_key"),
        sa.UniqueConstraint("staff_chat_key", "thread_id"),
    )


class StaffTopic(Base):
    """A staff forum topic that belongs to no patient: "Alerts", "Daily digest"."""

    __tablename__ = "staff_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_chat_key: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str] = mapped_column(sa.String(32))
    thread_id: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("staff_chat_key", "purpose"),)
