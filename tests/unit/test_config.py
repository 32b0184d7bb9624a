"""Settings: sources and their priority, validation messages, secrecy, and the example file."""

from __future__ import annotations

import os
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import (
    ConfigError,
    Settings,
    decode_data_key,
    load_settings,
    parse_duration,
    parse_time,
    parse_time_window,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
TOKEN = "123456:SECRET-token_value"
DATA_KEY = "A" * 43 + "="  # url-safe base64 of 32 zero bytes


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DAYBREAK_* variables from the outside and no ./config.toml lying around."""
    for name in list(os.environ):
        if name.upper().startswith("DAYBREAK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(config_path: Path | None = None, **overrides: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(config_path, overrides=overrides or None)
    return str(caught.value)


# ---------------------------------------------------------------- sources


def test_defaults_without_any_file() -> None:
    settings = load_settings(None)
    assert settings == Settings()
    assert settings.telegram.token is None
    assert settings.telegram.api_base_url == "https://api.telegram.org"
    assert settings.database.url == "sqlite+aiosqlite:///./daybreak.db"
    assert settings.programme.release_interval == timedelta(days=7)
    assert settings.programme.quiet_hours == (time(21, 0), time(8, 0))
    assert settings.programme.preferred_time == time(9, 0)
    assert settings.programme.path.name == "programme"
    assert settings.programme.path.parent.name == "flows"
    assert settings.safety.crisis_contacts is None  # crisis contacts are programme data now


def test_values_from_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [telegram]
        token = "123456:abc"
        staff_chat_id = -100123
        on_call = ["@alice", 42, "77"]
        [programme]
        release_interval = "10m"
        quiet_hours = ""
        default_timezone = "Asia/Shanghai"
        preferred_time = 07:30:00
        """.replace("        ", ""),
        name="custom.toml",
    )
    settings = load_settings(path)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "123456:abc"
    assert settings.telegram.staff_chat_id == -100123
    assert settings.telegram.on_call == ["@alice", 42, 77]
    assert settings.programme.release_interval == timedelta(minutes=10)
    assert settings.programme.quiet_hours is None
    assert settings.programme.zone.key == "Asia/Shanghai"
    assert settings.programme.preferred_time == time(7, 30)


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[programme]\nrelease_interval = "P7D"\ntriage = "guided"\n')
    monkeypatch.setenv("DAYBREAK_PROGRAMME__RELEASE_INTERVAL", "PT30S")
    monkeypatch.setenv("daybreak_telegram__api_base_url", "http://127.0.0.1:8081/")
    monkeypatch.setenv("DAYBREAK_TELEGRAM__STAFF_ALLOWLIST", "1, 2")
    monkeypatch.setenv("DAYBREAK_PROGRAMME__FOLLOW_UP_MONTHS", "[1, 2]")
    settings = load_settings(path)
    assert settings.programme.release_interval == timedelta(seconds=30)
    assert settings.programme.triage == "guided"  # untouched keys still come from the file
    assert settings.telegram.api_base_url == "http://127.0.0.1:8081"
    assert settings.telegram.staff_allowlist == [1, 2]
    assert settings.programme.follow_up_months == [1, 2]


def test_overrides_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_LOGGING__LEVEL", "debug")
    assert load_settings(None).logging.level == "DEBUG"
    settings = load_settings(None, overrides={"logging": {"level": "ERROR"}})
    assert settings.logging.level == "ERROR"


def test_empty_environment_value_unsets_optional_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_TELEGRAM__TOKEN", "")
    monkeypatch.setenv("DAYBREAK_PROGRAMME__QUIET_HOURS", "")
    settings = load_settings(None)
    assert settings.telegram.token is None
    assert settings.programme.quiet_hours is None


def test_daybreak_config_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[logging]\nformat = "text"\n')  # ./config.toml loses to $DAYBREAK_CONFIG
    path = write(tmp_path, '[logging]\nformat = "json"\n', name="elsewhere.toml")
    monkeypatch.setenv("DAYBREAK_CONFIG", str(path))
    assert load_settings(None).logging.format == "json"


def test_explicit_path_beats_daybreak_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAYBREAK_CONFIG", str(write(tmp_path, "[logging]\nlevel = 'ERROR'\n")))
    path = write(tmp_path, "[logging]\nlevel = 'WARNING'\n", name="given.toml")
    assert load_settings(path).logging.level == "WARNING"


