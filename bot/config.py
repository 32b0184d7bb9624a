"""Settings from config.toml plus DAYBREAK_<SECTION>__<KEY> environment overrides.

Sources, strongest first: keyword overrides > environment > TOML file > built-in defaults.
Every problem becomes one ``config error: ...`` line naming the key, where the value came
from and what is expected; secret values are never printed.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import difflib
import functools
import importlib.util
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from flows.durations import DURATION_EXPECTED, parse_duration

ENV_PREFIX = "DAYBREAK_"
ENV_DELIMITER = "__"
CONFIG_ENV = "DAYBREAK_CONFIG"
DEFAULT_CONFIG_FILE = Path("config.toml")

# Telegram's documented caps: ~30 messages/s overall, up to 1000/s with paid broadcasts.
FREE_GLOBAL_RATE = 30.0
PAID_GLOBAL_RATE = 1000.0

TIME_EXPECTED = "expected a time of day like 09:00 (24-hour HH:MM)"
WINDOW_EXPECTED = 'expected a time window like "21:00-08:00", or "" for none'
KEY_EXPECTED = "expected url-safe base64 of 32 bytes"


class ConfigError(Exception):
    """Bad configuration; str() is one line per problem, safe to show (no secret values)."""


# ---------------------------------------------------------------- reusable parsers

# Durations are parsed by the flow language's parser, so config and flows read them alike.

_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")


def parse_time(text: str) -> time:
    """Parse a 24-hour time of day such as "09:00" or "21:30:15"."""
    found = _TIME.fullmatch(text.strip())
    if not found:
        raise ValueError(TIME_EXPECTED)
    hour, minute, second = (int(found[g] or 0) for g in ("h", "m", "s"))
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(TIME_EXPECTED)
    return time(hour, minute, second)


def parse_time_window(text: str) -> tuple[time, time] | None:
    """Parse "21:00-08:00" into (start, end); the window may wrap midnight; "" means none."""
    if not text.strip():
        return None
    parts = re.split(r"\s*[-–]\s*", text.strip())
    if len(parts) != 2:
        raise ValueError(WINDOW_EXPECTED)
    try:
        start, end = parse_time(parts[0]), parse_time(parts[1])
    except ValueError:
        raise ValueError(WINDOW_EXPECTED) from None
    if start == end:
        raise ValueError(f"{WINDOW_EXPECTED}; start and end must differ")
    return start, end


def decode_data_key(text: str) -> bytes:
    """Decode a url-safe base64 data key into its 32 raw bytes; the error never quotes the key."""
    padded = text.strip() + "=" * (-len(text.strip()) % 4)
    try:
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{KEY_EXPECTED}; it is not valid base64") from None
    if len(raw) != 32:
        raise ValueError(f"{KEY_EXPECTED}; it decodes to {len(raw)} bytes")
    return raw


def _default_programme_path() -> Path:
    # find_spec locates the package without executing flows/__init__.py (cheap, no side effects).
    spec = importlib.util.find_spec("flows")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the flows package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "programme"


def _check_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")


# ---------------------------------------------------------------- sections


class _Section(BaseModel):
    """Shared behaviour of config sections: strict keys, friendly environment spellings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _environment_friendly(cls, data: Any) -> Any:
        # Environment values are plain strings: "" means unset for optional keys and
        # "1,2" is accepted for lists (JSON like [1, 2] works too).
        if not isinstance(data, dict):
            return data
        return {key: _loosen(cls.model_fields.get(key), value) for key, value in data.items()}


