"""`daybreak backup --to FILE`, `daybreak restore FILE` and `daybreak audit verify`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from bot.app import data_cipher
from bot.config import ConfigError, Settings, load_settings
from bot.errors import StartupError
from storage import db
from storage.audit_chain import ChainReport, verify_chain
from storage.backup import (
    backup_postgres,
    backup_sqlite,
    known_marks,
    reapply_erasures,
    restore_postgres,
    restore_sqlite,
    sqlite_path,
)
from storage.erasure_log import ErasureLog
from storage.migrate import upgrade_engine
from storage.uow import UnitOfWorkFactory

T = TypeVar("T")
FILE = click.Path(dir_okay=False, path_type=Path)
EXIT_BROKEN = 1
EXIT_CANNOT_RUN = 2


def _settings(ctx: click.Context) -> Settings:
    config = (ctx.obj or {}).get("config_path")
    try:
        return load_settings(Path(config) if config else None)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_CANNOT_RUN)


def _run(work: Awaitable[T]) -> T:
    try:
        return asyncio.run(_awaited(work))
    except (StartupError, RuntimeError, OSError) as error:
        click.echo(f"daybreak: {error}", err=True)
        sys.exit(EXIT_CANNOT_RUN)


async def _awaited(work: Awaitable[T]) -> T:
    return await work


async def _with_storage(settings: Settings, use: Callable[[UnitOfWorkFactory], Awaitable[T]]) -> T:
    """Run `use` on the configured database with the real key (no flows, no bot)."""
    engine = db.create_engine(settings.database.url)
    try:
        cipher = data_cipher(settings, allow_key_file=not db.is_postgres(engine))
        log = ErasureLog(settings.security.erasure_log)
        return await use(UnitOfWorkFactory(db.session_factory(engine), cipher, erasure_log=log))
    finally:
        await engine.dispose()


@click.command("backup")
@click.option("--to", "target", type=FILE, required=True, help="New file to write the backup to.")
@click.pass_context
def backup(ctx: click.Context, target: Path) -> None:
    """Copy the database to FILE (owner-only) while the bot runs; the copy is audited."""
    settings = _settings(ctx)

    async def copy(uow: UnitOfWorkFactory) -> None:
        log = ErasureLog(settings.security.erasure_log)
        log.append(sorted(await known_marks(uow, log) - log.read()))  # file ⊇ table, always
        async with uow() as work:
            await work.audit.append("operator", "backup.written")
            await work.commit()
        database = sqlite_path(settings.database.url)
        if database is None:
            backup_postgres(settings.database.url, target)
        else:
            backup_sqlite(database, target)

    _run(_with_storage(settings, copy))
    click.echo(f"wrote a backup to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@click.pass_context
def restore(ctx: click.Context, source: Path, yes: bool) -> None:
    """Replace the database with a backup, then erase again everyone forgotten since."""
    settings = _settings(ctx)
    if not yes:
        click.confirm(
            "Replace the whole database with this backup? Stop the bot first.", abort=True
        )
    log = ErasureLog(settings.security.erasure_log)
    # The tombstones of the database being replaced are read before it is gone.
    marks = _run(_with_storage(settings, lambda uow: known_marks(uow, log)))
    database = sqlite_path(settings.database.url)
    _run(_restored(settings, source, database))
    erased = _run(_with_storage(settings, lambda uow: reapply_erasures(uow, log, marks)))
    click.echo(f"restored {source}; erased again: {erased} patients forgotten since it was taken")


async def _restored(settings: Settings, source: Path, database: Path | None) -> None:
    if database is None:
        await asyncio.to_thread(restore_postgres, source, settings.database.url)
    else:
        await asyncio.to_thread(restore_sqlite, source, database)
    engine = db.create_engine(settings.database.url)
    try:
        await upgrade_engine(engine)  # an older backup may predate the newest schema
    finally:
        await engine.dispose()


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Check every audit row's seal; name the first broken row and exit 1 if one is broken."""
    settings = _settings(ctx)

    async def check(uow: UnitOfWorkFactory) -> ChainReport:
        async with uow(reading=True) as work:
            return await verify_chain(work.audit.session, uow.cipher)

    report = _run(_with_storage(settings, check))
    if report.intact:
        click.echo(f"audit log intact: {report.rows} rows, last seal {report.head}")
        return
    click.echo(
        f"audit log broken at row {report.broken_row}: {report.reason} "
        f"({report.rows} rows before it are intact)",
        err=True,
    )
    sys.exit(EXIT_BROKEN)
