"""`daybreak schedule show [PATIENT]`: what is due, for one patient (by pseudonym) or overall."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from bot.app import App, build_app
from bot.config import ConfigError, load_settings
from bot.errors import StartupError

OPEN = ("pending", "claimed")


@click.group("schedule")
def schedule_group() -> None:
    """What the scheduler will do, and when."""


@schedule_group.command("show")
@click.argument("patient", required=False)
@click.option("--limit", default=50, show_default=True, help="Most items listed.")
@click.pass_context
def show(ctx: click.Context, patient: str | None, limit: int) -> None:
    """List due items of PATIENT (a pseudonym), or the next items of everyone."""
    config = (ctx.obj or {}).get("config_path")
    try:
        settings = load_settings(Path(config) if config else None)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(2)

    async def listing() -> list[str]:
        app = await build_app(settings)
        try:
            return await schedule_lines(app, patient, limit)
        finally:
            await app.close()

    try:
        lines = asyncio.run(listing())
    except (StartupError, LookupError) as error:
        click.echo(f"daybreak: {error}", err=True)
        sys.exit(2)
    click.echo("\n".join(lines))


async def schedule_lines(app: App, pseudonym: str | None, limit: int = 50) -> list[str]:
    """The listing as lines of text: due time (UTC), kind, patient, status, what and note."""
    async with app.uow() as work:
        if pseudonym is None:
            rows = await work.scheduled.listing(statuses=OPEN, limit=limit)
            header = _summary(await work.scheduled.count_by_kind(OPEN))
        else:
            patient = await work.patients.get_by_pseudonym(pseudonym)
            if patient is None:
                raise LookupError(f"no patient with pseudonym {pseudonym!r}")
            rows = await work.scheduled.listing(patient_id=patient.id, limit=limit)
            header = f"schedule of {pseudonym}"
        # An operator reading patients' schedules is on the record, like any other read.
        await work.audit.append("operator", "schedule.shown", pseudonym, {"items": len(rows)})
        await work.commit()
    lines = [header, f"{'due (UTC)':<17} {'kind':<16} {'patient':<10} {'status':<9} what"]
    for item, name in rows:
        what = " ".join(f"{k}={v}" for k, v in sorted(item.payload.items()))
        note = f"  ({item.note})" if item.note else ""
        due = item.due_at.strftime("%Y-%m-%d %H:%M")
        lines.append(f"{due:<17} {item.kind:<16} {name or '-':<10} {item.status:<9} {what}{note}")
    return lines


def _summary(counts: dict[str, int]) -> str:
    listed = ", ".join(f"{kind}: {count}" for kind, count in sorted(counts.items())) or "nothing"
    return f"open items: {listed}"
