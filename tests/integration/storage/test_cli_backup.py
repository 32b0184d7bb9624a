"""`daybreak backup`, `restore` and `audit verify` from the command line, on a SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner

from bot.app import data_cipher
from bot.cli import main
from bot.config import load_settings
from storage import db
from storage.erasure_log import ErasureLog
from storage.uow import UnitOfWorkFactory

T = TypeVar("T")


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A migrated SQLite file, its key and erasure log in tmp_path."""
    path = tmp_path / "daybreak.db"
    monkeypatch.setenv("DAYBREAK_DATABASE__URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("DAYBREAK_SECURITY__KEY_FILE", str(tmp_path / "data.key"))
    monkeypatch.setenv("DAYBREAK_SECURITY__ERASURE_LOG", str(tmp_path / "erasures.log"))
    assert _cli("db", "upgrade").exit_code == 0
    return path


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _with_uow(use: Callable[[UnitOfWorkFactory], Awaitable[T]]) -> T:
    async def run() -> T:
        settings = load_settings(None)
        engine = db.create_engine(settings.database.url)
        try:
            cipher = data_cipher(settings, allow_key_file=True)
            log = ErasureLog(settings.security.erasure_log)
            return await use(UnitOfWorkFactory(db.session_factory(engine), cipher, erasure_log=log))
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _enrol(uow: UnitOfWorkFactory, alias: str) -> tuple[int, str]:
    async with uow() as u:
        patient = await u.patients.create(alias=alias)
        await u.identities.add(patient.id, "telegram", 1000 + patient.id, chat_id=None)
        await u.audit.append(f"patient:{patient.pseudonym}", "patient.paused", patient.pseudonym)
        await u.commit()
    return patient.id, patient.pseudonym


async def _pseudonyms(uow: UnitOfWorkFactory) -> set[str]:
    async with uow(reading=True) as u:
        found = set()
        for pid in range(1, 10):
            patient = await u.patients.get(pid)
            if patient is not None:
                found.add(patient.pseudonym)
        return found


def test_a_patient_forgotten_after_a_backup_stays_forgotten_after_restoring_it(
    database: Path, tmp_path: Path
) -> None:
    _, kept_name = _with_uow(lambda uow: _enrol(uow, "Sam"))
    gone, gone_name = _with_uow(lambda uow: _enrol(uow, "Alex"))
    backup = tmp_path / "backups" / "monday.db"
    result = _cli("backup", "--to", str(backup))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    async def forget(uow: UnitOfWorkFactory) -> None:
        async with uow() as u:
            assert await u.privacy.delete_patient_personal_data(gone, actor="system")
            await u.commit()

    _with_uow(forget)
    with sqlite3.connect(backup) as old:  # the backup itself still holds them, as taken
        assert old.execute("SELECT count(*) FROM patients").fetchone() == (2,)
    old.close()

    result = _cli("restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert "erased again: 1 " in result.output
    assert _with_uow(_pseudonyms) == {kept_name}
    assert gone_name not in database.read_bytes().decode("latin-1")
    assert _cli("audit", "verify").exit_code == 0
    # Restoring once more (the tombstone now also in the restored table) changes nothing.
    assert "erased again: 1 " in _cli("restore", str(backup), "--yes").output
    assert _with_uow(_pseudonyms) == {kept_name}


def test_audit_verify_names_the_tampered_row_and_fails(database: Path) -> None:
    _with_uow(lambda uow: _enrol(uow, "Sam"))
    _with_uow(lambda uow: _enrol(uow, "Alex"))
    clean = _cli("audit", "verify")
    assert clean.exit_code == 0, clean.output
    assert "intact: 2 rows" in clean.output
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE audit_log SET action = 'patient.resumed' WHERE id = 2")
    connection.close()
    broken = _cli("audit", "verify")
    assert broken.exit_code == 1
    assert "broken at row 2" in broken.output


def test_reading_patient_data_from_the_command_line_is_audited(database: Path) -> None:
    _, pseudonym = _with_uow(lambda uow: _enrol(uow, "Sam"))
    assert _cli("schedule", "show", pseudonym).exit_code == 0
    assert _cli("safety", "export").exit_code == 0

    async def actions(uow: UnitOfWorkFactory) -> list[tuple[str, str]]:
        async with uow(reading=True) as u:
            return [(e.actor, e.action) for e in await u.audit.list()]

    audited = _with_uow(actions)
    assert ("operator", "schedule.shown") in audited
    assert ("operator", "safety.export") in audited


def test_the_erasure_log_alone_keeps_them_forgotten_when_the_database_is_lost(
    database: Path, tmp_path: Path
) -> None:
    _, kept_name = _with_uow(lambda uow: _enrol(uow, "Sam"))
    gone, _ = _with_uow(lambda uow: _enrol(uow, "Alex"))
    backup = tmp_path / "monday.db"
    assert _cli("backup", "--to", str(backup)).exit_code == 0

    async def forget(uow: UnitOfWorkFactory) -> None:
        async with uow() as u:
            assert await u.privacy.delete_patient_personal_data(gone, actor="system")
            await u.commit()

    _with_uow(forget)
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()  # the disk died: only the backup and the erasure log are left
    result = _cli("restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert _with_uow(_pseudonyms) == {kept_name}
