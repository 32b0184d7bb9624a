"""The `daybreak` command line (also `python -m bot`)."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.app import App, build_app, without_staff
from bot.cli_backup import audit_group, backup, restore
from bot.cli_flows import flows_group
from bot.cli_safety import safety_group
from bot.cli_schedule import schedule_group
from bot.cli_staff import staff_group
from bot.cli_status import status
from bot.config import ConfigError, Settings, load_settings
from bot.errors import StartupError, Stopped
from bot.logs import setup_logging

T = TypeVar("T")

TOKEN_HELP = """\
No Telegram bot token is configured, so the Telegram bot cannot start.

To get a token:
  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Choose a name and a username ending in "bot"; BotFather replies with a token
     like 123456789:AA...
  3. Give it to Daybreak, e.g.  export DAYBREAK_TELEGRAM__TOKEN=123456789:AA...
     (or put it under [telegram] token = "..." in config.toml), and run this again.

Meanwhile you can talk to the programme right here:  ./scripts/run chat
(or .venv/bin/daybreak chat)
"""


def _settings(ctx: click.Context) -> Settings:
    """Load settings; a bad value ends the command with its one-line explanation."""
    try:
        return load_settings(ctx.obj.get("config_path"))
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(2)


def _run_async(work: Awaitable[T]) -> T:
    try:
        return asyncio.run(_guarded(work))
    except StartupError as error:
        click.echo(f"daybreak: {error}", err=True)
        sys.exit(2)
    except Stopped as error:
        click.echo(f"daybreak: {error}", err=True)
        sys.exit(error.exit_code)


async def _guarded(work: Awaitable[T]) -> T:
    return await work


async def _with_app(settings: Settings, use: Callable[[App], Awaitable[T]], **options: Any) -> T:
    app = await build_app(settings, **options)
    try:
        return await use(app)
    finally:
        await app.close()


@click.group()
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Config file (default: $DAYBREAK_CONFIG, else ./config.toml).")  # fmt: skip
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Daybreak: iCBT in a messenger."""
    ctx.obj = {"config_path": config_path}


main.add_command(flows_group)
main.add_command(staff_group)
main.add_command(schedule_group)
main.add_command(status)
main.add_command(safety_group)
main.add_command(audit_group)
main.add_command(backup)
main.add_command(restore)


@main.command()
@click.option("--flow", "flow_id", default=None, help="Start this flow (default: onboarding).")
@click.option("--user", default=None, help="Whose conversation (default: your login name).")
@click.pass_context
def chat(ctx: click.Context, flow_id: str | None, user: str | None) -> None:
    """Talk to the programme in this terminal (quit with /quit; it remembers where you were)."""
    from bot.console.chat import ConsoleChat

    settings = without_staff(_settings(ctx))  # nobody reads a staff chat from a terminal
    setup_logging(settings.logging, quiet=True)
    who = user or getpass.getuser()

    async def talk(app: App) -> None:
        if flow_id is not None and flow_id not in app.library.flows:
            raise StartupError(f"there is no flow {flow_id!r}")
        await ConsoleChat(app, user=who, out=sys.stdout, files=Path.cwd()).run(flow_id)

    _run_async(_with_app(settings, talk))


@main.command()
@click.option("--webhook", is_flag=True, help="Receive updates by webhook instead of polling.")
@click.pass_context
def run(ctx: click.Context, webhook: bool) -> None:
    """Run the Telegram bot (polling by default)."""
    settings = _settings(ctx)
    setup_logging(settings.logging)
    if settings.telegram.token is None:
        click.echo(TOKEN_HELP)
        if sys.stdin.isatty() and click.confirm("Start `daybreak chat` now?", default=True):
            ctx.invoke(chat)
        return
    from bot.telegram.runner import run_bot

    _run_async(run_bot(settings, webhook=webhook))


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Bring the database to the newest schema."""
    from storage.migrate import upgrade

    settings = _settings(ctx)
    _run_async(upgrade(settings.database.url))
    click.echo("database is up to date")


@main.group()
def keys() -> None:
    """Encryption key commands."""


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True, help="Rows re-encrypted per commit.")
@click.pass_context
def keys_rotate(ctx: click.Context, batch_size: int) -> None:
    """Re-encrypt everything under the active key (resumable: run again after an interruption)."""
    settings = _settings(ctx)

    async def rotate(app: App) -> int:
        return await app.uow.rotate_keys(batch_size)

    count = _run_async(_with_app(settings, rotate))
    click.echo(f"re-encrypted {count} values under the active key")
