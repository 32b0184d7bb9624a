"""Loading settings: TOML file, DAYBREAK_* environment, and one-line errors naming the key."""

from __future__ import annotations

import contextvars
import difflib
import functools
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
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

from bot.config.parsers import (
    CONFIG_ENV,
    DEFAULT_CONFIG_FILE,
    ENV_DELIMITER,
    ENV_PREFIX,
    NOT_SETTINGS,
    ConfigError,
)
from bot.config.sections import (
    DatabaseSettings,
    HealthSettings,
    LoggingSettings,
    ProgrammeSettings,
    RuntimeSettings,
    SafetySettings,
    SchedulerSettings,
    SecuritySettings,
    StaffSettings,
    TelegramSettings,
    mask_url_password,
)

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
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)

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
    _check_variables(os.environ)
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


def _check_variables(environment: Mapping[str, str]) -> None:
    """Refuse a DAYBREAK_ variable that sets nothing (a typo would silently be ignored)."""
    known = _variable_names()
    sections = {ENV_PREFIX + section.upper() for section in Settings.model_fields}
    lines = []
    for name in sorted(environment):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in NOT_SETTINGS or upper in sections:
            continue
        if ENV_DELIMITER in upper and upper.split(ENV_DELIMITER)[0] in sections:
            continue  # a known section: its keys are checked with their values
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        hint = f', did you mean "{close[0]}"?' if close else ""
        lines.append(f"config error: environment variable {name} matches no setting{hint}")
    if lines:
        raise ConfigError("\n".join(lines))


@functools.cache
def _variable_names() -> list[str]:
    """DAYBREAK_SECTION__KEY for every key of every section."""
    return [
        f"{ENV_PREFIX}{section.upper()}{ENV_DELIMITER}{key.upper()}"
        for section in Settings.model_fields
        for key in _known_keys((section,))
    ]


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
