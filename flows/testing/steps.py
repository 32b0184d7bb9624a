"""What each step of a conversation test does, and how it says what went wrong.

Every handler returns None when the step holds, else one message of the form
`<what was expected> — <what happened>`, detailed enough to fix the test or the flow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic_core import to_jsonable_python

from flows.runtime import ButtonPress, Effect, TextAnswer, TimeoutFired
from flows.testing.conversation import Conversation, button_labels, describe_message, plain_text
from flows.testing.spec import BotExpectation

Handler = Callable[[Conversation, Any], "str | None"]
_MISSING = object()


def _fold(text: str) -> str:
    return plain_text(text).casefold()


def _sent(conv: Conversation) -> str:
    """The messages since the last action, one per line, for failure messages."""
    messages = conv.messages()
    if not messages:
        return f"the bot sent nothing since the last action ({conv.where()})"
    lines = [f"\n    {n}. {describe_message(m)}" for n, m in enumerate(messages, 1)]
    return "the bot sent:" + "".join(lines)


def check_bot(conv: Conversation, expect: BotExpectation) -> str | None:
    """A message since the last action contains the text, or matches the pattern."""
    texts = [plain_text(message.html) for message in conv.messages()]
    if expect.pattern is not None:
        wanted = f"a message matching /{expect.pattern}/"
        found = any(re.search(expect.pattern, text, re.IGNORECASE) for text in texts)
    else:
        assert expect.text is not None
        wanted = f'a message containing "{expect.text}"'
        found = any(_fold(expect.text) in text.casefold() for text in texts)
    return None if found else f"expected {wanted} — {_sent(conv)}"


def check_no_bot(conv: Conversation, expect: BotExpectation) -> str | None:
    """No message since the last action contains the text, or matches the pattern."""
    texts = [plain_text(message.html) for message in conv.messages()]
    if expect.pattern is not None:
        unwanted = f"no message matching /{expect.pattern}/"
        found = [t for t in texts if re.search(expect.pattern, t, re.IGNORECASE)]
    else:
        assert expect.text is not None
        unwanted = f'no message containing "{expect.text}"'
        found = [t for t in texts if _fold(expect.text) in t.casefold()]
    return None if not found else f'expected {unwanted} — the bot sent "{found[0]}"'


def check_buttons(conv: Conversation, expected: list[str]) -> str | None:
    """The open question offers exactly these buttons, in this order."""
    question = conv.open_question()
    wanted = f"buttons {_listed(expected)}"
    if question is None:
        return f"expected {wanted} — there is no open question ({conv.where()})"
    offered = button_labels(question)
    if offered == [plain_text(label) for label in expected]:
        return None
    return f"expected {wanted} — the open question offers {_listed(offered)}"


def _listed(labels: list[str]) -> str:
    return "[" + ", ".join(f'"{label}"' for label in labels) + "]" if labels else "no buttons"


def do_tap(conv: Conversation, label: str) -> str | None:
    """Press the open question's button with this label."""
    question = conv.open_question()
    if question is None:
        return f'expected to tap "{label}" — there is no open question ({conv.where()})'
    offered = button_labels(question)
    option = _find_label(offered, label)
    if option is None:
        return f'expected a button "{label}" — the open question offers {_listed(offered)}'
    event = ButtonPress(token=question.token, option=question.buttons[option].option, at=conv.now)
    return conv.act(event)


