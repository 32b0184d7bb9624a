"""A flow as a Mermaid `flowchart TD`, so researchers can see its states and paths at a glance.

The output is deterministic (states in file order, edges in a fixed order) so a diagram can be
kept in version control and diffed.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flows.model import (
    AskState,
    BranchState,
    CallState,
    EndState,
    Flow,
    JumpState,
    LocalText,
    QuestionnaireState,
    State,
    WaitState,
)

# Mermaid shape brackets per state kind; the node's text goes between them.
_SHAPES: dict[str, tuple[str, str]] = {
    "say": ('["', '"]'),
    "ask": ('("', '")'),
    "branch": ('{"', '"}'),
    "set": ('[/"', '"/]'),
    "questionnaire": ('{{"', '"}}'),
    "assign": ('[/"', '"\\]'),
    "handover": ('>"', '"]'),
    "alert": ('>"', '"]'),
    "wait": ('(("', '"))'),
    "call": ('[["', '"]]'),
    "jump": ('[["', '"]]'),
    "end": ('(["', '"])'),
}
_CLASSES = {
    "alert": "fill:#fdd,stroke:#c33",
    "handover": "fill:#fed,stroke:#c83",
    "end": "fill:#dfd,stroke:#393",
    "flow": "fill:#eef,stroke:#66a,stroke-dasharray:4 3",
    "missing": "fill:#fff,stroke:#c33,stroke-dasharray:2 2",
}


def mermaid(flow: Flow, language: str | None = None) -> str:
    """The flow as Mermaid `flowchart TD` text; button labels in `language` (else the first)."""
    return _Chart(flow, language).render()


def iso_duration(value: timedelta) -> str:
    """A timedelta in ISO 8601 form, as researchers write it (`P1D`, `PT4H`, `P1DT30M`)."""
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    date = f"{days}D" if days else ""
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if not (date or time):
        return "PT0S"
    return "P" + date + (f"T{time}" if time else "")


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label (quotes and angle brackets as entity codes)."""
    text = text.replace("#", "#35;").replace('"', "#quot;")
    text = text.replace("<", "#lt;").replace(">", "#gt;")
    return re.sub(r"\s+", " ", text).strip()


class _Chart:
    """Builds the node and edge lines of one flow's chart."""

    def __init__(self, flow: Flow, language: str | None) -> None:
        self.flow = flow
        self.language = language
        self.ids: dict[str, str] = {}
        self.nodes: list[str] = []
        self.edges: list[str] = []
        self.classes: dict[str, list[str]] = {}
        self.extra: dict[str, str] = {}  # flows and missing states, by node id

    def render(self) -> str:
        for name in self.flow.states:
            self.ids[name] = self._new_id("s_" + name)
        for name, state in self.flow.states.items():
            self._node(name, state)
        self.edges.insert(0, f"    start_((start)) --> {self._target(self.flow.start)}")
        for name, state in self.flow.states.items():
            self._edges(self.ids[name], state)
        lines = ["flowchart TD", *self.nodes, *self.extra.values(), *self.edges]
        for kind, style in _CLASSES.items():
            if kind in self.classes:
                # Prefixed: `end` is a Mermaid keyword and cannot name a class.
                lines.append(f"    classDef k_{kind} {style}")
                lines.append(f"    class {','.join(self.classes[kind])} k_{kind}")
        return "\n".join(lines) + "\n"

    def _new_id(self, wanted: str) -> str:
        """A Mermaid-safe node id, unique in this chart (`end` and friends are reserved words)."""
        base = re.sub(r"\W", "_", wanted, flags=re.ASCII)
        taken = set(self.ids.values()) | set(self.extra)
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        return candidate

    def _node(self, name: str, state: State) -> None:
        node_id = self.ids[name]
        opening, closing = _SHAPES[state.kind]
        label = f"{escape(name)}<br/><i>{escape(_kind_text(state))}</i>"
        self.nodes.append(f"    {node_id}{opening}{label}{closing}")
        if state.kind in _CLASSES:
            self.classes.setdefault(state.kind, []).append(node_id)

    def _target(self, name: str) -> str:
        """The node for a state (a marked placeholder when the flow has no such state)."""
        if name in self.ids:
            return self.ids[name]
        node_id = self._new_id("missing_" + name)
        if node_id not in self.extra:
            self.extra[node_id] = f'    {node_id}["{escape(name)}<br/><i>no such state</i>"]'
            self.classes.setdefault("missing", []).append(node_id)
        return node_id

    def _flow_node(self, flow_id: str) -> str:
        node_id = "f_" + re.sub(r"\W", "_", flow_id, flags=re.ASCII)
        if node_id not in self.extra:
            self.extra[node_id] = f'    {node_id}[["flow {escape(flow_id)}"]]'
            self.classes.setdefault("flow", []).append(node_id)
        return node_id

    def _edge(self, source: str, target: str, label: str = "", *, dotted: bool = False) -> None:
        arrow = "-.->" if dotted else "-->"
        text = f'|"{escape(label)}"|' if label else ""
        self.edges.append(f"    {source} {arrow}{text} {target}")

    def _edges(self, source: str, state: State) -> None:
        if isinstance(state, AskState):
            self._ask_edges(source, state)
        elif isinstance(state, BranchState):
            for arm in state.branch:
                if arm.else_ is not None:
                    self._edge(source, self._target(arm.else_), "else")
                elif arm.next is not None:
                    self._edge(source, self._target(arm.next), arm.if_ or "")
        elif isinstance(state, CallState):
            self._edge(source, self._flow_node(state.call.flow), "call")
        elif isinstance(state, JumpState):
            self._edge(source, self._flow_node(state.jump.flow), "jump")
        if isinstance(state, WaitState) and state.next is not None:
            after = f"after {iso_duration(state.wait)}"
            self._edge(source, self._target(state.next), after, dotted=True)
        elif state.next is not None:
            self._edge(source, self._target(state.next))

    def _ask_edges(self, source: str, state: AskState) -> None:
        for button in state.buttons or []:
            if button.next is not None:
                self._edge(source, self._target(button.next), self._text(button.label))
        if state.yes is not None:
            self._edge(source, self._target(state.yes), "yes")
        if state.no is not None:
            self._edge(source, self._target(state.no), "no")
        if state.timeout is not None:
            after = f"after {iso_duration(state.timeout.after)}"
            self._edge(source, self._target(state.timeout.next), after, dotted=True)
        if state.on_misfits is not None:
            misfits = f"after {state.max_misfits} misfits"
            self._edge(source, self._target(state.on_misfits), misfits, dotted=True)

    def _text(self, text: LocalText) -> str:
        if isinstance(text, str):
            return text
        if self.language in text:
            return text[self.language]
        return next(iter(text.values()), "")


def _kind_text(state: State) -> str:
    """The state's kind, with the detail that tells similar states apart."""
    if isinstance(state, AskState):
        return f"ask: {state.input_kind}"
    if isinstance(state, QuestionnaireState):
        return f"questionnaire: {state.questionnaire.id}"
    if isinstance(state, CallState):
        return f"call: {state.call.flow}"
    if isinstance(state, JumpState):
        return f"jump: {state.jump.flow}"
    if isinstance(state, EndState):
        return f"end: {state.end}"
    if isinstance(state, WaitState):
        return f"wait: {iso_duration(state.wait)}"
    return state.kind
