"""Helpers close the loop on safety: alerts resolved with an outcome, adverse events graded (/ae).

The transport has already checked that the person is staff. Each action runs in one unit of work
and is audited under the helper's alias. A note is the helper's own words: it is encrypted,
never logged and never copied into the audit log. Staff see pseudonyms only.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any

from bot.care.grading import (
    RESOLUTION_LABELS,
    STEPS,
    chosen,
    describe,
    grade_from_codes,
    grade_from_text,
    parse_grade,
    parse_resolve,
    resolve_buttons,
    resolve_data,
    step_buttons,
)
from bot.care.inbound import handled_before
from bot.care.messages import StaffTextMessage, buttons_of
from bot.care.ports import (
    PRIORITY_INTERACTIVE,
    UNRESOLVED,
    AdverseEvent,
    Alert,
    Grade,
    StaffMember,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.care.support import Support, to_staff
from bot.care.support_cards import REASONS
from bot.care.support_staff import actor

log = logging.getLogger(__name__)

MAX_NOTE = 1000
PAGE = 10  # alerts or events listed in one message
FORGOTTEN_NOTE = "The patient asked to be forgotten: the outcome is kept, the note is not."
RESOLVE_USAGE = (
    "Usage: /resolve ALERT [safe|referred|emergency|unreachable|false_alarm] [note]\n"
    "Without an outcome the words are kept as the alert's note."
)
AE_USAGE = (
    "Usage: /ae (the events to grade) · /ae EVENT (grade it with buttons) · "
    "/ae EVENT severity=moderate serious=no related=possibly expected=yes outcome=resolved"
)


@dataclass(frozen=True)
class Screen:
    """What a pressed button makes of its message: text in its place (or added), new buttons."""

    html: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    answer: str = ""
    append: bool = False


@dataclass
class SafetyDesk:
    """Resolving alerts and grading adverse events, from the staff chat."""

    support: Support

    @property
    def uow(self) -> UnitOfWorkFactory:
        """The unit-of-work factory."""
        return self.support.conversations.uow

    async def press(self, user_id: int, data: str, key: str | None) -> Screen | None:
        """A resolve or grading button; None when its data is not valid (or was handled)."""
        if (resolving := parse_resolve(data)) is not None:
            alert_id, resolution = resolving
            if resolution is None:
                return await self.outcome_choice(alert_id)
            return await self.resolve(user_id, alert_id, resolution, key)
        if (grading := parse_grade(data)) is not None:
            return await self.grade_step(user_id, grading[0], grading[1], key)
        return None

    # ---------------------------------------------------------------- alerts

    async def outcome_choice(self, alert_id: int) -> Screen:
        """The alert and one button per way it can end."""
        async with self.uow(reading=True) as uow:
            alert = await uow.alerts.get(alert_id)
        if alert is None or alert.status not in UNRESOLVED:
            return Screen("", answer=f"Alert #{alert_id} is not open.")
        html = f"{alert_line(alert)}\nHow did it end?"
        return Screen(html, resolve_buttons(alert_id), answer="Choose the outcome")

    async def resolve(
        self, user_id: int, alert_id: int, resolution: str, key: str | None, note: str | None = None
    ) -> Screen | None:
        """Resolve an alert with an outcome (and a note); None for a repeated update."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return None
            by = actor(await _member(uow, user_id))
            screen = await self._resolve(uow, by, alert_id, resolution, note)
            await uow.commit()
        return screen

    async def _resolve(
        self, uow: UnitOfWork, by: str, alert_id: int, resolution: str, note: str | None
    ) -> Screen:
        alert = await uow.alerts.get(alert_id)
        if alert is None:
            return Screen("", answer=f"There is no alert #{alert_id}.")
        status = alert.status
        kept = note if alert.patient_id is not None else None
        if not await uow.alerts.resolve(alert_id, by, resolution, kept):
            return Screen("", answer=f"Alert #{alert_id} is already {status}.")
        await uow.audit.append(
            by, "alert.resolved", _target(alert),
            {"alert_id": alert_id, "resolution": resolution, "note": kept is not None},
        )  # fmt: skip
        log.info("alert resolved: alert=%s resolution=%s", alert_id, resolution)
        label = RESOLUTION_LABELS[resolution]
        lines = [f"☑️ Resolved by {escape(by)}: {escape(label)}"]
        if note is not None and kept is None:
            lines.append(FORGOTTEN_NOTE)
        elif kept is None:
            lines.append(f"Add a note: /resolve {alert_id} your words")
        return Screen("\n".join(lines), answer=f"Resolved: {label}", append=True)

    async def resolve_command(
        self, user_id: int, thread_id: int | None, args: str, key: str | None
    ) -> None:
        """/resolve ALERT [outcome] [note], or /resolve alone for the alerts still open."""
        alert_id, rest = _numbered(args)
        outcome, _, words = rest.partition(" ")
        resolution = _resolution_word(outcome)
        note = (words if resolution else rest).strip()[:MAX_NOTE] or None
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return
            by = actor(await _member(uow, user_id))
            if alert_id is None:
                html, buttons = await _unresolved_list(uow)
            elif resolution is not None:
                screen = await self._resolve(uow, by, alert_id, resolution, note)
                html, buttons = screen.html or screen.answer, []
            else:
                html, buttons = await self._note_or_choice(uow, by, alert_id, note)
            await _answer(uow, thread_id, html, buttons)
            await uow.commit()

    async def _note_or_choice(
        self, uow: UnitOfWork, by: str, alert_id: int, note: str | None
    ) -> tuple[str, list[dict[str, Any]]]:
        alert = await uow.alerts.get(alert_id)
        if alert is None:
            return f"There is no alert #{alert_id}.", []
        unresolved = alert.status in UNRESOLVED
        buttons = resolve_buttons(alert_id) if unresolved else []
        if note is None:
            ask = "\nHow did it end?" if unresolved else ""
            return f"{alert_line(alert)}{ask}", buttons
        if alert.patient_id is None:
            return FORGOTTEN_NOTE, buttons
        await uow.alerts.set_note(alert_id, note)
        await uow.audit.append(by, "alert.note", _target(alert), {"alert_id": alert_id})
        told = f"📝 Note kept on alert #{alert_id}."
        return (f"{told} How did it end?" if unresolved else told), buttons

    # ---------------------------------------------------------------- adverse events

    async def events(self, user_id: int, thread_id: int | None, args: str, key: str | None) -> None:
        """/ae: the events to grade; /ae EVENT: grade it with buttons, or with key=value words."""
        event_id, rest = _numbered(args)
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return
            by = actor(await _member(uow, user_id))
            if event_id is None:
                html, buttons = (await _event_list(uow)) if not rest else (AE_USAGE, [])
            else:
                html, buttons = await self._grade_typed(uow, by, event_id, rest.split())
            await _answer(uow, thread_id, html, buttons)
            await uow.commit()

    async def _grade_typed(
        self, uow: UnitOfWork, by: str, event_id: int, words: list[str]
    ) -> tuple[str, list[dict[str, Any]]]:
        event = await uow.adverse_events.get(event_id)
        if event is None:
            return f"There is no adverse event #{event_id}.", []
        if not words:
            return await _step_html(uow, event, ""), step_buttons(event_id, "")
        grade = grade_from_text(words)
        if isinstance(grade, str):
            return f"{escape(grade)}\n{AE_USAGE}", []
        return await _store(uow, by, event, grade), []

    async def grade_step(
        self, user_id: int, event_id: int, codes: str, key: str | None
    ) -> Screen | None:
        """A grading button: the next question, or (after the last) the grading stored."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return None
            event = await uow.adverse_events.get(event_id)
            grade = grade_from_codes(codes)
            if event is None:
                screen = Screen("", answer=f"There is no adverse event #{event_id}.")
            elif grade is None:
                question = STEPS[len(codes)].question
                html = await _step_html(uow, event, codes)
                screen = Screen(html, step_buttons(event_id, codes), answer=question)
            else:
                by = actor(await _member(uow, user_id))
                screen = Screen(await _store(uow, by, event, grade), answer="Graded")
            await uow.commit()
        return screen


async def _member(uow: UnitOfWork, user_id: int) -> StaffMember:
    member = await uow.staff.get_by_user(user_id)
    return member if member is not None else await uow.staff.add(user_id, "")


def _target(row: Alert | AdverseEvent) -> str | None:
    # After /forget the audit log names nobody: the row keeps its pseudonym, the log does not.
    return row.pseudonym if row.patient_id is not None else None


def _numbered(args: str) -> tuple[int | None, str]:
    """("#12 safe words" →) 12 and "safe words"; None when the first word is no id."""
    first, _, rest = args.strip().partition(" ")
    number = first.removeprefix("#")
    if number.isdigit() and 0 < len(number) <= 12:
        return int(number), rest.strip()
    return None, args.strip()


def _resolution_word(word: str) -> str | None:
    wanted = word.lower().replace("-", "_")
    return wanted if wanted in RESOLUTION_LABELS else None


def reason_text(reason: str) -> str:
    """A reason or trigger in words."""
    return REASONS.get(reason, reason.replace("_", " "))


def alert_line(alert: Alert) -> str:
    """ "🚨 Alert #12 · P-7Q4K · crisis language · acknowledged by Hana" (Telegram HTML)."""
    status = alert.status
    if status == "acknowledged" and alert.acknowledged_by:
        status = f"acknowledged by {alert.acknowledged_by}"
    elif status == "resolved" and alert.resolution:
        status = f"resolved by {alert.resolved_by}: {RESOLUTION_LABELS[alert.resolution]}"
    who = alert.pseudonym or "?"
    return escape(f"🚨 Alert #{alert.id} · {who} · {reason_text(alert.reason)} · {status}")


async def _unresolved_list(uow: UnitOfWork) -> tuple[str, list[dict[str, Any]]]:
    alerts = await uow.alerts.list_unresolved()
    if not alerts:
        return f"No alert is waiting to be resolved.\n{escape(RESOLVE_USAGE)}", []
    lines = [f"<b>Alerts to resolve</b> ({len(alerts)})", *map(alert_line, alerts[:PAGE])]
    lines.append(escape(RESOLVE_USAGE))
    buttons = [{"label": f"Resolve #{a.id} · {a.pseudonym or '?'}", "data": resolve_data(a.id)}
               for a in alerts[:PAGE]]  # fmt: skip
    return "\n".join(lines), buttons


async def event_line(uow: UnitOfWork, event: AdverseEvent) -> str:
    """ "#5 · P-7Q4K · crisis language · 05 Jan 09:00 UTC · 2 alerts, 1 unresolved"."""
    alerts = await uow.alerts.list_for_event(event.id)
    open_ = sum(alert.status in UNRESOLVED for alert in alerts)
    counts = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    counts += f", {open_} unresolved" if open_ else ""
    when = f"{event.at:%d %b %H:%M} UTC"
    return escape(
        f"#{event.id} · {event.pseudonym or '?'} · {reason_text(event.trigger)} · {when} · {counts}"
    )


async def _event_list(uow: UnitOfWork) -> tuple[str, list[dict[str, Any]]]:
    events = await uow.adverse_events.list_unreviewed(PAGE)
    if not events:
        return f"Every adverse event is graded.\n{escape(AE_USAGE)}", []
    total = await uow.adverse_events.count_unreviewed()
    lines = [f"🩺 <b>Adverse events to grade</b> ({total})"]
    lines += [await event_line(uow, event) for event in events]
    lines.append(escape(AE_USAGE))
    buttons = [{"label": f"Grade #{e.id} · {e.pseudonym or '?'}", "data": f"ae:{e.id}:"}
               for e in events]  # fmt: skip
    return "\n".join(lines), buttons


async def _step_html(uow: UnitOfWork, event: AdverseEvent, codes: str) -> str:
    lines = [f"🩺 <b>Adverse event</b> {await event_line(uow, event)}"]
    if event.reviewer:
        lines.append(escape(f"Graded before by {event.reviewer}; this grading replaces it."))
    lines += [escape(line) for line in chosen(codes)]
    lines.append(f"<b>{escape(STEPS[len(codes)].question)}</b>")
    return "\n".join(lines)


async def _store(uow: UnitOfWork, by: str, event: AdverseEvent, grade: Grade) -> str:
    await uow.adverse_events.grade(event.id, grade, by)
    await uow.audit.append(by, "ae.graded", _target(event), {"event_id": event.id, **asdict(grade)})
    log.info("adverse event graded: event=%s", event.id)
    line = await event_line(uow, event)
    return f"✅ Adverse event {line}\nGraded by {escape(by)}: {escape(describe(grade))}"


async def _answer(
    uow: UnitOfWork, thread_id: int | None, html: str, buttons: list[dict[str, Any]]
) -> None:
    payload = StaffTextMessage(topic="thread", thread_id=thread_id, html=html)
    if buttons:  # left out of the stored row when there are none
        payload = payload.model_copy(update={"buttons": buttons_of(buttons)})
    await to_staff(uow, payload, PRIORITY_INTERACTIVE)
