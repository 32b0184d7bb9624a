"""Settings from config.toml plus DAYBREAK_<SECTION>__<KEY> environment overrides.

Sources, strongest first: keyword overrides > environment > TOML file > built-in defaults.
Every problem becomes one ``config error: ...`` line naming the key, where the value came
from and what is expected; secret values are never printed.
"""

from bot.config.loading import Settings, find_config_file, load_settings
from bot.config.parsers import (
    CONFIG_ENV,
    DEFAULT_CONFIG_FILE,
    ENV_DELIMITER,
    ENV_PREFIX,
    FREE_GLOBAL_RATE,
    PAID_GLOBAL_RATE,
    ConfigError,
    decode_data_key,
    parse_time,
    parse_time_window,
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
    check_timezone,
    mask_url_password,
)
from flows.durations import parse_duration

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "ENV_DELIMITER",
    "ENV_PREFIX",
    "FREE_GLOBAL_RATE",
    "PAID_GLOBAL_RATE",
    "ConfigError",
    "DatabaseSettings",
    "HealthSettings",
    "LoggingSettings",
    "ProgrammeSettings",
    "RuntimeSettings",
    "SafetySettings",
    "SchedulerSettings",
    "SecuritySettings",
    "Settings",
    "StaffSettings",
    "TelegramSettings",
    "check_timezone",
    "decode_data_key",
    "find_config_file",
    "load_settings",
    "mask_url_password",
    "parse_duration",
    "parse_time",
    "parse_time_window",
]
