"""What care does around a flow's steps beyond the engine: when a flow ends, when a patient
moves time zone, what a scheduled flow is told, and who reads every step for risk.

The services that answer these (enrolment, commands, the programme, the safety pathway) start
flows themselves, so they and the conversations need each other. `FlowHooks` is the small object
made first: the conversations are built with it, and the composition root connects each
service to it once, in one place (`bot/wiring/hooks.py`), before anything runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from bot.care.ports import Patient, Run, UnitOfWork
from flows.runtime import Effect, RunState

# Called when a flow finishes, inside the same unit of work (e.g. onboarding → enrol).
FinishHook = Callable[[UnitOfWork, Patient, Run, RunState, str], Awaitable[None]]

# Variables a flow started later by the scheduler needs, computed when it starts.
VariableProvider = Callable[[UnitOfWork, Patient], Awaitable[dict[str, Any]]]

# Called when a step moves the patient to another time zone, with the zone they were in.
ZoneHook = Callable[[UnitOfWork, Patient, str], Awaitable[None]]


class EffectWatch(Protocol):
    """Looks at a step's effects as the engine makes them, for risk triggers."""

    def __call__(self, effect: Effect) -> bool:
        """True when the flow must say nothing after this effect."""
        ...

    async def act(self, uow: UnitOfWork, patient: Patient) -> None:
        """Do what the effects seen call for, after the step was applied."""


class StepListener(Protocol):
    """Told about the patient's words and every step, inside its unit of work (e.g. safety)."""

    async def screen(self, uow: UnitOfWork, patient: Patient, text: str) -> bool:
        """Act on risk in the patient's words; True when they must not answer the open question."""
        ...

    async def watch(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState
    ) -> EffectWatch | None:
        """What to look for in a step of this run, or None when nothing can interrupt it."""
        ...


class FlowHooks:
    """The care services the conversations call between steps, connected once at start-up."""

    def __init__(self, *, keep_quiet: Mapping[str, frozenset[str]] | None = None) -> None:
        """`keep_quiet`: outcomes of a flow on top after which the flow underneath waits for
        the patient's next message instead of asking again at once (flow id -> outcomes)."""
        self._keep_quiet = dict(keep_quiet or {})
        self._finished: dict[str, list[FinishHook]] = {}
        self._providers: dict[str, VariableProvider] = {}
        self._zone: list[ZoneHook] = []
        self._guard: StepListener | None = None

    # ------------------------------------------------------------- connecting (start-up only)

    def on_finish(self, flow: str, hook: FinishHook) -> None:
        """Call `hook` whenever `flow` ends (after the hooks connected before it)."""
        self._finished.setdefault(flow, []).append(hook)

    def provide(self, flow: str, provider: VariableProvider) -> None:
        """Compute `flow`'s variables with `provider` when the scheduler starts it."""
        if flow in self._providers:
            raise ValueError(f"the variables of {flow!r} already have a provider")
        self._providers[flow] = provider

    def on_zone_change(self, hook: ZoneHook) -> None:
        """Call `hook` whenever a step moves the patient to another time zone."""
        self._zone.append(hook)

    def guard_with(self, listener: StepListener) -> None:
        """Let `listener` read every message and step for risk (the safety pathway)."""
        if self._guard is not None:
            raise ValueError("the conversations already have a guard")
        self._guard = listener

    # --------------------------------------------------------------- asked by the conversations

    @property
    def guard(self) -> StepListener | None:
        """Who reads every message and step for risk, if anyone."""
        return self._guard

    async def finished(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState, flow: str, outcome: str
    ) -> None:
        """`flow` ended with `outcome` in this step: tell whoever acts on it."""
        for hook in self._finished.get(flow, ()):
            await hook(uow, patient, run, state, outcome)

    async def variables(self, uow: UnitOfWork, patient: Patient, flow: str) -> dict[str, Any]:
        """What a flow started by the scheduler should know (e.g. crisis contacts)."""
        provider = self._providers.get(flow)
        return await provider(uow, patient) if provider is not None else {}

    async def zone_changed(self, uow: UnitOfWork, patient: Patient, before: str) -> None:
        """The patient moved time zone (from `before`)."""
        for hook in self._zone:
            await hook(uow, patient, before)

    def quiet_after(self, flow: str) -> frozenset[str]:
        """The outcomes of `flow` after which the run underneath waits for the patient."""
        return self._keep_quiet.get(flow, frozenset())
