"""The small syntax of a crisis-term entry: `(a|b)` alternatives and `[x]` optional words.

`took (all|too many) [of] my pills` stands for four phrases. Expanding happens once, when the
list is loaded, so matching a message never has to interpret the syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

# An entry that stands for more phrases than this is almost certainly a mistake (or should be
# split so that `flows check` can point at the part that is wrong).
MAX_VARIANTS = 1000

_CLOSE = {"(": ")", "[": "]"}
_TOO_MANY = f"this entry stands for more than {MAX_VARIANTS} phrases: split it into several"


@dataclass(frozen=True)
class PatternError(Exception):
    """An entry the syntax cannot read; `offset` is where in the entry (0-based)."""

    message: str
    offset: int

    def __str__(self) -> str:
        return self.message


def expand(entry: str) -> list[str]:
    """Every phrase an entry stands for, in order; raises PatternError."""
    variants, end = _sequence(entry, 0, None)
    if end < len(entry):  # only a stray closing bracket stops the top-level sequence early
        raise PatternError(f"`{entry[end]}` closes nothing: remove it or add its opening", end)
    if len(variants) > MAX_VARIANTS:
        raise PatternError(_TOO_MANY, 0)
    return variants


def _sequence(entry: str, start: int, closer: str | None) -> tuple[list[str], int]:
    """Read until `closer` (or the end); return the alternatives and where reading stopped."""
    alternatives: list[list[str]] = []
    parts: list[list[str]] = []
    position = start
    while position < len(entry):
        char = entry[position]
        if char in _CLOSE:
            group, position = _group(entry, position)
            parts.append(group)
            continue
        if char in ")]":
            break
        if char == "|":
            if closer is None:
                raise PatternError(
                    "`|` only goes inside `( )` or `[ ]`, like `(die|be dead)`", position
                )
            alternatives.append(_join(parts))
            parts = []
        else:
            parts.append([char])
        position += 1
    alternatives.append(_join(parts))
    return [variant for group in alternatives for variant in group], position


def _group(entry: str, start: int) -> tuple[list[str], int]:
    """A `( ... )` or `[ ... ]` group starting at `start`; return it and the position after it."""
    opener = entry[start]
    closer = _CLOSE[opener]
    variants, end = _sequence(entry, start + 1, closer)
    if end >= len(entry) or entry[end] != closer:
        raise PatternError(f"`{opener}` is never closed: add `{closer}`", start)
    if not any(variant.strip() for variant in variants):
        raise PatternError(f"`{opener}{closer}` has nothing inside", start)
    if opener == "[":
        variants = [*variants, ""]
    return variants, end + 1


def _join(parts: list[list[str]]) -> list[str]:
    count = 1
    for part in parts:
        count *= len(part)
        if count > MAX_VARIANTS:
            raise PatternError(_TOO_MANY, 0)
    return ["".join(chosen) for chosen in product(*parts)]
