"""The settings sections, one model per config.toml table, each key validated."""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from bot.care.health import HealthLimits
from bot.config.parsers import (
    FREE_GLOBAL_RATE,
    PAID_GLOBAL_RATE,
    check_url,
    decode_data_key,
    default_cache_dir,
    default_programme_path,
    parse_time,
    parse_time_window,
)
from flows.durations import DURATION_EXPECTED, parse_duration

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
    # Seconds a process may go without a heartbeat before a standby takes the poller's lease.
    standby_lease: float = Field(default=5.0, ge=1.0, le=300.0)
    # Tries of an update that keeps failing (not for a database or network outage) before it
    # is parked, and the longest wait between two tries, in seconds.
    inbox_attempts: int = Field(default=8, ge=1, le=100)
    inbox_retry_cap: float = Field(default=60.0, gt=0)

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
        return None if value is None else check_url(value)

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
    # Tombstones of forgotten patients, outside the database so a restore cannot lose them.
    erasure_log: Path = Path("./.daybreak/erasures.log")


class ProgrammeSettings(_Section):
    """The programme's content and its timetable."""

    path: Path = Field(default_factory=default_programme_path)
    cache_dir: Path = Field(default_factory=default_cache_dir)
    default_language: str = "en"
    release_interval: timedelta = timedelta(days=7)
    release_policy: Literal["weekly", "weekly_after_completion"] = "weekly"
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    default_timezone: str = "Europe/London"
    preferred_time: time = time(9, 0)
    triage: Literal["guided", "unguided", "auto"] = "auto"
    # What follows a high-risk baseline (PHQ-9 20 or more, or item 9 above 0): see eligibility.py.
    high_risk_baseline: Literal["guided_review", "continue", "exclude"] = "guided_review"
    # Whether people read the staff chat: "unstaffed" promises patients no person, ever.
    staffing: Literal["staffed", "unstaffed"] = "staffed"
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


class SafetySettings(_Section):
    """Where people in crisis are pointed, and how often a risk is checked again."""

    # No longer read: crisis contacts are programme data (flows/programme/safety/
    # crisis_contacts.yml). Still accepted, so an old config.toml loads; the app says so at start.
    crisis_contacts: dict[str, Any] | None = None
    crisis_terms_path: Path | None = None
    recheck_hours: int = Field(default=4, gt=0)
    recheck_after_safe_hours: int = Field(default=24, gt=0)
    # Two at least: one "I'm safe" never closes a risk pathway.
    safe_in_a_row: int = Field(default=2, ge=2)
    max_rechecks: int = Field(default=6, ge=1)


class SchedulerSettings(_Section):
    """The clockwork that sweeps due items."""

    sweep_seconds: float = Field(default=5.0, gt=0)
    batch_size: int = Field(default=500, gt=0)


class HealthSettings(_Section):
    """When `daybreak status` and `/healthz` say the bot is not healthy."""

    # Seconds the oldest message still to send may have waited (a warning is logged beyond it).
    outbox_max_age: float = Field(default=300.0, gt=0)
    # Seconds the oldest scheduled item may be overdue.
    sweep_max_lag: float = Field(default=300.0, gt=0)

    def limits(self) -> HealthLimits:
        """The same, as the care layer takes them."""
        return HealthLimits(
            outbox_max_age=timedelta(seconds=self.outbox_max_age),
            sweep_max_lag=timedelta(seconds=self.sweep_max_lag),
        )


class RuntimeSettings(_Section):
    """How `daybreak run` rides out what it depends on being away."""

    # Seconds to keep trying the database and the Bot API at start before giving up (exit 2).
    startup_deadline: float = Field(default=120.0, ge=0)
    # Seconds a task (sender, poller, inbox) may keep failing before the process exits with
    # status 3, for a service manager to restart it.
    give_up_after: float = Field(default=300.0, gt=0)
    # The longest wait between two tries of anything that failed, in seconds.
    retry_cap: float = Field(default=10.0, gt=0)


class LoggingSettings(_Section):
    """How much is logged, and in which shape."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value
