"""Reading `crisis_terms.yml`: per language, `explicit`, `possible` and `not_crisis` lists.

```yaml
en:
  explicit: [kill myself, "took (all|too many) [of] my pills"]
  possible: ["can't go on $"]
  not_crisis: [killing time]
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flows.crisis.patterns import PatternError, expand
from flows.crisis.terms import SECTIONS, CrisisTerms, Entry, Section
from flows.crisis.text import BOUNDARY, NUMBER, Phrase
from flows.diagnostics import Diagnostic, Severity
from flows.errors import suggest
from flows.loader import NodePath, Positions, YamlSyntaxError, parse_yaml

CRISIS_TERMS_FILE = "crisis_terms.yml"
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]+)?")
_LAYOUT = "`explicit:`, `possible:` and `not_crisis:` lists"


@dataclass(frozen=True)
class Issue:
    """A problem in the file, at a node (or at its key, when `key` is set)."""

    node: NodePath
    severity: Severity
    message: str
    key: bool = False
    offset: int = 0  # characters into the entry's text


class CrisisTermsError(ValueError):
    """The file cannot be used; the message lists every error with file:line:col."""


@dataclass(frozen=True, eq=False)  # one per path and text (see `_read`): compared by identity
class TermsFile:
    """The file as read: its entries, the problems found while reading, and where things are."""

    path: str
    text: str
    positions: Positions
    entries: list[Entry]
    issues: list[Issue]

    def diagnostic(self, issue: Issue) -> Diagnostic:
        """The issue at its file, line and column."""
        at = self.positions.key if issue.key else self.positions.value
        line, column = at(issue.node)
        column += self._shift(line, column, issue)
        return Diagnostic(self.path, line, column, issue.severity, issue.message)

    def _shift(self, line: int, column: int, issue: Issue) -> int:
        if not issue.offset:
            return 0
        lines = self.text.splitlines()
        quoted = line <= len(lines) and lines[line - 1][column - 1 : column] in ("'", '"')
        return issue.offset + quoted


def read_file(path: Path) -> tuple[TermsFile | None, list[Diagnostic]]:
    """Read and parse the file; None (with the reason) when it is not even YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Diagnostic(str(path), 1, 1, "error", f"cannot read the file: {error}")]
    read, problems = _read(str(path), text)
    return read, list(problems)


# The app and `flows check` both read the file, and test suites build many apps: reading and
# compiling take a few hundred milliseconds, so both are kept for the same path and text.
@lru_cache(maxsize=16)
def _read(path: str, text: str) -> tuple[TermsFile | None, tuple[Diagnostic, ...]]:
    try:
        data, positions = parse_yaml(text, path)
    except YamlSyntaxError as error:
        return None, (error.diagnostic,)
    entries, issues = read_entries(data)
    read = TermsFile(path, text, positions, entries, issues)
    return read, tuple(read.diagnostic(issue) for issue in issues)


def load_terms(path: Path) -> CrisisTerms:
    """Read `crisis_terms.yml` into matchable terms; raises CrisisTermsError on any error."""
    read, problems = read_file(path)
    errors = [str(problem) for problem in problems if problem.severity == "error"]
    if read is None or errors:
        raise CrisisTermsError("the crisis terms have errors:\n" + "\n".join(errors))
    return compiled(read)


@lru_cache(maxsize=16)
def compiled(read: TermsFile) -> CrisisTerms:
    """The file's entries, ready to match (once per file read)."""
    return CrisisTerms(tuple(read.entries))


def read_entries(data: Any) -> tuple[list[Entry], list[Issue]]:
    """Every entry that reads, and an issue for every one that does not."""
    if not isinstance(data, dict) or not data:
        return [], [Issue((), "error", f"list crisis terms per language, each with {_LAYOUT}")]
    entries: list[Entry] = []
    issues: list[Issue] = []
    for language, sections in data.items():
        found, problems = _language(str(language), sections)
        entries += found
        issues += problems
    return entries, issues


def _language(language: str, sections: Any) -> tuple[list[Entry], list[Issue]]:
    node: NodePath = (language,)
    if language == "not_crisis":
        message = "look-alikes now go under each language, as `not_crisis:` next to `explicit:`"
        return [], [Issue(node, "error", message, key=True)]
    if not _LANGUAGE.fullmatch(language):
        message = f"`{language}` is not a language code like `en` or `zh`"
        return [], [Issue(node, "error", message, key=True)]
    if not isinstance(sections, dict):
        message = f"`{language}` should be a mapping with {_LAYOUT}"
        return [], [Issue(node, "error", message)]
    entries: list[Entry] = []
    issues = _missing_sections(language, sections)
    for key, items in sections.items():
        if key not in SECTIONS:
            message = f"unknown key `{key}`{suggest(str(key), list(SECTIONS))}"
            issues.append(Issue((*node, str(key)), "error", message, key=True))
            continue
        found, problems = _section(language, key, items)
        entries += found
        issues += problems
    return entries, issues


def _missing_sections(language: str, sections: dict[str, Any]) -> list[Issue]:
    node: NodePath = (language,)
    issues = []
    if "explicit" not in sections:
        message = f"`{language}` has no `explicit:` list: the phrases that start the pathway"
        issues.append(Issue(node, "error", message, key=True))
    if "possible" not in sections:
        message = f"`{language}` has no `possible:` list: the phrases that ask a check question"
        issues.append(Issue(node, "warning", message, key=True))
    return issues


def _section(language: str, section: Section, items: Any) -> tuple[list[Entry], list[Issue]]:
    node: NodePath = (language, section)
    if items is None or items == []:
        message = f"`{section}` is empty: list phrases or remove the key"
        return [], [Issue(node, "error", message, key=True)]
    if not isinstance(items, list):
        return [], [Issue(node, "error", f"`{section}` should be a list, one phrase a line")]
    entries: list[Entry] = []
    issues: list[Issue] = []
    for index, item in enumerate(items):
        entry = _entry(language, section, index, item)
        if isinstance(entry, Issue):
            issues.append(entry)
        else:
            entries.append(entry)
    return entries, issues


def _entry(language: str, section: Section, index: int, item: Any) -> Entry | Issue:
    node: NodePath = (language, section, index)
    if not isinstance(item, str):
        message = f"a phrase should be a text, like `kill myself` (this is {_kind(item)})"
        return Issue(node, "error", message)
    text = item.strip()
    if not text:
        return Issue(node, "error", "this phrase is blank")
    try:
        variants = tuple(expand(text))
    except PatternError as error:
        return Issue(node, "error", error.message, offset=error.offset)
    phrases = tuple(p for p in dict.fromkeys(map(_words, variants)) if p is not None)
    if not phrases:
        return Issue(node, "error", "this phrase has no words (only punctuation, `#` or `$`)")
    return Entry(language, section, index, text, variants, phrases)


def _words(variant: str) -> Phrase | None:
    """The phrase, unless it has no word in it (a lone `$` or `#` would match everywhere)."""
    phrase = Phrase.of(variant)
    return phrase if set(phrase.tokens) - {BOUNDARY, NUMBER} else None


def _kind(item: Any) -> str:
    if isinstance(item, bool):
        return "true/false: put it in quotes"
    if isinstance(item, int | float):
        return "a number: put it in quotes"
    if isinstance(item, dict):
        return "a mapping: a `: ` in a phrase needs quotes"
    return "a list" if isinstance(item, list) else type(item).__name__
