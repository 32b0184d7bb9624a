"""Handling one event for one patient: load the pinned run, step the engine, apply, commit.

Every public method is one unit of work. An event key seen before changes nothing, so a
redelivered update or a retried call is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.care import outgoing, phrases
from bot.care.effects import PROFILE_VARIABLES, Step, apply_effects, send
from bot.care.hooks import EffectWatch, FlowHooks
from bot.care.inbound import handled_before
from bot.care.ports import (
    PRIORITY_BULK,
    PRIORITY_INTERACTIVE,
    Clock,
    Patient,
    Run,
    UnitOfWork,
    UnitOfWorkFactory,
)
from flows import engine
from flows.library import FlowLibrary
from flows.runtime import (
    Ask,
    ButtonPress,
    Event,
    FlowFinished,
    RunState,
    Stale,
    StepResult,
    TextAnswer,
    TimeoutFired,
)

log = logging.getLogger(__name__)

# Variables that belong to one run only: the engine's own, and the alias (kept on the patient).
RUN_ONLY = frozenset({"last_outcome", "alias"})


@dataclass
class Conversations:
    """The conversation service shared by Telegram, the terminal and the scheduler."""

    uow: UnitOfWorkFactory
    library: FlowLibrary
    clock: Clock
    # Flow ends, time-zone moves, scheduled flows' variables and the safety guard.
    hooks: FlowHooks = field(default_factory=FlowHooks)
    max_text: int = 4000
    # Whether people read the staff chat: flows promise a person only then (`staffed`).
    staffed: bool = False

    async def text(self, patient_id: int, key: str | None, text: str) -> bool:
        """The patient typed something; False when the event was a duplicate."""
        if len(text) > self.max_text:  # still read for crisis language, but not kept
            return await self._notice(patient_id, key, "too_long", text, limit=self.max_text)
        return await self._handle(patient_id, key, TextAnswer(text=text, at=self.clock.now()))

    async def press(self, patient_id: int, key: str | None, data: str) -> bool:
        """The patient tapped a button; True when it was a current button of theirs."""
        button = outgoing.parse_callback(data)
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return False
            patient = await self._patient(uow, patient_id)
            run = await uow.runs.get_active(patient_id)
            if button is None or run is None or run.id != button.run_id:
                await self._reply(uow, patient, "stale_button")
                await uow.commit()
                return False
            event = ButtonPress(token=button.token, option=button.option, at=self.clock.now())
            result = await self.advance(uow, patient, run, event)
            await uow.commit()
        return not any(isinstance(effect, Stale) for effect in result.effects)

    async def edited(self, patient_id: int, key: str | None, text: str) -> bool:
        """An edited message: the new text answers the open question if it fits, else noted."""
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return False
            patient = await self._patient(uow, patient_id)
            if not await self._screen(uow, patient, text):
                await self._answer_edit(uow, patient, text)
            await uow.commit()
        return True

    async def _answer_edit(self, uow: UnitOfWork, patient: Patient, text: str) -> None:
        run = await uow.runs.get_active(patient.id)
        if run is not None and len(text) <= self.max_text:
            state = await self._load(uow, run)
            event = TextAnswer(text=text, at=self.clock.now())
            watch = await self._watch(uow, patient, run, state)
            result = engine.step(
                self.library, state, event, await self.context(uow, patient), watch
            )
            if _answers(result):
                await self._apply(uow, patient, run, state, result, PRIORITY_INTERACTIVE)
                await self._act(uow, patient, watch)
                return
        await self._reply(uow, patient, "edit_noted")

    async def unsupported(self, patient_id: int, key: str | None) -> bool:
        """The patient sent something we cannot read (a sticker, a voice note): say so kindly."""
        return await self._notice(patient_id, key, "unsupported")

    async def _notice(
        self,
        patient_id: int,
        key: str | None,
        phrase: str,
        said: str | None = None,
        **values: Any,
    ) -> bool:
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return False
            patient = await self._patient(uow, patient_id)
            if said is None or not await self._screen(uow, patient, said):
                await self._reply(uow, patient, phrase, **values)
                await self.resume(uow, patient)
            await uow.commit()
        return True

    async def _handle(self, patient_id: int, key: str | None, event: TextAnswer) -> bool:
        async with self.uow() as uow:
            if await handled_before(uow, key):
                return False
            patient = await self._patient(uow, patient_id)
            if not await self._screen(uow, patient, event.text):
                run = await uow.runs.get_active(patient_id)
                if run is None:
                    await self._reply(uow, patient, "nothing_open")
                else:
                    await self.advance(uow, patient, run, event)
            await uow.commit()
        return True

    async def screen(self, uow: UnitOfWork, patient: Patient, text: str | None) -> bool:
        """Read words the patient sent elsewhere (e.g. to a helper) for risk; True on risk."""
        return text is not None and await self._screen(uow, patient, text)

    async def _screen(self, uow: UnitOfWork, patient: Patient, text: str) -> bool:
        # Risk in the words comes first: they then answer no question and are kept nowhere.
        guard = self.hooks.guard
        return guard is not None and await guard.screen(uow, patient, text)

    async def _watch(
        self, uow: UnitOfWork, patient: Patient, run: Run, state: RunState
    ) -> EffectWatch | None:
        guard = self.hooks.guard
        return None if guard is None else await guard.watch(uow, patient, run, state)

    async def _act(self, uow: UnitOfWork, patient: Patient, watch: EffectWatch | None) -> None:
        if watch is not None:
            await watch.act(uow, patient)

    async def start_flow(
        self,
        uow: UnitOfWork,
        patient: Patient,
        flow_id: str,
        *,
        kind: str,
        variables: dict[str, Any] | None = None,
        priority: int = PRIORITY_INTERACTIVE,
    ) -> Run:
        """Start a run of `flow_id` for the patient inside the caller's unit of work."""
        flow = self.library.get(flow_id)
        run = await uow.runs.create(patient.id, flow.id, flow.revision, {}, kind=kind)
        context = await self.context(uow, patient)
        result = engine.start(self.library, flow_id, context, variables or {})
        await self._apply(
            uow, patient, run, RunState(current=result.state.current), result, priority
        )
        log.info("flow started: patient=%s flow=%s run=%s", patient.pseudonym, flow_id, run.id)
        return run

    async def scheduled_variables(
        self, uow: UnitOfWork, patient: Patient, flow_id: str
    ) -> dict[str, Any]:
        """What a flow started by the scheduler should know (e.g. crisis contacts)."""
        return await self.hooks.variables(uow, patient, flow_id)

    async def resume(self, uow: UnitOfWork, patient: Patient) -> bool:
        """Ask the patient's open question again (or let a held run go on); False when none."""
        run = await uow.runs.get_active(patient.id)
        if run is None:
            return False
        state = await self._load(uow, run)
        result = engine.reask(self.library, state, await self.context(uow, patient))
        await self._apply(uow, patient, run, state, result, PRIORITY_INTERACTIVE)
        return bool(result.effects)

    async def migrate_runs(self) -> int:
        """Move active runs to newer revisions where a `migrate:` map says how; how many moved.

        Called on start: a run whose state is listed enters the new state (and hears it);
        every other run stays pinned to the revision it started on.
        """
        movable = {fid for fid, flow in self.library.flows.items() if flow.migrate}
        if not movable:
            return 0
        async with self.uow() as uow:
            runs = [
                (run.id, run.patient_id)
                for fid in self.library.flows
                for run in await uow.runs.list_active_for_flow(fid)
            ]
        moved = 0
        for run_id, patient_id in runs:
            moved += await self._migrate_run(run_id, patient_id, movable)
        return moved

    async def _migrate_run(self, run_id: int, patient_id: int, movable: set[str]) -> int:
        async with self.uow() as uow:
            await uow.patients.lock(patient_id)  # the run is read after the lock, never before
            run = await uow.runs.get(run_id)
            if run is None or run.status != "active":
                return 0
            state = await self._load(uow, run)
            if not any(frame.flow in movable for frame in (state.current, *state.stack)):
                return 0
            patient = await uow.patients.get(run.patient_id)
            if patient is None:
                return 0
            result = engine.migrate(self.library, state, await self.context(uow, patient))
            if result.state == state:
                return 0
            await self._apply(uow, patient, run, state, result, PRIORITY_BULK)
            root = (*result.state.stack, result.state.current)[0]
            await uow.runs.save_state(run, result.state.to_json(), revision=root.revision)
            await uow.commit()
        log.info("run migrated: run=%s flow=%s", run_id, run.flow_id)
        return 1

    async def abandon_runs(
        self, uow: UnitOfWork, patient: Patient, kind: str | None = None
    ) -> None:
        """End the patient's active runs (of one kind), e.g. before a command flow starts."""
        while (run := await uow.runs.get_active(patient.id, kind)) is not None:
            await uow.runs.finish(run, "abandoned")

    async def context(self, uow: UnitOfWork, patient: Patient) -> dict[str, Any]:
        """What flows can read about the patient: saved variables and the profile."""
        saved = await uow.variables.get_all(patient.id)
        enrolment = await uow.enrolments.current(patient.id)
        return {
            **saved,
            "alias": uow.patients.alias(patient) or "",
            "language": patient.language,
            "pseudonym": patient.pseudonym,
            "care_mode": patient.care_mode,
            "module": enrolment.current_module if enrolment else 0,
            "today": self.clock.now().date().isoformat(),
            "staffed": self.staffed,
        }

    async def _patient(self, uow: UnitOfWork, patient_id: int) -> Patient:
        await uow.patients.lock(patient_id)  # before the run is read: one writer per patient
        patient = await uow.patients.get(patient_id)
        if patient is None:
            raise LookupError(f"no patient with id {patient_id}")
        await uow.patients.touch(patient)
        return patient

    async def _reply(self, uow: UnitOfWork, patient: Patient, phrase: str, **values: Any) -> None:
        await send(
            uow, patient, outgoing.text_payload(phrases.say(phrase, patient.language, **values))
        )

    async def _load(self, uow: UnitOfWork, run: Run) -> RunState:
        """The run's state, with every revision it is pinned to loaded into the library."""
        state = RunState.from_json(uow.runs.state(run))
        for frame in (state.current, *state.stack):
            if not self.library.has_revision(frame.flow, frame.revision):
                content = await uow.flow_revisions.get_content(frame.flow, frame.revision)
                if content is None:
                    raise LookupError(f"flow {frame.flow} revision {frame.revision} is not stored")
                self.library.add_revision_text(content, self._path_of(frame.flow))
        return state

    def _path_of(self, flow_id: str) -> str:
        try:
            return self.library.get(flow_id).path
        except KeyError:
            return f"{flow_id}.yaml"

    async def advance(
        self,
        uow: UnitOfWork,
        patient: Patient,
        run: Run,
        event: Event,
        priority: int = PRIORITY_INTERACTIVE,
    ) -> StepResult:
        """Step the patient's run with an event inside the caller's unit of work.

        A risk trigger among the step's effects (say, PHQ-9 item 9) ends the run's turn there:
        the run is held, and what the listeners start instead is the only open question.
        """
        state = await self._load(uow, run)
        watch = await self._watch(uow, patient, run, state)
        context = await self.context(uow, patient)
        result = engine.step(self.library, state, event, context, watch)
        if isinstance(event, TimeoutFired):  # a late timeout is nothing the patient should hear
            result = result.model_copy(
                update={"effects": tuple(e for e in result.effects if not isinstance(e, Stale))}
            )
        await self._apply(uow, patient, run, state, result, priority)
        if isinstance(event, TextAnswer) and not result.effects:
            await self._reply(uow, patient, "waiting")  # e.g. during a pause in the flow
        await self._act(uow, patient, watch)
        return result

    async def _apply(
        self,
        uow: UnitOfWork,
        patient: Patient,
        run: Run,
        before: RunState,
        result: StepResult,
        priority: int,
    ) -> None:
        step = Step(uow, patient, run, self.clock.now(), priority)
        await apply_effects(step, result.effects)
        await self._sync_profile(uow, patient, before, result.state)
        state = result.state
        await uow.runs.save_state(run, state.to_json(), status=state.status, outcome=state.outcome)
        for effect in result.effects:
            if isinstance(effect, FlowFinished):
                await self.hooks.finished(uow, patient, run, state, effect.flow, effect.outcome)
        if state.status == "finished":
            await self._uncover(uow, patient, run, state.outcome)

    async def _uncover(
        self, uow: UnitOfWork, patient: Patient, run: Run, outcome: str | None
    ) -> None:
        """A run on top ended: the one it interrupted (a module, say) is asked again."""
        underneath = await uow.runs.get_active(patient.id)
        if underneath is None or underneath.id > run.id:
            return
        if outcome not in self.hooks.quiet_after(run.flow_id):
            await self.resume(uow, patient)  # e.g. a module interrupted by a command
            return
        # After "I'm not safe" a lesson must not carry on at once: it waits for the patient.
        state = await self._load(uow, underneath)
        await uow.runs.save_state(underneath, engine.out_of_sight(state).to_json())

    async def _sync_profile(
        self, uow: UnitOfWork, patient: Patient, before: RunState, after: RunState
    ) -> None:
        """Variables a step changed outlive the run; profile ones also update the patient."""
        changed = {
            name: value
            for name, value in after.vars.items()
            if name not in RUN_ONLY and (name not in before.vars or before.vars[name] != value)
        }
        profile = {name: changed.pop(name) for name in PROFILE_VARIABLES if name in changed}
        if "timezone" in profile and not _is_timezone(profile["timezone"]):
            del profile["timezone"]
        if profile:
            zone_before = patient.timezone
            await uow.patients.update(patient, **profile)
            if patient.timezone != zone_before:
                await self.hooks.zone_changed(uow, patient, zone_before)
        if changed:
            await uow.variables.set_many(patient.id, changed)


def _answers(result: StepResult) -> bool:
    """True when a step took the text as an answer (not a reprompt, not ignored)."""
    return bool(result.effects) and not any(
        isinstance(effect, Ask) and effect.reprompt for effect in result.effects
    )


def _is_timezone(name: Any) -> bool:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
