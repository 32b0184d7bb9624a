"""The bot itself: getMe, getUpdates, webhooks, commands, files, close and logOut."""

from __future__ import annotations

import json
from typing import Any

from tests.fakebot.core import Core, handles
from tests.fakebot.state import bad_request
from tests.fakebot.updates import Webhook


@handles("getMe")
async def get_me(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getMe: the bot's User."""
    return {
        **core.world.bot,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


@handles("getUpdates")
async def get_updates(core: Core, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getUpdates with offset, limit, timeout and allowed_updates (409 while a webhook is set)."""
    limit = params.get("limit", 100)
    return await core.updates.get(
        params.get("offset"), limit, float(params.get("timeout", 0)), params.get("allowed_updates")
    )


@handles("setWebhook")
async def set_webhook(core: Core, params: dict[str, Any]) -> bool:
    """setWebhook: an empty url removes the webhook."""
    updates = core.updates
    if params.get("drop_pending_updates"):
        updates.drop_pending()
    if params.get("allowed_updates") is not None:
        updates.allowed = params["allowed_updates"]
    if not params["url"]:
        updates.webhook = None
        return True
    updates.webhook = Webhook(
        params["url"], params.get("secret_token"), params.get("max_connections", 40)
    )
    updates.wake()  # a getUpdates still waiting gets its 409
    return True


@handles("deleteWebhook")
async def delete_webhook(core: Core, params: dict[str, Any]) -> bool:
    """deleteWebhook: back to getUpdates."""
    core.updates.webhook = None
    if params.get("drop_pending_updates"):
        core.updates.drop_pending()
    return True


@handles("getWebhookInfo")
async def get_webhook_info(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getWebhookInfo: url, pending updates and the last delivery error."""
    return core.updates.info()


def command_key(params: dict[str, Any]) -> tuple[str, str]:
    """Commands are kept per scope and language, as Telegram does."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


@handles("setMyCommands")
async def set_my_commands(core: Core, params: dict[str, Any]) -> bool:
    """setMyCommands: remembered per scope and language."""
    core.commands[command_key(params)] = list(params["commands"])
    return True


@handles("getMyCommands")
async def get_my_commands(core: Core, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getMyCommands for a scope and language."""
    return core.commands.get(command_key(params), [])


@handles("deleteMyCommands")
async def delete_my_commands(core: Core, params: dict[str, Any]) -> bool:
    """deleteMyCommands for a scope and language."""
    core.commands.pop(command_key(params), None)
    return True


@handles("getFile")
async def get_file(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """getFile: a File with a path under /file/bot<token>/."""
    stored = core.world.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.api()


@handles("close", "logOut")
async def close_or_log_out(core: Core, params: dict[str, Any]) -> bool:
    """close and logOut succeed and change nothing in the fake."""
    return True
