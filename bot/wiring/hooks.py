"""Connecting the care services to the conversations' hooks, once, before anything runs."""

from __future__ import annotations

from bot.care.commands import Commands
from bot.care.enrolment import Enrolment
from bot.care.hooks import FlowHooks
from bot.care.programme import Programme
from bot.care.safety import SafetyPathway
from bot.care.safety_followup import SafetyFollowUp
from bot.wiring.staff import StaffChannel
from flows.model import CHECK_FLOW, RECHECK_FLOW

SETTINGS_FLOW = "settings"
MENU_FLOW = "menu"


def connect_hooks(
    hooks: FlowHooks,
    *,
    enrolment: Enrolment,
    commands: Commands,
    programme: Programme,
    staff: StaffChannel,
    pathway: SafetyPathway | None,
    followup: SafetyFollowUp | None,
) -> None:
    """Tell each service when the flows it settles end, and let safety read every step."""
    for flow, hook in commands.hooks().items():
        hooks.on_finish(flow, hook)
    hooks.on_finish(enrolment.onboarding_flow, enrolment.onboarding_finished)
    hooks.on_finish(SETTINGS_FLOW, programme.settings_changed)
    hooks.on_finish(MENU_FLOW, staff.menu_finished)
    hooks.on_zone_change(programme.zone_changed)
    if pathway is not None:
        hooks.guard_with(pathway)
        hooks.on_finish(CHECK_FLOW, pathway.check_finished)
    if followup is not None:
        for flow, hook in followup.hooks().items():
            hooks.on_finish(flow, hook)
        hooks.provide(RECHECK_FLOW, followup.recheck_variables)
    elif pathway is not None:
        hooks.provide(RECHECK_FLOW, pathway.recheck_variables)
