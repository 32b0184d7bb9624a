"""Which effects of a step are risk triggers: the rule alerts and scores that start the pathway.

Pure apart from loading the baselines: the engine asks the watch about each effect as it makes
it, so the interrupted flow says nothing after the first trigger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.care.outcomes import RELIABLE_CHANGE, is_deterioration
from bot.care.ports import Patient, UnitOfWork
from flows import runtime as fx


@dataclass(frozen=True)
class Trigger:
    """A reason to start the pathway; `alert` when no rule has alerted a human for it yet."""

    name: str
    detail: dict[str, Any]
    alert: bool


def trigger_of(
    effect: fx.Effect, triggers: Mapping[str, str], baselines: Mapping[str, int]
) -> Trigger | None:
    """The trigger an effect is, given the programme's rule triggers and each measure's baseline.

    `triggers` maps a questionnaire alert's reason to the trigger it becomes (programme.yaml).
    """
    if isinstance(effect, fx.Alert) and effect.reason in triggers:
        return Trigger(triggers[effect.reason], effect.detail, alert=False)
    if isinstance(effect, fx.Score):
        baseline = baselines.get(effect.instrument)
        if is_deterioration(effect.instrument, baseline, effect.total):
            detail = {"instrument": effect.instrument, "total": effect.total}
            return Trigger("deterioration", detail, alert=True)
    return None


async def baselines(uow: UnitOfWork, patient: Patient) -> dict[str, int]:
    """Each measure's first total: a later score this much worse is a reliable deterioration."""
    found: dict[str, int] = {}
    for instrument in RELIABLE_CHANGE:
        results = await uow.questionnaires.list_for_patient(patient.id, instrument)
        if results:
            found[instrument] = results[0].total
    return found


Start = Callable[[UnitOfWork, Patient, Trigger], Awaitable[None]]


@dataclass
class TriggerWatch:
    """Watches one step: remembers its first trigger, then starts the pathway for it."""

    triggers: Mapping[str, str]
    baselines: dict[str, int]
    start: Start
    found: Trigger | None = field(default=None)

    def __call__(self, effect: fx.Effect) -> bool:
        """True from the first trigger on: the flow must say nothing after it."""
        if self.found is None:
            self.found = trigger_of(effect, self.triggers, self.baselines)
        return self.found is not None

    async def act(self, uow: UnitOfWork, patient: Patient) -> None:
        """Start the pathway for the trigger seen, if any."""
        if self.found is not None:
            await self.start(uow, patient, self.found)
