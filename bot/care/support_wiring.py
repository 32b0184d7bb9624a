"""The staff channel's services, wired once by bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.care.commands import Commands
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
from scheduler.clockwork import Scheduler

MENU_FLOW = "menu"
MESSAGE_HELPER = "message_helper"  # the menu's "Message my helper" outcome
FOLLOW_UP_SECONDS = 60.0


@dataclass
class StaffChannel:
    """The patient's relay, helpers' actions and the follow-through jobs."""

    support: Support
    actions: StaffActions
    watch: Watch
    desk: SafetyDesk  # alerts resolved, adverse events graded


def build_staff_channel(
    settings: Settings,
    conversations: Conversations,
    commands: Commands,
    programme: Programme,
    scheduler: Scheduler,
) -> StaffChannel:
    """Wire the services, the menu's "Message my helper" and the clockwork's jobs."""
    support = Support(conversations, SupportConfig.from_settings(settings))
    path = settings.staff.encouragement_path or settings.programme.path / DEFAULT_PATH
    titles = {
        fid: flow.title if isinstance(flow.title, str) else next(iter(flow.title.values()), fid)
        for fid, flow in conversations.library.flows.items()
    }
    actions = StaffActions(support, programme, load_templates(path), titles)
    watch = Watch(support)
    menu_hook = commands.hooks().get(MENU_FLOW)

    async def menu_finished(
        uow: UnitOfWork, patient: Patient, run: Run, state: RunState, outcome: str
    ) -> None:
        if outcome == MESSAGE_HELPER:
            await support.begin(uow, patient)
        elif menu_hook is not None:
            await menu_hook(uow, patient, run, state, outcome)

    conversations.hooks[MENU_FLOW] = menu_finished
    if support.enabled:
        scheduler.add_daily("staff_digest", settings.staff.digest_time, watch.digest)
        scheduler.add_every("alert_follow_up", FOLLOW_UP_SECONDS, watch.follow_up_alerts)
    return StaffChannel(support, actions, watch, SafetyDesk(support))
