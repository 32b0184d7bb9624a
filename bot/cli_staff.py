"""`daybreak staff check`: is the bot ready to run the staff forum?"""

from __future__ import annotations

import asyncio

import click

from bot.config import ConfigError, Settings, load_settings


@click.group("staff")
def staff_group() -> None:
    """The support-staff channel."""


@staff_group.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the bot is an administrator of telegram.staff_chat_id who may manage topics."""
    try:
        settings = load_settings((ctx.obj or {}).get("config_path"))
    except ConfigError as error:
        click.echo(str(error), err=True)
        raise SystemExit(2) from error
    problems = asyncio.run(_problems(settings))
    if not problems:
        click.echo(f"staff chat {settings.telegram.staff_chat_id}: ready")
        return
    for problem in problems:
        click.echo(f"✗ {problem}", err=True)
    raise SystemExit(1)


async def _problems(settings: Settings) -> list[str]:
    from bot.telegram.staff_access import staff_chat_problems
    from bot.telegram.transport import make_bot  # aiogram loads only when needed

    if settings.telegram.token is None:
        return ["telegram.token is not set (DAYBREAK_TELEGRAM__TOKEN)"]
    bot = make_bot(settings)
    try:
        return await staff_chat_problems(bot, settings.telegram.staff_chat_id)
    finally:
        await bot.session.close()