def test_config_toml_in_working_directory_is_found(tmp_path: Path) -> None:
    write(tmp_path, "[scheduler]\nbatch_size = 7\n")
    assert load_settings(None).scheduler.batch_size == 7


def test_settings_alone_ignore_config_toml(tmp_path: Path) -> None:
    write(tmp_path, "[scheduler]\nbatch_size = 7\n")
    assert Settings().scheduler.batch_size == 500


def test_missing_config_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_CONFIG", str(tmp_path / "nope.toml"))
    message = error_of()
    assert "nope.toml" in message
    assert "DAYBREAK_CONFIG" in message


# ---------------------------------------------------------------- error messages


def test_bad_duration_from_environment_names_key_variable_and_expectation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DAYBREAK_PROGRAMME__RELEASE_INTERVAL", "7 weeks")
    assert error_of() == (
        'config error: programme.release_interval = "7 weeks" '
        "(from DAYBREAK_PROGRAMME__RELEASE_INTERVAL): "
        "expected an ISO 8601 duration like P7D or a short form like 7d, 10m, 30s"
    )


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ('[programme]\nrelease_interval = "0s"', "programme.release_interval", "longer than zero"),
        ("[programme]\nrelease_interval = 7", "programme.release_interval", "has no unit"),
        ('[programme]\nrelease_interval = "P1M"', "programme.release_interval", "months"),
        ('[programme]\nquiet_hours = "9pm-8am"', "programme.quiet_hours", "21:00-08:00"),
        ('[programme]\npreferred_time = "25:00"', "programme.preferred_time", "HH:MM"),
        ('[programme]\ndefault_timezone = "Mars/Olympus"', "programme.default_timezone", "IANA"),
        ('[programme]\ntriage = "sometimes"', "programme.triage", "'guided', 'unguided' or 'auto'"),
        ('[programme]\nrelease_policy = "daily"', "programme.release_policy", "'weekly'"),
        (
            "[programme]\nreminder_after_days = [5, 2]",
            "programme.reminder_after_days",
            "increasing",
        ),
        ('[programme]\npath = "no/such/folder"', "programme.path", "existing folder"),
        ('[programme]\ndefault_language = "English"', "programme.default_language", "language"),
        ('[staff]\ndigest_time = "8.30"', "staff.digest_time", "HH:MM"),
        ("[staff]\nalert_ack_minutes = 0", "staff.alert_ack_minutes", "greater than 0"),
        ("[telegram]\nglobal_rate = 31", "telegram.global_rate", "paid_broadcast"),
        ("[telegram]\nglobal_rate = 0", "telegram.global_rate", "greater than 0"),
        ('[telegram]\nstaff_chat_id = "staff"', "telegram.staff_chat_id", "integer"),
        ('[telegram]\non_call = ["bob"]', "telegram.on_call", "@usernames"),
        ('[telegram]\napi_base_url = "api.telegram.org"', "telegram.api_base_url", "https://"),
        ("[telegram]\nwebhook_port = 70000", "telegram.webhook_port", "65535"),
        ('[database]\nurl = "mysql://x"', "database.url", "postgresql+asyncpg://"),
        ('[logging]\nformat = "xml"', "logging.format", "'text' or 'json'"),
        ("[scheduler]\nsweep_seconds = -1", "scheduler.sweep_seconds", "greater than 0"),
    ],
)
def test_bad_file_value_gives_one_line_with_key_and_file(
    tmp_path: Path, toml: str, key: str, expected: str
) -> None:
    path = write(tmp_path, toml + "\n")
    message = error_of(path)
    assert "\n" not in message
    assert message.startswith(f"config error: {key}")
    assert f"(from {path})" in message
    assert expected in message


def test_paid_broadcast_raises_the_global_cap(tmp_path: Path) -> None:
    path = write(tmp_path, "[telegram]\npaid_broadcast = true\nglobal_rate = 1000\n")
    assert load_settings(path).telegram.global_rate == 1000
    assert "at most 1000" in error_of(
        write(tmp_path, "[telegram]\npaid_broadcast = true\nglobal_rate = 1001\n")
    )


def test_several_bad_keys_give_one_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, '[programme]\ntriage = "x"\n[logging]\nlevel = "LOUD"\n')
    lines = error_of(path).splitlines()
    assert len(lines) == 2
    assert all(line.startswith("config error: ") for line in lines)


