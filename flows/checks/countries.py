"""A flow may only set `country` to a country programme.yaml offers (or to `other`).

programme.yaml's `countries` is the one list of places the programme serves: the contacts file
must cover each of them, so a button offering any other country would show no local helplines.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flows.checks.base import FlowFile, Programme
from flows.contacts import ELSEWHERE
from flows.diagnostics import Diagnostic
from flows.errors import suggest
from flows.loader import NodePath
from flows.model import AskState, SetState

VARIABLE = "country"


def settings_of_country(file: FlowFile) -> Iterator[tuple[NodePath, Any]]:
    """Every literal value a state or button gives `country`, with where it is written."""
    for _, state, at in file.states():
        if isinstance(state, SetState) and VARIABLE in state.set:
            yield (*at, "set", VARIABLE), state.set[VARIABLE]
        if isinstance(state, AskState):
            for index, button in enumerate(state.buttons or []):
                if VARIABLE in button.set:
                    yield (*at, "buttons", index, "set", VARIABLE), button.set[VARIABLE]


def check(programme: Programme) -> Iterator[Diagnostic]:
    """An error wherever a flow sets `country` to one programme.yaml does not offer."""
    offered = sorted(programme.settings.countries)
    for file in programme.files:
        found = [(at, value) for at, value in settings_of_country(file) if value != ELSEWHERE]
        if found and not offered:  # once per file, not once per button
            message = f"this flow sets `{VARIABLE}`, but programme.yaml lists no `countries`"
            yield file.at(found[0][0], message)
            continue
        for at, value in found:
            if value in offered:
                continue
            listed = ", ".join(offered)
            hint = suggest(str(value), offered)
            message = (
                f"`{value}` is not one of programme.yaml's `countries` ({listed}){hint}: "
                f"offer it there (with its crisis contacts) or use `{ELSEWHERE}`"
            )
            yield file.at(at, message)
