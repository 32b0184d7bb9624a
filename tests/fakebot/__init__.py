"""A fake Telegram Bot API server for the test suite (see server.FakeBotApi)."""

from tests.fakebot.limits import Limits
from tests.fakebot.server import DEFAULT_TOKEN, FakeBotApi
from tests.fakebot.spec import Spec, load_spec
from tests.fakebot.state import ApiError

__all__ = ["DEFAULT_TOKEN", "ApiError", "FakeBotApi", "Limits", "Spec", "load_spec"]
