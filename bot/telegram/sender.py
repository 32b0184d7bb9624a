"""The outbox sender: delivers committed messages in order per chat, within Telegram's limits.

A message leaves the outbox only after Telegram accepted it (a crash in between re-sends that
one message: the only duplicate possible), and a chat's next message goes only once the one
before it is recorded (sends that finish together are recorded in one commit: settling.py).
429 pauses all sends; 5xx and network errors retry with backoff and jitter for as long as
they last (capped by `runtime.retry_cap`, so sending resumes soon after an outage ends); 403
marks the patient blocked and parks their messages; 400 records the message as failed with the
reason, and the conversation goes on. The staff chat is different: what it refuses or misses is
tried again until it answers (an alert is never dropped), and the alert's patient is told
(staff_failures.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, FSInputFile, Message

from bot.bell import OutboxBell
from bot.care.messages import (
    AlertMessage,
    HandoverMessage,
    OutboxPayload,
    TextMessage,
    UnreadablePayload,
    UnreadablePayloadError,
)
from bot.care.ports import Clock, OutgoingMessage, UnitOfWorkFactory
from bot.care.support_cards import alert_text, handover_text
from bot.liveness import DEFAULT_LEASE
from bot.supervisor import describe, is_transient
from bot.telegram.limits import Limits
from bot.telegram.render import Part, render
from bot.telegram.settling import Settler
from bot.telegram.staff_failures import keeps_trying, tell_patient

if TYPE_CHECKING:
    from bot.care.safety_followup import SafetyFollowUp
    from bot.telegram.staff_delivery import StaffDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_CAP = 300.0  # the longest wait for a message the staff chat refused
IDLE_POLL = 1.0  # seconds between outbox polls when nothing woke the sender
PER_TARGET = 10  # a chat's consecutive due messages claimed together, sent one after another


@dataclass
class Destination:
    """Where a message goes: the chat (and forum topic)."""

    chat_id: int
    thread_id: int | None = None


class Sender:
    """Claims due outbox rows and delivers them, concurrently across chats."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bell: OutboxBell,
        bot: Bot,
        limits: Limits,
        *,
        staff_chat_id: int | None = None,
        paid_broadcast: bool = False,
        staff: StaffDelivery | None = None,
        followup: SafetyFollowUp | None = None,
        batch: int = 200,
        holder: str | None = None,
        live_within: timedelta = DEFAULT_LEASE,
        retry_cap: float = BACKOFF_CAP,
    ) -> None:
        """Deliver what `uow` committed, woken by `bell`; `staff` takes the forum's rows.

        `holder` names this process on its claims; a process whose heartbeat is younger than
        `live_within` keeps its claims when another starts.
        """
        self.holder = holder
        # Once Telegram answers again, no message waits longer than this for its next try.
        self.retry_cap = retry_cap
        self.live_within = live_within
        self.uow = uow
        self.clock = clock
        self.bot = bot
        self.limits = limits
        self.batch = batch
        self.wake = asyncio.Event()
        self.staff_chat_id = staff_chat_id
        self.paid_broadcast = paid_broadcast
        self.staff = staff  # forum topics, when the staff channel is on
        self.followup = followup  # tells an undelivered alert's patient the truth
        self._in_flight: set[asyncio.Task[None]] = set()
        self._unclaimed: list[int] = []  # claimed, not tried, and not yet given back
        self._outage = 0  # failed claims in a row (the database away)
        self.settler = Settler(uow)
        bell.attach(self.notify)

    def notify(self) -> None:
        """Something was committed: look at the outbox now (called from any commit)."""
        self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then finish what is in flight."""
        await self.release_leases()
        while not stop.is_set():
            # Cleared before claiming, never after: a commit during the claim must wake us.
            self.wake.clear()
            await self._give_back()
            claimed, chats = await self._claim_or_wait(stop)
            for run in _by_target(claimed):
                task = asyncio.create_task(self._deliver_run(run, chats))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            if not claimed:
                await self._sleep(stop)
            elif len(self._in_flight) >= self.batch:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        await self.drain()
        # Flush: each chat's next message became due as the one before it went out. The runner
        # bounds this; a row still claimed when it gives up is taken back on the next start.
        while (batch := await self._claim_or_wait(stop))[0]:
            claimed, chats = batch
            await asyncio.gather(*(self._deliver_run(run, chats) for run in _by_target(claimed)))
        await self.settler.drain()

    async def release_leases(self) -> int:
        """Make messages claimed by a sender that died (kill -9) due again at once.

        A claim leases a row for a minute; without this, a chat whose message was in flight
        at a crash would stay silent until the lease ran out. Only leases are released: a row
        with an error is waiting out a backoff, and a row never tried may be deferred on purpose.
        Claims of a process still heartbeating (another sender on the database) are kept.
        """
        async with self.uow() as uow:
            live = await uow.processes.live_holders(self.live_within)
            if self.holder is not None:
                live.add(self.holder)
            released = await uow.outbox.release_abandoned(live)
            await uow.commit(notify=False)
        if released:
            log.warning("released %s outbox messages claimed before a restart", released)
        return released

    async def drain(self) -> None:
        """Wait for every delivery in flight, and for their records to be written."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self.settler.drain()

    async def _sleep(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.create_task(self.wake.wait()), asyncio.create_task(stop.wait())}
        if self._in_flight:
            # A copy: the set empties as deliveries finish, and asyncio.wait refuses an empty one.
            waiters.add(asyncio.create_task(asyncio.wait(set(self._in_flight))))  # type: ignore[arg-type]
        _done, pending = await asyncio.wait(
            waiters, timeout=IDLE_POLL, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()

    async def _claim_or_wait(
        self, stop: asyncio.Event
    ) -> tuple[Sequence[OutgoingMessage], dict[int, int]]:
        """Claim; while the database is away, wait (capped backoff) and claim nothing."""
        try:
            claimed = await self._claim()
        except Exception as error:
            if not is_transient(error):
                raise
            self._outage += 1
            if self._outage == 1:
                log.warning("sender: the database is away (%s); waiting", describe(error))
            delay = _backoff(self._outage, self.retry_cap)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            return [], {}
        if self._outage:
            log.warning("sender: the database is back; sending again")
            self._outage = 0
        return claimed

    async def _claim(self) -> tuple[Sequence[OutgoingMessage], dict[int, int]]:
        """Lease due messages, and look up the chats of the patients they go to."""
        async with self.uow() as uow:
            claimed = await uow.outbox.claim_due(
                limit=self.batch, per_target=PER_TARGET, holder=self.holder
            )
            patients = {m.patient_id for m in claimed if m.target_kind == "patient"}
            chats = await uow.identities.chat_ids(p for p in patients if p is not None)
            await uow.commit(notify=False)  # leases only: no need to wake anyone
        return claimed, {patient: int(chat) for patient, chat in chats.items()}

    async def _deliver_run(self, run: list[OutgoingMessage], chats: dict[int, int]) -> None:
        """One target's claimed messages, in order; after a failure the rest are given back."""
        for done, message in enumerate(run):
            try:
                delivered = await self._deliver(message, chats)
            except Exception as error:  # recording failed (database away): its lease brings it back
                log.warning("outbox message %s: could not record (%s)", message.id, describe(error))
                delivered = False
            if not delivered:
                self._unclaimed.extend(later.id for later in run[done + 1 :])
                await self._give_back()
                return

    def _backoff(self, attempts: int) -> float:
        """How long a message waits after Telegram or the network failed it."""
        return _backoff(attempts, self.retry_cap)

    async def _give_back(self) -> None:
        """Release claimed messages that were not tried; kept for the next try if that fails."""
        if not self._unclaimed:
            return
        ids, self._unclaimed = self._unclaimed, []
        try:
            async with self.uow() as uow:
                await uow.outbox.release(ids)
                await uow.commit(notify=False)
        except Exception:
            self._unclaimed.extend(ids)  # the sender's loop tries again before its next claim

    async def _deliver(self, message: OutgoingMessage, chats: dict[int, int]) -> bool:
        """Send one message and record the outcome; False unless the next may follow at once."""
        try:
            if self.staff is not None and self.staff.handles(message):  # forum topics
                sent_id = await self.staff.deliver(message)
            else:
                destination = await self._destination(message, chats)
                if destination is None:
                    await self._settle(message, "park", "no chat for this target")
                    return False
                sent_id = await self._send(destination, message.payload)
        except TelegramRetryAfter as error:
            self.limits.pause(error.retry_after)
            await self._retry(message, "429", float(error.retry_after), count=False)
        except TelegramForbiddenError as error:
            if message.target_kind == "staff":  # the bot left the staff chat, not a patient
                await self._staff_refused(message, f"403 {error.message}")
            else:
                await self._blocked(message)
        except TelegramBadRequest as error:
            if keeps_trying(message, error):
                await self._staff_refused(message, f"400 {error.message}")
                return False
            await self._bad_request(message, error)
            return True  # recorded as failed; the conversation goes on
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as error:
            # Telegram or the network is away, not the message at fault: it waits as long as
            # the outage lasts (a 20 s outage used to use up all its tries and drop it).
            delay = self._backoff(message.attempts)
            await self._retry(message, type(error).__name__, delay, count=False)
            await tell_patient(self.followup, message, self.clock.now(), refused=False)
        except Exception:
            log.exception("sending outbox message %s failed unexpectedly", message.id)
            await self._retry(message, "unexpected error", self._backoff(message.attempts))
            await tell_patient(self.followup, message, self.clock.now(), refused=False)
        else:
            try:
                await self._settle(message, "sent", sent_id)
            except Exception:  # logged by the settler; the row keeps its lease and goes again
                return False
            return True
        return False

    async def _destination(
        self, message: OutgoingMessage, chats: dict[int, int]
    ) -> Destination | None:
        if message.target_kind == "patient" and message.patient_id is not None:
            if message.patient_id in chats:  # looked up with the claim
                return Destination(chats[message.patient_id])
            async with self.uow() as uow:
                chat = await uow.identities.chat_id(message.patient_id, "telegram")
            return Destination(int(chat)) if chat else None
        if message.target_kind == "chat":
            return _chat_destination(message.payload)
        if message.target_kind == "staff":
            staff_chat = self.staff_chat_id
            return Destination(staff_chat) if staff_chat is not None else None
        return None

    async def _send(
        self, destination: Destination, payload: OutboxPayload | UnreadablePayload
    ) -> int:
        rendered = render(_worded(payload))
        if rendered.long:
            await self.bot.send_chat_action(destination.chat_id, "typing")
        sent: Message | None = None
        for part in rendered.parts:
            async with self.limits.slot(destination.chat_id):
                sent = await self._send_part(destination, part)
        return sent.message_id if sent else 0

    async def _send_part(self, destination: Destination, part: Part) -> Message:
        common: dict[str, Any] = {"chat_id": destination.chat_id, "parse_mode": "HTML"}
        if destination.thread_id is not None:
            common["message_thread_id"] = destination.thread_id
        if self.paid_broadcast:
            common["allow_paid_broadcast"] = True
        if part.image:
            return await self.bot.send_photo(photo=FSInputFile(part.image), **common)
        if part.document:
            return await self.bot.send_document(document=FSInputFile(part.document), **common)
        if part.photo:
            picture = BufferedInputFile(part.photo, filename="progress.png")
            return await self.bot.send_photo(photo=picture, caption=part.text, **common)
        if part.file:
            name, content = part.file
            document = BufferedInputFile(content, filename=name)
            return await self.bot.send_document(document=document, caption=part.text, **common)
        return await self.bot.send_message(text=part.text, reply_markup=part.keyboard, **common)

    async def _settle(self, message: OutgoingMessage, outcome: str, detail: Any) -> None:
        if outcome == "sent":  # the common case: group commit, returns once recorded
            await self.settler.sent(message.id, detail or None)
            return
        async with self.uow() as uow:
            await uow.outbox.park(message.id, str(detail))
            await uow.commit(notify=False)

    async def _retry(
        self, message: OutgoingMessage, reason: str, delay: float, *, count: bool = True
    ) -> None:
        # The staff chat's messages wait for it however long it takes: nothing else would.
        give_up = count and message.attempts >= MAX_ATTEMPTS and message.target_kind != "staff"
        retry_at = None if give_up else self.clock.now() + timedelta(seconds=delay)
        async with self.uow() as uow:
            await uow.outbox.mark_failed(message.id, reason, retry_at)
            await uow.commit(notify=False)
        if give_up:
            log.error("outbox message %s failed after %s attempts", message.id, message.attempts)

    async def _staff_refused(self, message: OutgoingMessage, reason: str) -> None:
        """The staff chat cannot be reached: try again later, and tell the alert's patient."""
        # Telegram's description names the chat's problem, never a message's text.
        log.error("the staff chat refused outbox message %s: %s", message.id, reason)
        await self._retry(message, reason, _backoff(message.attempts))
        await tell_patient(self.followup, message, self.clock.now(), refused=True)

    async def _blocked(self, message: OutgoingMessage) -> None:
        """403: the patient blocked the bot. Park their messages; nothing retries forever."""
        async with self.uow() as uow:
            await uow.outbox.park(message.id, "403 blocked")
            if message.patient_id is not None:
                patient = await uow.patients.get(message.patient_id)
                if patient is not None:
                    await uow.patients.update(patient, status="blocked")
                    await uow.outbox.park_all_for_patient(patient.id, "patient blocked the bot")
                    log.warning("patient blocked the bot: patient=%s", patient.pseudonym)
            await uow.commit(notify=False)

    async def _bad_request(self, message: OutgoingMessage, error: TelegramBadRequest) -> None:
        # Telegram's description names the problem (never the message text), e.g. "can't parse
        # entities"; the conversation is not wedged, because each message stands alone.
        log.error("Telegram refused outbox message %s: %s", message.id, error.message)
        async with self.uow() as uow:
            await uow.outbox.mark_failed(message.id, f"400 {error.message}", None)
            await uow.commit(notify=False)


def _by_target(claimed: Sequence[OutgoingMessage]) -> list[list[OutgoingMessage]]:
    """Claimed messages grouped per target, each group in delivery order, safety first."""
    runs: dict[str, list[OutgoingMessage]] = {}
    for message in claimed:  # claim_due returns (priority, seq) order
        runs.setdefault(message.target_key, []).append(message)
    return sorted(runs.values(), key=lambda run: (run[0].priority, run[0].id))


def _backoff(attempts: int, cap: float = BACKOFF_CAP) -> float:
    """Exponential backoff with full jitter, capped (so a long outage doesn't stampede later)."""
    return random.uniform(0, min(cap, 2.0 ** max(attempts, 1)))


def _chat_destination(payload: OutboxPayload | UnreadablePayload) -> Destination | None:
    """A bare chat's message names its chat (only Telegram's are ours to send)."""
    match payload:
        case TextMessage(messenger="telegram", chat_id=str() as chat):
            return Destination(int(chat))
        case UnreadablePayload():
            raise UnreadablePayloadError(payload.problem)
        case _:
            return None


def _worded(
    payload: OutboxPayload | UnreadablePayload,
) -> OutboxPayload | UnreadablePayload:
    """Alerts and handovers in the plain staff chat (no forum topics) as a text of their own."""
    match payload:
        case AlertMessage():
            # Without forum topics there is no topic to link to.
            return TextMessage(html=alert_text(payload, link=""))
        case HandoverMessage():
            return TextMessage(html=handover_text(payload))
        case _:
            return payload
