"""Backups that respect erasure: copy the database out, copy it back, forget the forgotten again.

SQLite uses its online backup API (a consistent copy while the bot runs). PostgreSQL uses
`pg_dump --format=custom` and `pg_restore --clean`, the documented tools for it. After a restore,
every tombstone known to the side file, the database being replaced and the restored one is
applied: a patient forgotten after the backup was taken is erased from it again.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.erasure_log import ErasureLog
from storage.uow import UnitOfWorkFactory


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore read it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup_sqlite(database: Path, target: Path) -> None:
    """Copy a live SQLite database into a new owner-only file, page by page."""
    _create_owner_only(target)
    with sqlite3.connect(database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    copy.close()
    source.close()


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace the SQLite database's content with the backup's (the bot must be stopped)."""
    with sqlite3.connect(backup) as source, sqlite3.connect(database) as live:
        source.backup(live)
    live.close()
    source.close()


def backup_postgres(url: str, target: Path) -> None:
    """Run the documented pg_dump recipe into an owner-only file."""
    _create_owner_only(target)
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", libpq_url(url)])


def restore_postgres(backup: Path, url: str) -> None:
    """Run the documented pg_restore recipe over the configured database."""
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={libpq_url(url)}", str(backup)])  # fmt: skip


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise RuntimeError(f"{command[0]} is not installed (it comes with PostgreSQL's client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # pg_dump names the database, never the password; only its last line is shown.
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise RuntimeError(f"{command[0]}: {last}")


def _create_owner_only(target: Path) -> None:
    if target.exists():
        raise FileExistsError(f"{target} exists already; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


async def known_marks(uow: UnitOfWorkFactory, log: ErasureLog) -> set[str]:
    """Every tombstone in the side file and the database (an unreachable database adds none)."""
    marks = log.read()
    try:
        async with uow(reading=True) as work:
            marks |= await work.tombstones.marks()
    except Exception:
        return marks
    return marks


async def reapply_erasures(uow: UnitOfWorkFactory, log: ErasureLog, marks: set[str]) -> int:
    """Erase again every patient a tombstone recognises; keep every mark; return patients erased."""
    async with uow() as work:
        tombstones = work.tombstones
        marks |= await tombstones.marks()
        patients = await tombstones.marked_patients(marks)
        for patient_id in patients:
            await work.privacy.delete_patient_personal_data(patient_id, actor="system")
        await tombstones.keep(marks)
        held = log.read()
        log.append(sorted(marks - held))  # the side file learns the restored database's marks
        detail = {"patients_erased_again": len(patients), "tombstones": len(marks)}
        await work.audit.append("operator", "backup.restored", None, detail)
        await work.commit()
    return len(patients)