def _find_label(offered: list[str], label: str) -> int | None:
    """The exact label first; else the one label equal to it ignoring case."""
    wanted = plain_text(label)
    if wanted in offered:
        return offered.index(wanted)
    folded = [n for n, text in enumerate(offered) if text.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def do_send(conv: Conversation, text: str) -> str | None:
    """Type a message."""
    if conv.finished or conv.state is None:
        return f'expected to send "{text}" — {conv.where()}'
    return conv.act(TextAnswer(text=text, at=conv.now))


def do_timeout(conv: Conversation, _: Any) -> str | None:
    """Let the scheduled timeout fire; the clock moves on by its delay."""
    scheduled = conv.scheduled_timeout()
    if scheduled is None:
        return f"expected a timeout to fire — none is scheduled ({conv.where()})"
    token, delay = scheduled
    conv.now += delay
    return conv.act(TimeoutFired(token=token, at=conv.now))


def check_vars(conv: Conversation, expected: dict[str, Any]) -> str | None:
    """The run's variables include these values (dotted names reach inside)."""
    variables = conv.variables()
    wrong = []
    for name, value in expected.items():
        actual = lookup(variables, name)
        if actual is _MISSING:
            wrong.append(f"{name} is not set")
        elif not same(value, actual):
            wrong.append(f"{name} is {_show(actual)}")
    if not wrong:
        return None
    wanted = ", ".join(f"{name} = {_show(value)}" for name, value in expected.items())
    known = ", ".join(sorted(variables)) or "none"
    return f"expected {wanted} — {'; '.join(wrong)} (variables set: {known})"


def lookup(variables: dict[str, Any], name: str) -> Any:
    """A variable by dotted name (`phq9.items.q9`); _MISSING when absent."""
    if name in variables:
        return variables[name]
    node: Any = variables
    for part in name.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def same(expected: Any, actual: Any) -> bool:
    """Whether a value matches what a test expects; a mapping matches when its named keys do."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and same(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list | tuple)
            and len(actual) == len(expected)
            and all(same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if expected == actual:
        return True
    # Durations, dates and times compare in their written form (P1D, 2026-01-05, 09:00:00).
    return bool(to_jsonable_python(actual, fallback=str) == expected)


def _show(value: Any) -> str:
    return repr(to_jsonable_python(value, fallback=str))


def check_effect(conv: Conversation, expected: dict[str, Any]) -> str | None:
    """An effect with these fields happened since the last action."""
    if any(_matches(effect, expected) for effect in conv.recent):
        return None
    return f"expected an effect {_fields(expected)} — {_effects(conv, str(expected['kind']))}"


def check_no_effect(conv: Conversation, expected: dict[str, Any]) -> str | None:
    """No effect with these fields happened since the last action."""
    found = [effect for effect in conv.recent if _matches(effect, expected)]
    if not found:
        return None
    return f"expected no effect {_fields(expected)} — got {_effect_text(found[0])}"


def check_score(conv: Conversation, expected: dict[str, Any]) -> str | None:
    """A questionnaire score with these fields since the last action."""
    return check_effect(conv, {"kind": "score", **expected})


def _matches(effect: Effect, expected: dict[str, Any]) -> bool:
    data = effect.model_dump()
    return all(name in data and same(value, data[name]) for name, value in expected.items())


def _fields(fields: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in fields.items()) + "}"


def _effect_text(effect: Effect) -> str:
    data = effect.model_dump(exclude={"kind"})
    inner = ", ".join(f"{k}={_show(v)}" for k, v in data.items())
    return f"{effect.kind}({inner})"


def _effects(conv: Conversation, kind: str) -> str:
    """The effects since the last action: those of the wanted kind in full, others by kind."""
    if not conv.recent:
        return f"nothing happened since the last action ({conv.where()})"
    shown = [_effect_text(e) if e.kind == kind else e.kind for e in conv.recent]
    return "effects since the last action: " + ", ".join(shown)


def check_end(conv: Conversation, outcome: str) -> str | None:
    """The run has finished with this outcome."""
    if conv.finished and conv.state is not None and conv.state.outcome == outcome:
        return None
    question = conv.open_question()
    asked = f' (asking "{plain_text(question.html)}")' if question and not conv.finished else ""
    return f"expected the conversation to end with {outcome!r} — {conv.where()}{asked}"


HANDLERS: dict[str, Handler] = {
    "bot": check_bot,
    "no_bot": check_no_bot,
    "buttons": check_buttons,
    "tap": do_tap,
    "send": do_send,
    "timeout": do_timeout,
    "vars": check_vars,
    "effect": check_effect,
    "no_effect": check_no_effect,
    "score": check_score,
    "end": check_end,
}
