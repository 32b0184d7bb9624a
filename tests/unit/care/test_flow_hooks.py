"""Flow hooks call each service connected to a flow's end, in order; the bell wakes listeners."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bell import OutboxBell
from bot.care.hooks import FlowHooks

NOBODY: Any = None  # the hooks under test never look at the unit of work, patient or run


async def test_each_hook_of_a_flow_runs_in_the_order_connected() -> None:
    hooks = FlowHooks()
    heard: list[tuple[str, str]] = []

    def hook(name: str) -> Any:
        async def finished(*args: Any) -> None:
            heard.append((name, args[-1]))

        return finished

    hooks.on_finish("menu", hook("commands"))
    hooks.on_finish("menu", hook("staff"))
    hooks.on_finish("settings", hook("programme"))
    await hooks.finished(NOBODY, NOBODY, NOBODY, NOBODY, "menu", "message_helper")
    await hooks.finished(NOBODY, NOBODY, NOBODY, NOBODY, "stop", "withdraw_keep")  # nobody's
    assert heard == [("commands", "message_helper"), ("staff", "message_helper")]


async def test_variables_zone_moves_and_quiet_outcomes() -> None:
    hooks = FlowHooks(keep_quiet={"safety": frozenset({"unsafe"})})
    moved: list[str] = []

    async def provider(uow: Any, patient: Any) -> dict[str, Any]:
        return {"contacts": "112"}

    async def zone(uow: Any, patient: Any, before: str) -> None:
        moved.append(before)

    hooks.provide("safety_recheck", provider)
    hooks.on_zone_change(zone)
    assert await hooks.variables(NOBODY, NOBODY, "safety_recheck") == {"contacts": "112"}
    assert await hooks.variables(NOBODY, NOBODY, "module_1") == {}
    await hooks.zone_changed(NOBODY, NOBODY, "Europe/Berlin")
    assert moved == ["Europe/Berlin"]
    assert hooks.quiet_after("safety") == {"unsafe"}
    assert hooks.quiet_after("menu") == set()
    assert hooks.guard is None
    with pytest.raises(ValueError, match="already have a provider"):
        hooks.provide("safety_recheck", provider)  # one provider per flow, never a silent swap


def test_the_bell_wakes_every_listener_on_each_ring() -> None:
    bell = OutboxBell()
    rings: list[str] = []
    bell.ring()  # nobody listening yet: nothing happens
    bell.attach(lambda: rings.append("sender"))
    bell.ring()
    bell.ring()
    assert rings == ["sender", "sender"]
