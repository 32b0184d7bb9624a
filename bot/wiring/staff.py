"""The staff channel's services: the relay, helpers' actions, alerts and the clockwork's jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from bot.care.conversations import Conversations
from bot.care.ports import Patient, Run, UnitOfWork
from bot.care.programme import Programme
from bot.care.support import Support, SupportConfig
from bot.care.support_safety import SafetyDesk
from bot.care.support_staff import StaffActions
from bot.care.support_templates import DEFAULT_PATH, load_templates
from bot.care.support_watch import Watch
from bot.config import Settings
from flows.runtime import RunState
from scheduler.clockwork import Job

MESSAGE_HELPER = "message_helper"  # the menu's "Message my helper" outcome
FOLLOW_UP_SECONDS = 60.0


@dataclass
class StaffChannel:
    """The patient's relay, helpers' actions and the follow-through jobs."""

    support: Support
    actions: StaffActions
    watch: Watch
    desk: SafetyDesk  # alerts resolved, adverse events graded

    async def menu_finished(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        """The menu's "Message my helper" opens the patient's relay."""
        if outcome == MESSAGE_HELPER:
            await self.support.begin(uow, patient)

    def daily_jobs(self, settings: Settings) -> dict[str, tuple[time, Job]]:
        """The helpers' digest, when the staff channel is on."""
        if not self.support.enabled:
            return {}
        return {"staff_digest": (settings.staff.digest_time, self.watch.digest)}

    def frequent_jobs(self) -> dict[str, tuple[float, Job]]:
        """Re-posting unacknowledged alerts, when the staff channel is on."""
        if not self.support.enabled:
            return {}
        return {"alert_follow_up": (FOLLOW_UP_SECONDS, self.watch.follow_up_alerts)}


def build_staff_channel(
    settings: Settings, conversations: Conversations, programme: Programme
) -> StaffChannel:
    """The relay, the helpers' actions (with their encouragement templates) and the desk."""
    support = Support(conversations, SupportConfig.from_settings(settings))
    path = settings.staff.encouragement_path or settings.programme.path / DEFAULT_PATH
    titles = {
        fid: flow.title if isinstance(flow.title, str) else next(iter(flow.title.values()), fid)
        for fid, flow in conversations.library.flows.items()
    }
    actions = StaffActions(support, programme, load_templates(path), titles)
    return StaffChannel(support, actions, Watch(support), SafetyDesk(support))
