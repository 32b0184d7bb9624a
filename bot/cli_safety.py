"""`daybreak safety export [--output FILE] [--dictionary FILE]`: the adverse-event log as CSV."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

import click

from bot.app import build_app
from bot.care.safety_export import write_dictionary, write_events
from bot.config import ConfigError, Settings, load_settings
from bot.errors import StartupError

FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.group("safety")
def safety_group() -> None:
    """The adverse-event log."""


@safety_group.command("export")
@click.option("--output", "-o", type=FILE, default=None, help="CSV file (default: stdout).")
@click.option("--dictionary", type=FILE, default=None, help="Also write its data dictionary.")
@click.pass_context
def export(ctx: click.Context, output: Path | None, dictionary: Path | None) -> None:
    """One row per adverse event: pseudonym, trigger, grading, reviewer, alerts and resolution."""
    config = (ctx.obj or {}).get("config_path")
    try:
        settings = load_settings(Path(config) if config else None)
        csv_text, count = asyncio.run(_export(settings))
    except (ConfigError, StartupError) as error:
        click.echo(f"daybreak: {error}", err=True)
        sys.exit(2)
    if output is None:
        click.echo(csv_text, nl=False)
    else:
        output.write_text(csv_text, encoding="utf-8")
        click.echo(f"wrote {count} adverse events to {output}", err=True)
    if dictionary is not None:
        buffer = io.StringIO()
        write_dictionary(buffer)
        dictionary.write_text(buffer.getvalue(), encoding="utf-8")


async def _export(settings: Settings) -> tuple[str, int]:
    """The CSV text and its row count; the export itself is audited."""
    app = await build_app(settings)
    try:
        async with app.uow() as uow:
            buffer = io.StringIO()
            count = await write_events(uow, buffer)
            await uow.audit.append("operator", "safety.export", None, {"events": count})
            await uow.commit()
    finally:
        await app.close()
    return buffer.getvalue(), count
