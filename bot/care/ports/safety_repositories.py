"""The safety, staff, messaging and scheduling repositories, with exactly the methods called.

Care calls most of them; the sender settles the outbox and the scheduler sweeps scheduled items
through the same ports.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.care.messages import OutboxPayload
from bot.care.ports.records import (
    AdverseEvent,
    Alert,
    ScheduledItem,
    StaffMember,
    SupportTopic,
)
from bot.care.ports.values import (
    PRIORITY_INTERACTIVE,
    DueItem,
    EventSummary,
    Grade,
    OutgoingMessage,
)


class AdverseEventRepository(Protocol):
    """The adverse events care reads and writes."""

    async def for_alert(
        self, patient_id: int, trigger: str, detail: dict[str, Any] | None = None
    ) -> AdverseEvent:
        """The event a new alert belongs to: the ongoing one, else a new one it opens."""

    async def pathway_started(
        self, patient_id: int, trigger: str, detail: dict[str, Any] | None = None
    ) -> AdverseEvent:
        """The safety pathway started: log it on the ongoing event, or open one for it."""

    async def get(self, event_id: int) -> AdverseEvent | None:
        """Return an event by id."""

    async def list_unreviewed(self, limit: int = 20) -> Sequence[AdverseEvent]:
        """Events nobody has graded yet, oldest first."""

    async def count_unreviewed(self) -> int:
        """How many events wait for grading."""

    async def grade(self, event_id: int, grade: Grade, reviewer: str) -> AdverseEvent | None:
        """Store a reviewer's grading (a later grading replaces it); None if there is no event."""

    async def export(self) -> Sequence[EventSummary]:
        """Every event, oldest first, with its linked alerts counted and how they ended."""


class AlertRepository(Protocol):
    """The alerts care reads and writes."""

    async def open(
        self,
        patient_id: int | None,
        reason: str,
        level: str,
        detail: dict[str, Any] | None = None,
        *,
        adverse_event_id: int | None = None,
    ) -> Alert:
        """Open a new alert (part of a safety event when `adverse_event_id` is given)."""

    async def get(self, alert_id: int) -> Alert | None:
        """Return an alert by id."""

    async def acknowledge(self, alert_id: int, by: str) -> bool:
        """Mark an open alert acknowledged by a staff alias; False if it was not open."""

    async def resolve(
        self, alert_id: int, by: str, resolution: str, note: str | None = None
    ) -> bool:
        """Resolve an unresolved alert with an outcome (acknowledging it too if nobody had)."""

    async def set_note(self, alert_id: int, note: str | None) -> None:
        """Keep (or, with None, erase) the helper's note on how an alert ended."""

    async def list_unresolved(self) -> Sequence[Alert]:
        """Open and acknowledged alerts, oldest first."""

    async def count_unresolved(self, patient_id: int) -> int:
        """How many of a patient's alerts are open or acknowledged."""

    async def list_for_event(self, event_id: int) -> Sequence[Alert]:
        """The alerts of one safety event, oldest first."""

    async def close(self, alert_id: int) -> None:
        """Close an alert."""

    async def mark_reposted(self, alert_id: int) -> None:
        """Record that an unacknowledged alert was posted again."""

    async def unacknowledged_since(self, before: datetime) -> Sequence[Alert]:
        """Return open alerts last posted before `before` (due for a repost)."""

    async def list_for_patient(self, patient_id: int) -> Sequence[Alert]:
        """Return every alert about a patient."""