def test_bad_list_item_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_TELEGRAM__STAFF_ALLOWLIST", "12,abc")
    message = error_of()
    assert message.startswith('config error: telegram.staff_allowlist[1] = "abc"')
    assert "(from DAYBREAK_TELEGRAM__STAFF_ALLOWLIST)" in message


def test_bad_override_is_attributed_to_overrides() -> None:
    message = error_of(None, scheduler={"batch_size": 0})
    assert "scheduler.batch_size = 0 (from overrides)" in message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[programme]\nrelease_intervall = "7d"\n')
    assert error_of(path) == (
        f"config error: programme.release_intervall (from {path}): "
        'unknown key, did you mean "release_interval"?'
    )


def test_unknown_section_and_nested_key_suggestions(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegarm]\ntoken = "x"\n[safety]\nrecheck_hour = 4\n')
    message = error_of(path)
    assert "config error: telegarm (from " in message
    assert 'did you mean "telegram"?' in message
    assert "safety.recheck_hour" in message
    assert 'did you mean "recheck_hours"?' in message


def test_an_old_file_with_crisis_contacts_still_loads(tmp_path: Path) -> None:
    # The contacts moved to the programme (safety/crisis_contacts.yml); the app warns at start.
    path = write(
        tmp_path,
        '[[safety.crisis_contacts.uk]]\nname = "Samaritans"\nphone = "116 123"\n'
        '[[safety.crisis_contacts.international]]\nname = "Find a Helpline"\n',
    )
    settings = load_settings(path)
    assert settings.safety.crisis_contacts is not None
    assert settings.safety.crisis_contacts["uk"][0]["phone"] == "116 123"


def test_unknown_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_TELEGRAM__TOKN", TOKEN)
    message = error_of()
    assert "(from DAYBREAK_TELEGRAM__TOKN)" in message
    assert 'did you mean "token"?' in message
    assert TOKEN not in message


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\napi_base_url = "x"\nglobal_rate = = 3\n')
    message = error_of(path)
    assert message.startswith(f"config error: {path}:3:15: invalid TOML")
    assert "\n" not in message


# ---------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("DAYBREAK_TELEGRAM__TOKEN", "not-a-token-SECRETVALUE", "telegram.token"),
        ("DAYBREAK_TELEGRAM__WEBHOOK_SECRET", "bad secret SECRETVALUE!", "telegram.webhook_secret"),
        ("DAYBREAK_SECURITY__DATA_KEY", "SECRETVALUEshort", "security.data_key"),
        ("DAYBREAK_SECURITY__OLD_KEYS", f"{DATA_KEY},SECRETVALUE!!", "security.old_keys[1]"),
        ("DAYBREAK_TELEGRAM", '{"token": "SECRETVALUE"}', "telegram.token"),
    ],
)
def test_bad_secret_is_explained_without_its_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, key: str
) -> None:
    monkeypatch.setenv(variable, value)
    message = error_of()
    assert message.startswith(f"config error: {key} (from {variable}): expected")
    assert "value not shown" in message
    assert "SECRETVALUE" not in message


def test_bad_secret_exception_carries_no_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    # A chained ValidationError would print the raw value in a traceback.
    monkeypatch.setenv("DAYBREAK_SECURITY__DATA_KEY", "SECRETVALUE")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_repr_hides_secrets_and_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("DAYBREAK_TELEGRAM__WEBHOOK_SECRET", "hook-SECRET")
    monkeypatch.setenv("DAYBREAK_SECURITY__DATA_KEY", DATA_KEY)
    monkeypatch.setenv("DAYBREAK_SECURITY__OLD_KEYS", f'["{DATA_KEY}"]')
    monkeypatch.setenv("DAYBREAK_DATABASE__URL", "postgresql+asyncpg://me:pa55word@db/daybreak")
    settings = load_settings(None)
    shown = repr(settings) + str(settings)
    for secret in (TOKEN, "hook-SECRET", DATA_KEY, "pa55word"):
        assert secret not in shown
    assert "postgresql+asyncpg://me:***@db/daybreak" in shown
    assert settings.database.url.endswith("pa55word@db/daybreak")
    assert len(decode_data_key(settings.security.old_keys[0].get_secret_value())) == 32


