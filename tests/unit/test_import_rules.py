"""The house's import rules (docs/architecture.md, "Who may import whom"), checked over the source.

Each rule names a layer and the modules it must never import; a few narrow exceptions name the
ports a lower layer implements. The checker reads the code with `ast`, so an import hidden under
`if TYPE_CHECKING:` or inside a function counts as well: a layer that needs a name at type-check
time depends on it just the same.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "flows", "scheduler", "storage")


@dataclass(frozen=True)
class Rule:
    """Modules under `layer` may not import anything under `forbidden`, except `allowed`."""

    layer: str
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    why: str = ""


RULES = (
    Rule(
        "flows",
        ("bot", "storage", "scheduler", "aiogram", "sqlalchemy", "apscheduler", "alembic"),
        why="the flow language is pure: YAML in, model out; state and event in, effects out",
    ),
    Rule(
        "bot.care",
        (
            "storage",
            "scheduler",
            "sqlalchemy",
            "aiogram",
            "apscheduler",
            "alembic",
            "bot.telegram",
            "bot.console",
            "bot.app",
            "bot.wiring",
            "bot.cli",
        ),
        why="care talks to the outside only through the ports it owns (bot/care/ports.py)",
    ),
    Rule(
        "bot.care.ports",
        ("bot", "flows", "storage", "scheduler", "pydantic", "sqlalchemy", "aiogram"),
        allowed=("bot.care.ports", "bot.care.messages"),
        why="the ports are plain Protocols and values; only the outbox's messages are shared",
    ),
    Rule(
        "bot.care.messages",
        ("bot", "flows", "storage", "scheduler", "sqlalchemy", "aiogram"),
        why="the outbox's messages are plain values that storage and the ports may share",
    ),
    Rule(
        "scheduler",
        (
            "storage",
            "sqlalchemy",
            "aiogram",
            "bot.telegram",
            "bot.console",
            "bot.app",
            "bot.wiring",
            "bot.cli",
        ),
        why="the scheduler decides when, and calls care's services through care's ports",
    ),
    Rule(
        "storage",
        ("bot", "scheduler", "aiogram", "apscheduler"),
        allowed=("bot.care.ports", "bot.care.messages"),
        why="storage implements care's ports and knows rows, not transports",
    ),
    Rule(
        "bot.telegram",
        ("storage", "sqlalchemy", "bot.console", "bot.cli"),
        why="a transport turns updates into care calls and outbox messages into Telegram calls",
    ),
    Rule(
        "bot.console",
        ("storage", "sqlalchemy", "aiogram", "bot.telegram", "bot.cli"),
        why="a transport turns typed lines into care calls and outbox messages into text",
    ),
)
AIOGRAM_HOME = "bot.telegram"  # the only code that may import aiogram


def module_name(path: Path, root: Path) -> str:
    """`bot/care/safety.py` -> `bot.care.safety` (a package's `__init__` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """Every module `path` imports, with the line it does so on (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # `from a import b` may name a module or a member; `a.b` is under `a` either way.
            source = _absolute(node, package)
            found += [(node.lineno, f"{source}.{alias.name}".lstrip(".")) for alias in node.names]
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(root: Path, rules: tuple[Rule, ...] = RULES) -> list[str]:
    """Every import in the packages under `root` that breaks a rule, as `file:line: ...`."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path, root)
            for line, imported in imports_of(path, module):
                for problem in _broken(module, imported, rules):
                    found.append(f"{path.relative_to(root)}:{line}: {problem}")
    return found


def _broken(module: str, imported: str, rules: tuple[Rule, ...]) -> list[str]:
    problems = [
        f"{module} imports {imported}: {rule.why}"
        for rule in rules
        if _under(module, rule.layer)
        and any(_under(imported, f) for f in rule.forbidden)
        and not any(_under(imported, a) for a in rule.allowed)
    ]
    if _under(imported, "aiogram") and not _under(module, AIOGRAM_HOME):
        problems.append(f"{module} imports {imported}: only {AIOGRAM_HOME} may import aiogram")
    return problems


def test_the_source_keeps_the_import_rules() -> None:
    """No layer imports what the house plan forbids it."""
    assert violations(ROOT) == []


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
    return root


def test_a_care_module_importing_storage_is_reported_at_its_line(tmp_path: Path) -> None:
    """A deliberate violation is caught, named and placed."""
    root = _package(
        tmp_path,
        {
            "bot/care/rules.py": '"""Rules."""\n\nfrom storage.uow import UnitOfWork\n',
            "bot/care/ports.py": '"""Ports."""\n',
        },
    )
    found = violations(root)
    assert len(found) == 1
    assert found[0].startswith("bot/care/rules.py:3: bot.care.rules imports storage.uow")


def test_hidden_and_relative_imports_count(tmp_path: Path) -> None:
    """`if TYPE_CHECKING:`, function-level and relative imports are imports too."""
    root = _package(
        tmp_path,
        {
            "flows/engine.py": "def f():\n    import sqlalchemy\n",
            "storage/uow.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from bot.telegram.sender import Sender\n",
            "scheduler/sweep.py": "from ..storage import uow\n",
            "bot/care/safety.py": "from . import ports\nfrom .ports import Clock\n",
        },
    )
    found = violations(root)
    assert [f.split(":")[0] for f in found] == [
        "flows/engine.py",
        "scheduler/sweep.py",
        "storage/uow.py",
    ], found


def test_storage_may_import_the_ports_it_implements(tmp_path: Path) -> None:
    """The narrow exceptions hold: storage implements care's ports and messages."""
    root = _package(
        tmp_path,
        {
            "storage/uow.py": "from bot.care.ports import UnitOfWork\nfrom bot.care import ports\n"
            "from bot.care import safety\n"
        },
    )
    assert violations(root) == [
        "storage/uow.py:3: storage.uow imports bot.care.safety: "
        "storage implements care's ports and knows rows, not transports"
    ]
