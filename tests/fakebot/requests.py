"""Reading a Bot API request: query string, JSON, x-www-form-urlencoded or multipart/form-data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakebot.core import Upload
from tests.fakebot.state import bad_request


@dataclass
class Incoming:
    """The parameters of a request; `form` means every value arrived as a string."""

    params: dict[str, Any] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    form: bool = True


async def read_request(request: web.Request) -> Incoming:
    """The parameters of a request in any of the encodings the Bot API accepts."""
    incoming = Incoming(params=dict(request.query))
    if request.method != "POST" or not request.can_read_body:
        return incoming
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        return Incoming(params={**incoming.params, **body}, form=not body and bool(incoming.params))
    post = await request.post()
    for name, value in post.items():
        if isinstance(value, web.FileField):
            incoming.uploads[name] = Upload(value.filename, value.file.read(), value.content_type)
        else:
            incoming.params[name] = value
    return incoming
