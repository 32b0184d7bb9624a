"""`daybreak run` when what it needs is away at start: one line per try, then it carries on once
the database or the Bot API is there, or gives up at `runtime.startup_deadline` in one line.
What is not essential (the command menu) failing never stops it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.telegram.runner import COMMANDS
from storage.crypto import generate_key
from tests.e2e.telegram.conftest import WAIT, BotProcess, Patient, bot_env, eventually
from tests.e2e.telegram.test_webhook_and_restarts import free_port
from tests.fakebot import FakeBotApi
from tests.support.databases import pg_url, postgres_database, require_postgres
from tests.support.pace import start_budget
from tests.support.tcp_proxy import TcpProxy

RETRY_CAP = 1.0  # runtime.retry_cap for these bots, in seconds
StartBot = Callable[..., Awaitable[BotProcess]]


async def test_a_database_away_at_start_is_waited_for_in_one_line_a_try(
    fake: FakeBotApi, daybreak: StartBot
):
    await require_postgres()
    target = make_url(pg_url())
    async with postgres_database() as direct, TcpProxy(target.host, target.port or 5432) as proxy:
        proxy.cut()  # the database is away when the bot starts
        url = make_url(direct).set(host="127.0.0.1", port=proxy.port)
        env = {
            "DAYBREAK_DATABASE__URL": url.render_as_string(hide_password=False),
            "DAYBREAK_SECURITY__DATA_KEY": generate_key(),
            "DAYBREAK_RUNTIME__RETRY_CAP": "1",
        }
        bot = await daybreak(ready=False, **env)
        where = f"the database at postgresql+asyncpg://{url.username}@127.0.0.1:{proxy.port}"
        await eventually(
            lambda: bot.output().count(where) >= 2, within=start_budget(WAIT), what="two tries"
        )
        assert "Traceback" not in bot.output()
        proxy.restore()
        await eventually(
            lambda: fake.calls("getUpdates"), within=start_budget(WAIT), what="the bot to poll"
        )
        ann = Patient(fake, 8401)
        await ann.send("/start")
        await ann.expect("Would you like to start Daybreak?")
        assert await bot.stop() == 0, bot.output()


async def test_a_database_that_never_comes_gives_up_at_the_deadline_in_one_line(
    fake: FakeBotApi, daybreak: StartBot
):
    closed = free_port()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed}/test"
    bot = await daybreak(
        ready=False,
        DAYBREAK_DATABASE__URL=url,
        DAYBREAK_SECURITY__DATA_KEY=generate_key(),
        DAYBREAK_RUNTIME__STARTUP_DEADLINE="2",
        DAYBREAK_RUNTIME__RETRY_CAP="1",
    )
    assert bot.process is not None
    code = await _exit_code(bot, start_budget(WAIT))
    output = bot.output()
    assert code == 2, output
    assert "Traceback" not in output
    last = output.strip().splitlines()[-1]
    assert last.startswith(f"daybreak: the database at {url} is unreachable"), last
    assert "runtime.startup_deadline" in last
    assert len(output.strip().splitlines()) < 12  # a few lines, not 150


async def test_a_bot_api_away_at_start_is_waited_for_and_its_token_never_shown(
    tmp_path: Path, fake: FakeBotApi
):
    port = free_port()
    env = bot_env(
        tmp_path, fake,
        DAYBREAK_TELEGRAM__API_BASE_URL=f"http://127.0.0.1:{port}",
        DAYBREAK_RUNTIME__RETRY_CAP="1",
    )  # fmt: skip
    late = FakeBotApi(port=port)
    bot = BotProcess(tmp_path, late, env)
    await bot.start(ready=False)
    try:
        where = f"the Bot API at http://127.0.0.1:{port} is unreachable"
        await eventually(lambda: where in bot.output(), within=start_budget(WAIT), what=where)
        async with late:  # the Bot API comes up
            await eventually(
                lambda: late.calls("getUpdates"), within=start_budget(WAIT), what="a poll"
            )
            output = bot.output()
            assert "Traceback" not in output
            assert late.token not in output
            assert late.token.split(":")[1] not in output
            assert await bot.stop() == 0, bot.output()
    finally:
        await bot.kill()


async def test_a_command_menu_the_bot_api_refuses_is_retried_while_patients_are_served(
    fake: FakeBotApi, daybreak: StartBot
):
    fake.fail_next("setMyCommands", 500, times=3)
    bot = await daybreak(DAYBREAK_RUNTIME__RETRY_CAP=str(RETRY_CAP))
    ann = Patient(fake, 8402)
    await ann.send("/start")
    await ann.expect("Would you like to start Daybreak?")  # served while the menu waits
    refused = 3
    menus = len(COMMANDS)  # one setMyCommands per language
    await eventually(
        lambda: len(fake.calls("setMyCommands")) >= refused + menus,
        within=start_budget(WAIT) + refused * RETRY_CAP,
        what="the menu to be published in the end",
    )
    assert len([i for i in fake.injected if i["method"] == "setMyCommands"]) == refused
    assert "menu and staff checks failed" in bot.output()
    assert await bot.stop() == 0, bot.output()


async def _exit_code(bot: BotProcess, within: float) -> int:
    assert bot.process is not None
    return await asyncio.wait_for(bot.process.wait(), within)
