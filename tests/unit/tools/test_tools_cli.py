"""`daybreak flows check|graph|test` through click: output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tools_support import FIXTURE_PROGRAMME, conversation_test

from bot.cli_flows import flows_group


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No config from the environment or the working folder leaks into these tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAYBREAK_CONFIG", raising=False)
    monkeypatch.delenv("DAYBREAK_PROGRAMME__PATH", raising=False)


def invoke(*args: str, obj: dict[str, object] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(flows_group, list(args), obj=obj)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_check_passes_a_clean_programme() -> None:
    code, output = invoke("check", str(FIXTURE_PROGRAMME))
    assert (code, output) == (0, "0 errors, 0 warnings in 2 files\n")


def test_check_fails_on_an_error_and_prints_it(programme: Path) -> None:
    (programme / "oops.yaml").write_text(
        "id: oops\ntitle: Oops\nstart: a\nstates:\n  a:\n    sayy: hi\n", encoding="utf-8"
    )
    code, output = invoke("check", str(programme))
    assert code == 1
    assert f"{programme / 'oops.yaml'}:6:5: error: " in output
    assert output.splitlines()[-1].endswith("in 3 files")


def test_strict_makes_a_warning_fail(programme: Path) -> None:
    (programme / "warn.yaml").write_text(
        "id: warn\ntitle: Warn\nstart: a\nstates:\n"
        "  a:\n    say: 'Hello {{ nickname }}'\n    next: b\n  b:\n    end: completed\n",
        encoding="utf-8",
    )
    code, output = invoke("check", str(programme))
    assert code == 0
    assert "warning: `nickname` is used here but never set" in output
    assert "0 errors, 1 warning in 3 files" in output
    assert invoke("check", "--strict", str(programme))[0] == 1


def test_check_defaults_to_the_configured_programme(tmp_path: Path) -> None:
    config = tmp_path / "daybreak.toml"
    config.write_text(f"[programme]\npath = {str(FIXTURE_PROGRAMME)!r}\n", encoding="utf-8")
    assert invoke("--config", str(config), "check") == (0, "0 errors, 0 warnings in 2 files\n")
    assert invoke("check", obj={"config_path": config})[0] == 0


def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, output = invoke("check", obj={"config_path": tmp_path / "missing.toml"})
    assert code == 2
    assert output.strip().startswith("config error: config file")
    assert len(output.strip().splitlines()) == 1


def test_graph_prints_the_flow() -> None:
    code, output = invoke("graph", "greet", "--programme", str(FIXTURE_PROGRAMME))
    assert code == 0
    assert output.startswith("flowchart TD\n")
    assert '    s_low -->|"call"| f_screen' in output


def test_graph_of_an_unknown_flow_suggests_one() -> None:
    code, output = invoke("graph", "gret", "--programme", str(FIXTURE_PROGRAMME))
    assert code == 2
    assert "there is no flow `gret`" in output
    assert "(did you mean `greet`?)" in output
    assert "flows: greet, screen" in output


def test_test_passes_the_fixture_tests() -> None:
    assert invoke("test", str(FIXTURE_PROGRAMME)) == (0, "5 passed, 0 failed\n")


def test_test_fails_with_the_failing_line(programme: Path) -> None:
    path = programme / "broken.test.yaml"
    path.write_text(conversation_test(["tap: I agree", "bot: Goodbye"]), encoding="utf-8")
    code, output = invoke("test", str(programme))
    assert code == 1
    assert f"{path}:6:9: test 'broken': expected a message containing \"Goodbye\"" in output
    assert output.splitlines()[-1] == "5 passed, 1 failed"