def test_bad_database_url_masks_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_DATABASE__URL", "postgresql://me:pa55word@db/daybreak")
    message = error_of()
    assert "pa55word" not in message
    assert "(from DAYBREAK_DATABASE__URL)" in message


# ---------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P7D", timedelta(days=7)),
        ("PT30S", timedelta(seconds=30)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("P2W", timedelta(weeks=2)),
        ("p7d", timedelta(days=7)),
        ("7d", timedelta(days=7)),
        ("10m", timedelta(minutes=10)),
        ("30s", timedelta(seconds=30)),
        ("1h", timedelta(hours=1)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 7D ", timedelta(days=7)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "7", "7 weeks", "7x", "P1Y", "P1M", "m10", "-7d", "P7DT"]
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00-08:00", (time(21, 0), time(8, 0))),
        ("22:30 - 06:15", (time(22, 30), time(6, 15))),
        ("21:00–08:00", (time(21, 0), time(8, 0))),
        ("12:00-13:00", (time(12, 0), time(13, 0))),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_time_window(text: str, expected: tuple[time, time] | None) -> None:
    assert parse_time_window(text) == expected


@pytest.mark.parametrize(
    "text", ["21:00", "21:00-", "9pm-8am", "21:00-08:00-09:00", "24:00-08:00", "08:00-08:00"]
)
def test_parse_time_window_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="time window"):
        parse_time_window(text)


def test_parse_time() -> None:
    assert parse_time("9:05") == time(9, 5)
    assert parse_time("23:59:59") == time(23, 59, 59)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time("12:60")


def test_bad_timezone_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_PROGRAMME__DEFAULT_TIMEZONE", "Europe/Londn")
    assert error_of() == (
        'config error: programme.default_timezone = "Europe/Londn" '
        "(from DAYBREAK_PROGRAMME__DEFAULT_TIMEZONE): "
        'expected an IANA time zone name like "Europe/London" or "UTC"'
    )


def test_decode_data_key_accepts_unpadded_key() -> None:
    assert decode_data_key(DATA_KEY.rstrip("=")) == decode_data_key(DATA_KEY)
    with pytest.raises(ValueError, match="32 bytes"):
        decode_data_key("AAAA")


# ---------------------------------------------------------------- the example file


def test_example_file_parses_and_equals_defaults() -> None:
    assert load_settings(EXAMPLE) == Settings()


def documented_keys(text: str) -> set[str]:
    """Dotted keys the example mentions: table headers and `key =` lines, commented out or not."""
    keys: set[str] = set()
    section = ""
    for line in text.splitlines():
        header = re.match(r"\s*\[\[?\s*([\w.]+)\s*\]\]?", line)
        if header:
            section = header[1]
            parts = section.split(".")
            keys |= {".".join(parts[: i + 1]) for i in range(len(parts))}
            continue
        assignment = re.match(r"\s*#?\s*(\w+)\s*=", line)
        if assignment:
            keys.add(f"{section}.{assignment[1]}")
    return keys


def test_example_file_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = documented_keys(text)
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type)
        assert issubclass(model, BaseModel)
        assert section in documented, f"[{section}] missing from config.example.toml"
        for name in model.model_fields:
            assert f"{section}.{name}" in documented, f"{section}.{name} not documented"


@pytest.mark.parametrize(
    ("variable", "suggested"),
    [
        ("DAYBREAK_TELEGRAM_TOKEN", "DAYBREAK_TELEGRAM__TOKEN"),  # one underscore
        ("DAYBREAK_TELEGRAMM__POLL_TIMEOUT", "DAYBREAK_TELEGRAM__POLL_TIMEOUT"),  # a section
    ],
)
def test_a_variable_that_sets_nothing_is_an_error_naming_the_closest(
    monkeypatch, tmp_path, variable, suggested
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, "123456:abc")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert variable in message
    assert f'did you mean "{suggested}"?' in message
    assert "123456:abc" not in message  # the value may be a secret


def test_variables_that_are_not_settings_are_left_alone(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("DAYBREAK_REQUIRE_POSTGRES", "DAYBREAK_TEST_POSTGRES_URL", "DAYBREAK_CRASH_SEED"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("DAYBREAK_PROGRAMME__FOLLOW_UP_MONTHS", "[1, 2]")
    assert load_settings().programme.follow_up_months == [1, 2]
