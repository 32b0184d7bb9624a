"""`daybreak status` over a real SQLite database: exit 0 healthy, 1 behind, 2 unreachable."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from bot.care.messages import TextMessage
from bot.cli import main
from storage import db
from storage.crypto import FieldCipher, generate_key
from storage.migrate import upgrade_engine
from storage.uow import UnitOfWorkFactory


def prepare(path: Path, *, committed_ago: timedelta | None) -> str:
    """A migrated database, with one message still to send committed that long ago."""
    url = f"sqlite+aiosqlite:///{path}"

    async def setup() -> None:
        engine = db.create_engine(url)
        await upgrade_engine(engine)
        if committed_ago is not None:
            then = datetime.now(UTC) - committed_ago
            uow = UnitOfWorkFactory(
                db.session_factory(engine), FieldCipher(generate_key()), lambda: then
            )
            async with uow() as work:
                payload = TextMessage(html="hello", messenger="telegram", chat_id="1")
                await work.outbox.enqueue(
                    target_kind="chat", target_key="chat:telegram:1", payload=payload
                )
                await work.commit()
        await engine.dispose()

    asyncio.run(setup())
    return url


def status(url: str, *args: str):
    return CliRunner().invoke(main, ["status", *args], env={"DAYBREAK_DATABASE__URL": url})


def test_a_bot_keeping_up_is_healthy(tmp_path: Path):
    result = status(prepare(tmp_path / "db.sqlite", committed_ago=timedelta(seconds=5)))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "healthy"
    assert "outbox pending: 1" in result.output


def test_a_bot_falling_behind_exits_1_and_says_why_in_json(tmp_path: Path):
    url = prepare(tmp_path / "db.sqlite", committed_ago=timedelta(minutes=20))
    result = status(url, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["healthy"] is False
    assert report["outbox_pending"] == 1
    assert report["outbox_oldest_pending_seconds"] >= 20 * 60


def test_a_database_that_cannot_be_read_is_one_line_and_exit_2():
    with socket.socket() as probe:  # a port nobody listens on: the database is away
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    result = status(f"postgresql+asyncpg://postgres@127.0.0.1:{closed}/test")
    assert result.exit_code == 2
    assert "cannot read the database" in result.output
    assert "Traceback" not in result.output
