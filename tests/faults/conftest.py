"""Faults injected into a real `daybreak run`: a database that goes away, a Bot API that drops
connections or answers 5xx, kill -9, two processes, a poison update. Each scenario ends with a
census: every update answered, every committed message delivered once, except the one message
per chat that may be in flight at a kill -9.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from storage.crypto import generate_key
from storage.db import create_engine
from tests.e2e.telegram.conftest import (  # noqa: F401  (fixtures shared with the e2e suite)
    TICK,
    WAIT,
    BotProcess,
    Patient,
    daybreak,
    eventually,
    fake,
    fake_limits,
)
from tests.support.databases import postgres_database, require_postgres
from tests.support.pace import start_budget
from tests.support.tcp_proxy import TcpProxy

CONSENT = "Would you like to start Daybreak?"
INTRO_MESSAGES = 8  # what one /start brings: the welcome, the safety note, the consent question
RETRY_CAP = 2.0  # runtime.retry_cap: how soon after a fault ends the bot tries again
QUICK_RETRIES = {"DAYBREAK_RUNTIME__RETRY_CAP": str(RETRY_CAP)}
GLOBAL_RATE = 30.0  # Telegram's messages per second across chats (the bot keeps under it)
StartBot = Callable[..., Awaitable[BotProcess]]


@dataclass
class Census:
    """What the patients sent and saw, against what the bot committed."""

    updates_sent: int = 0
    answered: int = 0
    outbox_rows: int = 0
    outbox_sent: int = 0
    outbox_pending: int = 0
    outbox_undelivered: int = 0  # given up on, parked: a committed message that never went
    deliveries: int = 0
    duplicates: int = 0
    per_chat_duplicates: dict[int, int] = field(default_factory=dict)

    def line(self, scenario: str) -> str:
        """One printable line of figures."""
        return (
            f"census[{scenario}]: updates sent {self.updates_sent}, answered {self.answered}, "
            f"outbox rows {self.outbox_rows} (sent {self.outbox_sent}, pending "
            f"{self.outbox_pending}, undelivered {self.outbox_undelivered}), "
            f"deliveries {self.deliveries}, duplicates {self.duplicates}"
        )


@dataclass
class Database:
    """Where the bot's database is, and how a test reads it."""

    url: str  # what the bot connects to (through the proxy, on PostgreSQL)
    direct_url: str  # what the test reads with (never cut)
    env: dict[str, str]

    async def scalar(self, query: str) -> Any:
        """One value from the bot's database."""
        engine = create_engine(self.direct_url)
        try:
            async with engine.connect() as connection:
                return (await connection.execute(sa.text(query))).scalar_one()
        finally:
            await engine.dispose()


async def take_census(
    database: Database, patients: list[Patient], expected: str, sent: int
) -> Census:
    """Count what every patient saw against the outbox, once the bot has gone quiet."""
    census = Census(updates_sent=sent)
    census.answered = sum(any(expected in text for text in p.texts()) for p in patients)
    census.outbox_rows = await database.scalar("SELECT count(*) FROM outbox")
    census.outbox_sent = await database.scalar(
        "SELECT count(*) FROM outbox WHERE status = 'sent' AND target_kind = 'patient'"
    )
    census.outbox_pending = await database.scalar(
        "SELECT count(*) FROM outbox WHERE status = 'pending'"
    )
    census.outbox_undelivered = await database.scalar(
        "SELECT count(*) FROM outbox WHERE status NOT IN ('pending', 'sent')"
    )
    for patient in patients:
        texts = patient.texts()
        census.deliveries += len(texts)
        repeated = sum(n - 1 for n in Counter(texts).values())
        if repeated:
            census.per_chat_duplicates[patient.id] = repeated
    census.duplicates = census.deliveries - census.outbox_sent
    return census


def assert_whole(census: Census, *, patients: int, kills: int = 0) -> None:
    """Everyone answered, nothing left behind, and only the in-flight repeats a kill allows."""
    assert census.answered == patients, census
    assert census.outbox_pending == 0, census
    assert census.outbox_undelivered == 0, census
    assert census.duplicates == sum(census.per_chat_duplicates.values()), census
    assert all(n <= kills for n in census.per_chat_duplicates.values()), census


async def census_after(
    database: Database,
    patients: list[Patient],
    scenario: str,
    *,
    fault: float = 0.0,
    kills: int = 0,
) -> Census:
    """Wait until every patient has had the consent question and the outbox drained, then count:
    each patient sent one /start, and what they saw must be whole."""
    messages = len(patients) * INTRO_MESSAGES
    await everyone_answered(patients, CONSENT, budget(fault=fault, messages=messages))
    await drained(database, budget(messages=messages))
    census = await take_census(database, patients, CONSENT, sent=len(patients))
    print(census.line(scenario))
    assert_whole(census, patients=len(patients), kills=kills)
    return census


async def everyone_answered(patients: list[Patient], expected: str, within: float) -> None:
    """Wait until each patient has read `expected` at least once."""
    await eventually(
        lambda: all(any(expected in t for t in p.texts()) for p in patients),
        within=within,
        what=f"every patient to read {expected!r}",
    )


async def until(check: Callable[[], Awaitable[Any]], within: float, what: str) -> Any:
    """Poll an async `check` (a database read) until it returns something truthy."""
    deadline = time.monotonic() + within
    while not (value := await check()):
        assert time.monotonic() < deadline, f"timed out after {within:.0f}s waiting for {what}"
        await asyncio.sleep(TICK)
    return value


async def drained(database: Database, within: float) -> None:
    """Wait until the outbox holds nothing pending (everything committed has gone out)."""

    async def nothing_pending() -> bool:
        pending = await database.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'")
        return bool(pending == 0)

    await until(nothing_pending, within, "the outbox to drain")


def budget(*, fault: float = 0.0, messages: int = 0) -> float:
    """How long a scenario may take here: the fault, the sends at Telegram's global rate, and
    start-up as measured on this machine (a loaded one takes longer for all of it)."""
    slowness = start_budget(WAIT) / WAIT
    return fault + 2 * RETRY_CAP + start_budget(WAIT) + slowness * messages / GLOBAL_RATE


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database the bot runs on."""
    return str(request.param)


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    """A cuttable loopback proxy in front of the test PostgreSQL server."""
    from tests.support.databases import pg_url

    target = make_url(pg_url())
    async with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as started:
        yield started


@pytest.fixture
async def database(backend: str, tmp_path: Path, proxy: TcpProxy) -> AsyncIterator[Database]:
    """The bot's database on `backend`; on PostgreSQL the bot reaches it through `proxy`."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
        yield Database(url, url, dict(QUICK_RETRIES))
        return
    await require_postgres()
    async with postgres_database() as direct:
        through = make_url(direct).set(host="127.0.0.1", port=proxy.port)
        url = through.render_as_string(hide_password=False)
        env = {"DAYBREAK_DATABASE__URL": url, "DAYBREAK_SECURITY__DATA_KEY": generate_key()}
        env.update(QUICK_RETRIES)
        yield Database(url, direct, env)
