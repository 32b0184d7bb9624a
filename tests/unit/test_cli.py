"""`daybreak run`: without a token it explains and offers the chat; bad config is one line."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No config file or DAYBREAK_* variable from the machine leaks into these tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAYBREAK_CONFIG", raising=False)
    monkeypatch.delenv("DAYBREAK_TELEGRAM__TOKEN", raising=False)


def test_run_without_a_token_says_how_to_get_one_and_offers_the_chat() -> None:
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 0
    assert "@BotFather" in result.output
    assert "DAYBREAK_TELEGRAM__TOKEN" in result.output
    assert "./scripts/run chat" in result.output


def test_a_bad_value_stops_with_one_line_naming_key_and_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DAYBREAK_PROGRAMME__RELEASE_INTERVAL", "7 weeks")
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1
    assert "programme.release_interval" in lines[0]
    assert "DAYBREAK_PROGRAMME__RELEASE_INTERVAL" in lines[0]


def test_a_token_is_never_printed_when_it_is_malformed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYBREAK_TELEGRAM__TOKEN", "not-a-token-s3cr3t")
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    assert "telegram.token" in result.output
    assert "s3cr3t" not in result.output


def test_every_documented_command_is_there() -> None:
    listed = CliRunner().invoke(main, ["--help"]).output
    for command in (
        "run",
        "chat",
        "flows",
        "db",
        "keys",
        "schedule",
        "staff",
        "audit",
        "backup",
        "restore",
    ):
        assert f"  {command} " in listed


def test_schedule_show_on_an_empty_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DAYBREAK_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("DAYBREAK_SECURITY__KEY_FILE", str(tmp_path / "key"))
    result = CliRunner().invoke(main, ["schedule", "show"])
    assert result.exit_code == 0, result.output
    assert "nothing" in result.output


@pytest.mark.parametrize("triage", ["auto", "guided"])
def test_run_without_a_staff_chat_refuses_and_names_both_ways_out(
    monkeypatch: pytest.MonkeyPatch, triage: str
) -> None:
    monkeypatch.setenv("DAYBREAK_TELEGRAM__TOKEN", "123456:ABC-DEF")
    monkeypatch.setenv("DAYBREAK_PROGRAMME__TRIAGE", triage)
    monkeypatch.delenv("DAYBREAK_TELEGRAM__STAFF_CHAT_ID", raising=False)
    monkeypatch.delenv("DAYBREAK_PROGRAMME__STAFFING", raising=False)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("daybreak: ")
    assert "nobody would read" in lines[0]
    (staff,) = [line for line in lines if "telegram.staff_chat_id" in line and "staff it" in line]
    assert "DAYBREAK_TELEGRAM__STAFF_CHAT_ID" in staff
    (unstaffed,) = [line for line in lines if 'programme.staffing = "unstaffed"' in line]
    assert "DAYBREAK_PROGRAMME__STAFFING=unstaffed" in unstaffed
    assert "ABC-DEF" not in result.output