class AuditRepository(Protocol):
    """The audit care reads and writes."""

    async def append(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record who (staff alias, 'system', 'patient:<pseudonym>') did what to whom."""

    def keyed_actor(self, role: str, messenger: str, external_id: str | int) -> str:
        """Name someone outside the programme by a keyed hash of their account, never the id."""


class InboundEventRepository(Protocol):
    """The inbound care reads and writes."""

    async def seen(self, event_key: str) -> bool:
        """Record the key; return True when it was already recorded (a duplicate)."""

    async def prune(self, before: datetime) -> int:
        """Forget keys older than `before` (redeliveries never come that late)."""


class OutboxRepository(Protocol):
    """The outbox care reads and writes."""

    async def pending_for_target(self, target_key: str) -> Sequence[OutgoingMessage]:
        """Return a target's pending messages in delivery order (for a single-user terminal)."""

    async def mark_sent(self, message_id: int, telegram_message_id: int | None = None) -> None:
        """Record a delivered message."""

    async def enqueue(
        self,
        *,
        target_kind: str,
        target_key: str,
        payload: OutboxPayload,
        priority: int = PRIORITY_INTERACTIVE,
        patient_id: int | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Queue a message for a target (e.g. 'patient:12', 'staff:-100:7'); return its id."""

    async def last_unclaimed(
        self, target_key: str, patient_id: int, priority: int = PRIORITY_INTERACTIVE
    ) -> OutgoingMessage | None:
        """The last pending message at a priority for a target, if unclaimed and the patient's."""

    async def amend_unclaimed(self, message_id: int, payload: OutboxPayload) -> bool:
        """Replace an unclaimed message's payload (coalescing); False if a sender took it."""

    async def claim_due(
        self, limit: int = 50, *, per_target: int = 1, holder: str | None = None
    ) -> Sequence[OutgoingMessage]:
        """Lease the next deliverable messages, safety first; (priority, seq) order per target.

        `holder` names the claiming process, so only claims of processes gone are released.
        """

    async def release(self, message_ids: list[int]) -> None:
        """Give back claimed messages that were not tried (due at once, as never claimed)."""

    async def release_abandoned(self, live_holders: Collection[str]) -> int:
        """Make messages leased by a process not in `live_holders` due at once; return how many.

        Only leases are released: a message with an error is waiting out a backoff, and one
        never tried may be deferred on purpose. A claim that names no holder counts as abandoned.
        """

    async def mark_sent_many(self, sent: list[tuple[int, int | None]]) -> None:
        """Record delivered messages, each (outbox id, Telegram message id)."""

    async def mark_failed(
        self, message_id: int, error: str, retry_at: datetime | None = None
    ) -> None:
        """Record a failed attempt: retry at `retry_at`, or give up when it is None."""

    async def park(self, message_id: int, reason: str) -> None:
        """Set a message aside (e.g. the patient blocked the bot) without deleting it."""

    async def park_all_for_patient(self, patient_id: int, reason: str) -> int:
        """Park every pending message for a patient; return how many."""


class PrivacyRepository(Protocol):
    """The privacy care reads and writes."""

    async def export_patient(self, patient_id: int, actor: str | None = None) -> dict[str, Any]:
        """Return everything kept about a patient, decrypted and JSON-ready; audit it."""

    async def delete_patient_personal_data(self, patient_id: int, actor: str = "system") -> bool:
        """Erase everything personal about a patient, keeping one anonymous audit entry."""


class ScheduledItemRepository(Protocol):
    """The scheduled care reads and writes."""

    async def add(
        self,
        kind: str,
        due_at: datetime,
        *,
        key: str,
        patient_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Schedule unless `key` exists already (e.g. 'release:patient:3:module:2'); True if new."""

    async def claim_due(self, limit: int = 100, now: datetime | None = None) -> Sequence[DueItem]:
        """Claim pending items due by now, oldest first; no two callers get the same item."""

    async def get(self, item_id: int) -> ScheduledItem | None:
        """Return an item by id."""

    async def mark_done(self, item_id: int, note: str | None = None) -> None:
        """Record that a claimed item fired."""

    async def mark_dropped(self, item_id: int, note: str) -> None:
        """Record that an item was deliberately not fired (e.g. patient paused)."""

    async def release(self, item_id: int, retry_at: datetime, note: str | None = None) -> None:
        """Put a claimed item back to pending, due again at `retry_at`."""

    async def hold(self, item_id: int, until: datetime, payload: dict[str, Any], note: str) -> None:
        """Put an item back to pending, due at `until`, with a new payload (a paused plan)."""

    async def record_failure(
        self, item_id: int, attempts: int, note: str, retry_at: datetime | None
    ) -> None:
        """Note a failed attempt on a pending item: due again at `retry_at`, or dropped if None."""

    async def release_stale(self, older_than: timedelta) -> int:
        """Return items claimed longer ago than `older_than` (a crashed worker) to pending."""

    async def listing(
        self,
        *,
        patient_id: int | None = None,
        statuses: Iterable[str] | None = None,
        limit: int = 50,
    ) -> Sequence[tuple[ScheduledItem, str | None]]:
        """Items by due time (one patient's, or in some statuses), each with its pseudonym."""

    async def count_by_kind(self, statuses: Iterable[str]) -> dict[str, int]:
        """How many items in these statuses there are of each kind."""

    async def cancel_for_patient(self, patient_id: int, kinds: Iterable[str] | None = None) -> int:
        """Cancel a patient's pending items (all, or of some kinds); return how many."""

    async def get_by_key(self, key: str) -> ScheduledItem | None:
        """Return the item with this idempotency key."""

    async def list_for_patient(
        self, patient_id: int, status: str | None = None
    ) -> Sequence[ScheduledItem]:
        """Return a patient's items by due time."""


class StaffRepository(Protocol):
    """The staff care reads and writes."""

    async def add(self, user_id: str | int, alias: str) -> StaffMember:
        """Register a helper (or update their alias and reactivate them)."""

    async def get_by_user(
        self, user_id: str | int, *, include_inactive: bool = False
    ) -> StaffMember | None:
        """Return the helper with this Telegram user id."""


class SupportTopicRepository(Protocol):
    """The support topics care reads and writes."""

    async def get_for_patient(self, patient_id: int, staff_chat_key: str) -> SupportTopic | None:
        """Return the patient's topic in a staff chat."""

    async def patient_for_thread(self, staff_chat_key: str, thread_id: int) -> int | None:
        """Return the patient whose topic this thread is."""

    async def set(
        self, patient_id: int, staff_chat_key: str, thread_id: int, name: str
    ) -> SupportTopic:
        """Record (or replace, after a topic was deleted) a patient's topic."""

    async def rename(self, patient_id: int, staff_chat_key: str, name: str) -> None:
        """Remember a patient's topic's new name."""

    async def delete(self, patient_id: int, staff_chat_key: str) -> None:
        """Forget a patient's topic (it was deleted in the forum)."""

    async def get_purpose(self, staff_chat_key: str, purpose: str) -> int | None:
        """Return the thread of a topic kept for a purpose ("alerts", "digest")."""

    async def set_purpose(self, staff_chat_key: str, purpose: str, thread_id: int) -> None:
        """Record (or replace) the topic kept for a purpose."""

    async def delete_purpose(self, staff_chat_key: str, purpose: str) -> None:
        """Forget the topic kept for a purpose (it was deleted by hand)."""
