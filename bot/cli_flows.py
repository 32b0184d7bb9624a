"""`daybreak flows ...`: the researchers' tools — check, graph and test the programme's flows."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from bot.config import ConfigError, load_settings
from flows.diagnostics import Diagnostic, has_errors
from flows.graph import mermaid
from flows.library import flow_files, load_programme
from flows.testing import run_tests

# Exit codes: 1 means "your flows or tests have problems", 2 means "the command could not run".
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

_PATHS = click.Path(exists=True, path_type=Path)


@click.group("flows")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file (default: $DAYBREAK_CONFIG, else ./config.toml, else built-in defaults).",
)
@click.pass_context
def flows_group(ctx: click.Context, config_path: Path | None) -> None:
    """Check, draw and test the programme's flows."""
    obj: dict[str, Any] = dict(ctx.obj) if isinstance(ctx.obj, dict) else {}
    if config_path is not None:
        obj["config_path"] = config_path
    ctx.obj = obj


def _programme_folder(ctx: click.Context) -> Path:
    """The configured programme folder; a bad config ends the command with its one-line error."""
    given = ctx.obj.get("config_path") if isinstance(ctx.obj, dict) else None
    config_path = Path(given) if given is not None else None  # the main group may pass a str
    try:
        return load_settings(config_path).programme.path
    except ConfigError as error:
        click.echo(str(error), err=True)
        ctx.exit(EXIT_USAGE)
        raise AssertionError("unreachable") from None  # ctx.exit raises; this tells mypy so


def _paths_or_default(ctx: click.Context, paths: Sequence[Path]) -> list[Path]:
    return list(paths) if paths else [_programme_folder(ctx)]


@flows_group.command("check")
@click.argument("paths", nargs=-1, type=_PATHS)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_context
def check_command(ctx: click.Context, paths: tuple[Path, ...], strict: bool) -> None:
    """Check flow files (default: the programme folder) and report every problem."""
    folders = _paths_or_default(ctx, paths)
    _library, diagnostics = load_programme(folders)
    for diagnostic in diagnostics:
        click.echo(str(diagnostic))
    click.echo(_check_summary(diagnostics, len(flow_files(folders))))
    if has_errors(diagnostics, strict=strict):
        ctx.exit(EXIT_PROBLEMS)


def _check_summary(diagnostics: list[Diagnostic], files: int) -> str:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    return f"{_count(errors, 'error')}, {_count(warnings, 'warning')} in {_count(files, 'file')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@flows_group.command("graph")
@click.argument("flow_id")
@click.option("--programme", "programme", type=_PATHS, help="Programme folder (default: config).")
@click.option("--language", default=None, help="Language for button labels (default: the first).")
@click.pass_context
def graph_command(
    ctx: click.Context, flow_id: str, programme: Path | None, language: str | None
) -> None:
    """Print a Mermaid diagram of one flow."""
    folder = programme or _programme_folder(ctx)
    library, diagnostics = load_programme([folder])
    flow = library.flows.get(flow_id)
    if flow is None:
        click.echo(_unknown_flow(flow_id, sorted(library.flows), folder), err=True)
        if has_errors(diagnostics):
            click.echo("Some flows did not load; run `daybreak flows check` to see why.", err=True)
        ctx.exit(EXIT_USAGE)
        return
    click.echo(mermaid(flow, language or library.default_language), nl=False)


def _unknown_flow(flow_id: str, known: list[str], folder: Path) -> str:
    close = difflib.get_close_matches(flow_id, known, n=1, cutoff=0.6)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    listed = ", ".join(known) or "none"
    return f"error: there is no flow `{flow_id}` in {folder}{hint}; flows: {listed}"


@flows_group.command("test")
@click.argument("paths", nargs=-1, type=_PATHS)
@click.pass_context
def test_command(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Run conversation tests (*.test.yaml; default: the programme folder)."""
    report = run_tests(_paths_or_default(ctx, paths))
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        ctx.exit(EXIT_PROBLEMS)