def _loosen(field: FieldInfo | None, value: Any) -> Any:
    if field is None or not isinstance(value, str):
        return value
    if value.strip() == "" and type(None) in get_args(field.annotation):
        return None
    if get_origin(field.annotation) is list:
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class TelegramSettings(_Section):
    """How the bot reaches Telegram, who counts as staff, and Telegram's sending limits."""

    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org"
    staff_chat_id: int | None = None
    staff_allowlist: list[int] = Field(default_factory=list)
    on_call: list[int | str] = Field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    paid_broadcast: bool = False  # declared before global_rate: its validator reads it
    global_rate: float = Field(default=FREE_GLOBAL_RATE, gt=0)
    private_chat_rate: float = Field(default=1.0, gt=0)
    group_rate_per_minute: int = Field(default=20, gt=0)
    poll_timeout: int = Field(default=30, ge=0, le=600)

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # aiogram rejects other shapes later with a less helpful message.
        if value is not None and not re.fullmatch(r"\d+:[\w-]+", value.get_secret_value()):
            raise ValueError("expected a bot token like 123456:ABC-DEF from @BotFather")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("expected 1-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("api_base_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @field_validator("on_call")
    @classmethod
    def _on_call(cls, value: list[int | str]) -> list[int | str]:
        return [_staff_handle(item) for item in value]

    @field_validator("global_rate")
    @classmethod
    def _global_cap(cls, value: float, info: ValidationInfo) -> float:
        paid = bool(info.data.get("paid_broadcast"))
        cap = PAID_GLOBAL_RATE if paid else FREE_GLOBAL_RATE
        if value > cap:
            hint = "" if paid else " (up to 1000 with telegram.paid_broadcast = true)"
            raise ValueError(f"expected at most {cap:g} messages per second{hint}")
        return value


def _staff_handle(item: int | str) -> int | str:
    if isinstance(item, int) or item.strip().isdigit():
        return int(item)
    if not re.fullmatch(r"@[A-Za-z]\w{3,31}", item.strip()):
        raise ValueError("expected Telegram @usernames or numeric user ids")
    return item.strip()


class DatabaseSettings(_Section):
    """Where rows live: SQLite by default, PostgreSQL by URL."""

    url: str = "sqlite+aiosqlite:///./daybreak.db"

    @field_validator("url")
    @classmethod
    def _driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "expected a URL starting with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The URL may carry a password; keep it out of logs and tracebacks.
        yield "url", mask_url_password(self.url)


def mask_url_password(url: str) -> str:
    """Replace the password of a database URL with ***."""
    return re.sub(r"(://[^:/@\s]*:)[^@/\s]*@", r"\1***@", url)


def _check_data_key(value: SecretStr) -> SecretStr:
    decode_data_key(value.get_secret_value())
    return value


# Checked per item, so a bad old key is named by its index (security.old_keys[1]).
DataKey = Annotated[SecretStr, AfterValidator(_check_data_key)]


class SecuritySettings(_Section):
    """Encryption at rest: the data key, retired keys for rotation, the local key file."""

    data_key: DataKey | None = None
    old_keys: list[DataKey] = Field(default_factory=list)
    index_key: DataKey | None = None
    key_file: Path = Path("./.daybreak/data.key")


class ProgrammeSettings(_Section):
    """The programme's content and its timetable."""

    path: Path = Field(default_factory=_default_programme_path)
    default_language: str = "en"
    release_interval: timedelta = timedelta(days=7)
    release_policy: Literal["weekly", "weekly_after_completion"] = "weekly"
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    default_timezone: str = "Europe/London"
    preferred_time: time = time(9, 0)
    triage: Literal["guided", "unguided", "auto"] = "auto"
    reminder_after_days: list[int] = Field(default_factory=lambda: [2, 5])
    max_reminders: int = Field(default=2, ge=0)
    phq9_every_weeks: int = Field(default=1, ge=1)
    gad7_weeks: list[int] = Field(default_factory=lambda: [0, 4, 7])
    follow_up_months: list[int] = Field(default_factory=lambda: [3, 6, 12])

    @property
    def zone(self) -> ZoneInfo:
        """The default time zone as a ZoneInfo."""
        return ZoneInfo(self.default_timezone)

    @field_validator("path")
    @classmethod
    def _folder(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError("expected an existing folder of flow YAML files")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
            raise ValueError('expected a language code like "en" or "zh-Hans"')
        return value

    @field_validator("release_interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> Any:
        return _duration(value)

    @field_validator("release_interval")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError(f"{DURATION_EXPECTED}, longer than zero")
        return value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        return parse_time_window(value) if isinstance(value, str) else value

    @field_validator("preferred_time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _time_of_day(value)

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("reminder_after_days", "follow_up_months")
    @classmethod
    def _increasing_positive(cls, value: list[int]) -> list[int]:
        if any(n <= 0 for n in value) or value != sorted(set(value)):
            raise ValueError("expected whole numbers above 0 in increasing order, e.g. [2, 5]")
        return value

    @field_validator("gad7_weeks")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(n < 0 for n in value) or value != sorted(set(value)):
            raise ValueError(
                "expected week numbers from 0 (baseline) in increasing order, e.g. [0, 4, 7]"
            )
        return value


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # TOML has no duration type and a bare number hides its unit; insist on one.
        raise ValueError(f"{DURATION_EXPECTED} (a number alone has no unit)")
    return value


def _time_of_day(value: Any) -> Any:
    return parse_time(value) if isinstance(value, str) else value


def check_timezone(name: str) -> str:
    """Return name if it is an IANA time zone such as "Europe/London", else raise ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('expected an IANA time zone name like "Europe/London" or "UTC"') from None
    return name


class StaffSettings(_Section):
    """What helpers promise and when they are nudged."""

    reply_target_hours: int = Field(default=48, gt=0)
    alert_ack_minutes: int = Field(default=30, gt=0)
    digest_time: time = time(8, 30)
    encouragement_path: Path | None = None

    @field_validator("digest_time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _time_of_day(value)


class CrisisContact(_Section):
    """One place to get urgent help: at least one of phone, text or url."""

    name: str
    phone: str | None = None
    text: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _reachable(self) -> CrisisContact:
        if not (self.phone or self.text or self.url):
            raise ValueError("expected at least one of phone, text or url")
        return self


FALLBACK_REGION = "international"


def _default_crisis_contacts() -> dict[str, list[CrisisContact]]:
    return {
        "uk": [
            CrisisContact(name="Emergency services", phone="999"),
            CrisisContact(name="Samaritans", phone="116 123", url="https://www.samaritans.org"),
            CrisisContact(name="Shout", text="Text SHOUT to 85258"),
            CrisisContact(name="NHS 111", phone="111", url="https://111.nhs.uk"),
        ],
        "us": [
            CrisisContact(name="Emergency services", phone="911"),
            CrisisContact(
                name="988 Suicide & Crisis Lifeline",
                phone="988",
                text="Text 988",
                url="https://988lifeline.org",
            ),
        ],
        FALLBACK_REGION: [
            CrisisContact(name="Emergency services", phone="your local emergency number"),
            CrisisContact(name="Find a Helpline", url="https://findahelpline.com"),
        ],
    }


class SafetySettings(_Section):
    """Where people in crisis are pointed, and how often a risk is checked again."""

    crisis_contacts: dict[str, list[CrisisContact]] = Field(
        default_factory=_default_crisis_contacts
    )
    crisis_terms_path: Path | None = None
    recheck_hours: int = Field(default=4, gt=0)

    @field_validator("crisis_contacts")
    @classmethod
    def _regions(cls, value: dict[str, list[CrisisContact]]) -> dict[str, list[CrisisContact]]:
        # Region keys are matched case-insensitively; the fallback keeps nobody without a number.
        regions = {region.lower(): contacts for region, contacts in value.items()}
        if not regions.get(FALLBACK_REGION):
            raise ValueError(f'expected an "{FALLBACK_REGION}" region used when no other one fits')
        return regions

    def contacts_for(self, region: str | None) -> list[CrisisContact]:
        """Crisis contacts for a region (e.g. "uk"), else the international ones."""
        fallback = self.crisis_contacts[FALLBACK_REGION]
        return self.crisis_contacts.get((region or "").lower(), fallback)


class SchedulerSettings(_Section):
    """The clockwork that sweeps due items."""

    sweep_seconds: float = Field(default=5.0, gt=0)
    batch_size: int = Field(default=500, gt=0)


class LoggingSettings(_Section):
    """How much is logged, and in which shape."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


# ---------------------------------------------------------------- the settings

# The TOML file chosen by load_settings; a ContextVar keeps concurrent loads (tests) apart.
_toml_file: contextvars.ContextVar[Path | None] = contextvars.ContextVar("toml_file", default=None)


class _LenientEnvSource(EnvSettingsSource):
    """Environment source that hands undecodable JSON to validation, which names the variable."""

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        """Decode JSON if possible, else pass the raw string on (e.g. "1,2" for a list)."""
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            return value


class Settings(BaseSettings):
    """All of Daybreak's settings, one attribute per config.toml section."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        case_sensitive=False,
        extra="forbid",
        frozen=True,
    )

    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    programme: ProgrammeSettings = Field(default_factory=ProgrammeSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword overrides, then the environment, then the TOML file picked by load_settings."""
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_toml_file.get())
        return init_settings, _LenientEnvSource(settings_cls), toml


# ---------------------------------------------------------------- loading


def find_config_file(config_path: Path | None = None) -> tuple[Path | None, str]:
    """Pick the config file: the given path, else $DAYBREAK_CONFIG, else ./config.toml."""
    if config_path is not None:
        return config_path, "--config"
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]), CONFIG_ENV
    if DEFAULT_CONFIG_FILE.is_file():
        return DEFAULT_CONFIG_FILE, "./config.toml"
    return None, "built-in defaults"


def load_settings(
    config_path: Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Load settings (overrides > DAYBREAK_* env > TOML file > defaults) or raise ConfigError."""
    path, chosen_by = find_config_file(config_path)
    file_data = _read_toml(path, chosen_by) if path is not None else {}
    token = _toml_file.set(path)
    try:
        return Settings(**dict(overrides or {}))
    except ValidationError as exc:
        origin = _Origins(dict(overrides or {}), file_data, path)
        lines = [_describe(error, origin) for error in exc.errors()]
        raise ConfigError("\n".join(dict.fromkeys(lines))) from None
    except SettingsError as exc:
        raise ConfigError(f"config error: {exc}") from None
    finally:
        _toml_file.reset(token)


def _read_toml(path: Path, chosen_by: str) -> dict[str, Any]:
    # Read once here only to report syntax errors with file:line:col and to know which keys the
    # file set; the values themselves come through TomlConfigSettingsSource.
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"config error: config file {path} (from {chosen_by}) does not exist"
        ) from None
    except OSError as exc:
        raise ConfigError(f"config error: cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config error: {_toml_position(path, str(exc))}") from None


def _toml_position(path: Path, message: str) -> str:
    found = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if not found:
        return f"{path}: invalid TOML: {message}"
    text = message[: found.start()].strip()
    return f"{path}:{found[1]}:{found[2]}: invalid TOML: {text}"


class _Origins:
    """Answers "where did the value at this key come from?" in source priority order."""

    def __init__(self, overrides: dict[str, Any], file_data: dict[str, Any], path: Path | None):
        self.overrides, self.file_data, self.path = overrides, file_data, path

    def of(self, loc: tuple[str | int, ...]) -> str:
        """Where the value at loc came from: overrides, a variable, the file, or the default."""
        if _contains(self.overrides, loc):
            return "overrides"
        variable = _env_variable(loc)
        if variable is not None:
            return variable
        if self.path is not None and _contains(self.file_data, loc):
            return str(self.path)
        return "default"


def _contains(data: Any, loc: tuple[str | int, ...]) -> bool:
    # Only the first two levels (section, key) decide the source; deeper parts belong to it.
    for part in loc[:2]:
        if not isinstance(data, dict) or str(part) not in data:
            return False
        data = data[str(part)]
    return bool(loc)


def _env_variable(loc: tuple[str | int, ...]) -> str | None:
    by_upper = {name.upper(): name for name in os.environ}
    for depth in range(len(loc), 0, -1):
        wanted = ENV_PREFIX + ENV_DELIMITER.join(str(p) for p in loc[:depth]).upper()
        if wanted in by_upper:
            return by_upper[wanted]
    return None


def _describe(error: Mapping[str, Any], origin: _Origins) -> str:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    key, source = _dotted(loc), origin.of(loc)
    if error["type"] == "extra_forbidden":
        return f"config error: {key} (from {source}): unknown key{_suggestion(loc)}"
    expected = _expected(error)
    if _is_secret(loc):
        return f"config error: {key} (from {source}): {expected} (value not shown)"
    return f"config error: {key} = {_show(loc, error.get('input'))} (from {source}): {expected}"


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(settings)"


def _expected(error: Mapping[str, Any]) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if message.startswith("Input should be "):
        return "expected " + message.removeprefix("Input should be ")
    if error["type"] == "missing":
        return "expected a value (required)"
    return message


def _show(loc: tuple[str | int, ...], value: Any) -> str:
    if loc[:2] == ("database", "url") and isinstance(value, str):
        value = mask_url_password(value)
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= 80 else shown[:77] + "..."


@functools.cache
def _secret_keys() -> frozenset[str]:
    secrets: set[str] = set()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            secrets |= {
                f"{section}.{name}"
                for name, sub in model.model_fields.items()
                if "SecretStr" in repr(sub.annotation)
            }
    return frozenset(secrets)


def _is_secret(loc: tuple[str | int, ...]) -> bool:
    # A whole section (e.g. DAYBREAK_TELEGRAM as JSON) may hold a secret too.
    key = ".".join(str(part) for part in loc[:2])
    return any(secret == key or secret.startswith(key + ".") for secret in _secret_keys())


def _suggestion(loc: tuple[str | int, ...]) -> str:
    known = _known_keys(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]).lower(), known, n=1, cutoff=0.6)
    return f', did you mean "{close[0]}"?' if close else ""


def _known_keys(loc: tuple[str | int, ...]) -> list[str]:
    target: Any = Settings
    for part in loc:
        target = _child_type(target, part)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


def _child_type(target: Any, part: str | int) -> Any:
    if isinstance(target, type) and issubclass(target, BaseModel):
        field = target.model_fields.get(str(part))
        return field.annotation if field else None
    # list[X] -> X, dict[K, V] -> V, X | None -> X
    args = [arg for arg in get_args(target) if arg is not type(None)]
    return args[-1] if args else None
