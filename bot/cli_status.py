"""`daybreak status`: is the running bot keeping up? Counts and ages only; exit 0 when healthy.

It reads the bot's database directly, so it answers for every process on it (the poller and a
standby, or several webhook processes) and needs nothing from them.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from bot.care.health import HealthReport, health_report
from bot.config import ConfigError, Settings, load_settings, mask_url_password
from bot.supervisor import describe
from scheduler.clock import SystemClock
from storage import db
from storage.crypto import FieldCipher, generate_key
from storage.uow import UnitOfWorkFactory

EXIT_UNHEALTHY = 1
EXIT_UNREACHABLE = 2


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Say whether the bot keeps up: last update, outbox backlog, sweep lag, parked updates."""
    config = (ctx.obj or {}).get("config_path")
    try:
        settings = load_settings(Path(config) if config else None)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_UNREACHABLE)
    try:
        report = asyncio.run(read_report(settings))
    except Exception as error:  # the database away or not set up: one line, no traceback
        where = mask_url_password(settings.database.url)
        click.echo(f"daybreak: cannot read the database at {where} ({describe(error)})", err=True)
        sys.exit(EXIT_UNREACHABLE)
    click.echo(json.dumps(report.as_dict()) if as_json else "\n".join(report.lines()))
    sys.exit(0 if report.healthy else EXIT_UNHEALTHY)


async def read_report(settings: Settings) -> HealthReport:
    """The health report from the configured database."""
    engine = db.create_engine(settings.database.url)
    try:
        # Counts and times only: nothing is decrypted, so no data key is needed here.
        uow = UnitOfWorkFactory(db.session_factory(engine), FieldCipher(generate_key()))
        return await health_report(uow, SystemClock(), settings.health.limits())
    finally:
        await engine.dispose()
