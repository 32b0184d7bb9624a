"""Injected faults: the next calls of a method fail or are slow, or the API is down."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: injected failure",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass
class Failure:
    """A planned failure: the status, how many calls are left, and what the response says."""

    method: str | None
    status: int
    times: int
    description: str
    retry_after: int | None = None

    def body(self) -> dict[str, Any]:
        """The JSON error body Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Delay:
    """A planned delay before (or after) a method is carried out."""

    method: str | None
    seconds: float
    times: int
    perform_first: bool


@dataclass
class Faults:
    """The plan of failures, delays and outages, consumed call by call."""

    clock: Callable[[], float] = time.monotonic
    failures: list[Failure] = field(default_factory=list)
    delays: list[Delay] = field(default_factory=list)
    outage_until: float | None = None
    dropping_until: float | None = None

    def fail(
        self,
        method: str | None,
        status: int,
        times: int,
        retry_after: int | None,
        description: str | None,
    ) -> Failure:
        """Plan `times` failures of `method` (None: any method)."""
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        text = description or DESCRIPTIONS.get(status, f"Error {status}")
        failure = Failure(method, status, times, text, retry_after)
        self.failures.append(failure)
        return failure

    def take_failure(self, method: str) -> Failure | None:
        """The failure planned for this call of `method`, if any (and count it down)."""
        return _take(self.failures, method)

    def take_delay(self, method: str) -> Delay | None:
        """The delay planned for this call of `method`, if any (and count it down)."""
        return _take(self.delays, method)

    def in_outage(self) -> bool:
        """Whether every call answers 502 right now."""
        if self.outage_until is None:
            return False
        if self.clock() >= self.outage_until:
            self.outage_until = None
            return False
        return True

    def dropping(self) -> bool:
        """Whether every connection is closed without an answer right now."""
        if self.dropping_until is None:
            return False
        if self.clock() >= self.dropping_until:
            self.dropping_until = None
            return False
        return True


_Plan = TypeVar("_Plan", Failure, Delay)


def _take(plans: list[_Plan], method: str) -> _Plan | None:
    for plan in plans:
        if plan.method is None or plan.method.lower() == method.lower():
            plan.times -= 1
            if plan.times <= 0:
                plans.remove(plan)
            return plan
    return None
