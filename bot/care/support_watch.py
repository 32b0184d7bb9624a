"""Follow-through for helpers: unacknowledged alerts posted again, and the daily digest."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from bot.care.messages import AlertMessage, StaffTextMessage
from bot.care.outcomes import Result, outcomes
from bot.care.ports import PRIORITY_BULK, PRIORITY_SAFETY, Patient, UnitOfWork
from bot.care.support import V_WAITING, Support, to_staff
from bot.care.support_cards import topic_link

log = logging.getLogger(__name__)

INACTIVE_AFTER = timedelta(days=7)
DIGEST_LIMIT = 30  # lines per section: the digest stays one readable message


@dataclass
class Watch:
    """Jobs the clockwork runs for the staff channel."""

    support: Support

    async def follow_up_alerts(self) -> int:
        """Post again every alert still open after `staff.alert_ack_minutes`, naming on-call."""
        config = self.support.config
        if not self.support.enabled:
            return 0
        async with self.support.conversations.uow() as uow:
            due = await uow.alerts.unacknowledged_since(uow.clock() - config.ack_after)
            for alert in due:
                patient = await uow.patients.get(alert.patient_id) if alert.patient_id else None
                # After /forget the alert is still followed up, under its own pseudonym.
                who = patient.pseudonym if patient else (alert.pseudonym or "?")
                payload = AlertMessage(
                    alert_id=alert.id, patient_id=alert.patient_id,
                    pseudonym=who, reason=alert.reason,
                    level=alert.level, detail=alert.detail, repost=True,
                    mention=", ".join(config.on_call),
                )  # fmt: skip
                await to_staff(uow, payload, PRIORITY_SAFETY)
                await uow.alerts.mark_reposted(alert.id)
                target = patient.pseudonym if patient else None  # the forgotten stay unnamed
                await uow.audit.append("system", "alert.reposted", target)
            await uow.commit()
        if due:
            log.warning("reposted %d unacknowledged alerts", len(due))
        return len(due)

    async def digest(self) -> None:
        """The daily digest in its topic: who waits, who went quiet, who is worse, what is done."""
        if not self.support.enabled:
            return
        async with self.support.conversations.uow() as uow:
            sections = await self._sections(uow)
            lines = ["📰 <b>Daily digest</b>"]
            for title, entries in sections.items():
                lines.append(f"\n<b>{title}</b> ({len(entries)})")
                lines.extend(entries[:DIGEST_LIMIT] or ["—"])
                if len(entries) > DIGEST_LIMIT:
                    lines.append(f"… and {len(entries) - DIGEST_LIMIT} more")
            digest = StaffTextMessage(topic="digest", html="\n".join(lines))
            await to_staff(uow, digest, PRIORITY_BULK)
            await uow.commit()
        log.info("staff digest queued")

    async def _sections(self, uow: UnitOfWork) -> dict[str, list[str]]:
        now = uow.clock()
        config = self.support.config
        waiting: list[str] = []
        inactive: list[str] = []
        worse: list[str] = []
        done: list[str] = []
        after = 0
        while batch := await uow.patients.list_active(after_id=after):
            after = batch[-1].id
            for patient in batch:
                line = await self._line(uow, patient)
                since = await uow.variables.get(patient.id, V_WAITING)
                if patient.care_mode == "guided" and isinstance(since, int | float):
                    hours = (now.timestamp() - since) / 3600
                    if hours > config.reply_target.total_seconds() / 3600:
                        waiting.append(f"{line} · waiting {hours:.0f} h")
                if patient.last_active_at is None or now - patient.last_active_at > INACTIVE_AFTER:
                    inactive.append(f"{line} · {_quiet(now, patient.last_active_at)}")
                if await self._deteriorated(uow, patient):
                    worse.append(line)
                finished = await self._modules_done(uow, patient, now - timedelta(days=1))
                if finished:
                    done.append(f"{line} · {', '.join(finished)}")
        return {
            "Waiting for an answer": waiting,
            "Inactive": inactive,
            "Deteriorating scores": worse,
            "Modules completed (24 h)": done,
            "Unresolved alerts": await self._alert_lines(uow),
        }

    async def _alert_lines(self, uow: UnitOfWork) -> list[str]:
        """Alerts open or acknowledged but not resolved: acknowledging is not the end of one."""
        lines = []
        for alert in await uow.alerts.list_unresolved():
            about = await uow.patients.get(alert.patient_id) if alert.patient_id else None
            who = await self._line(uow, about) if about else f"• {escape(alert.pseudonym or '?')}"
            state = (
                "open, not acknowledged"
                if alert.status == "open"
                else f"acknowledged by {alert.acknowledged_by}, not resolved"
            )
            reason = alert.reason.replace("_", " ")
            lines.append(f"{who} · #{alert.id} {escape(reason)} · {escape(state)}")
        return lines

    async def _line(self, uow: UnitOfWork, patient: Patient) -> str:
        topic = await uow.support_topics.get_for_patient(patient.id, self.support.config.staff_key)
        link = topic_link(
            self.support.config.staff_chat_id or 0, topic.thread_id if topic else None
        )
        name = escape(patient.pseudonym)
        return f'• <a href="{link}">{name}</a>' if link else f"• {name}"

    async def _deteriorated(self, uow: UnitOfWork, patient: Patient) -> bool:
        rows = await uow.questionnaires.list_for_patient(patient.id)
        results = [Result(r.instrument, r.timepoint, r.total, r.band, r.at) for r in rows]
        return outcomes(results).reliably_worse  # either measure, against its baseline

    async def _modules_done(self, uow: UnitOfWork, patient: Patient, since: datetime) -> list[str]:
        runs = await uow.runs.list_for_patient(patient.id)
        return [
            r.flow_id.replace("module_", "M")
            for r in runs
            if r.kind == "module" and r.outcome == "completed" and r.updated_at >= since
        ]


def _quiet(now: datetime, last: datetime | None) -> str:
    return "never active" if last is None else f"quiet {(now - last).days} days"
