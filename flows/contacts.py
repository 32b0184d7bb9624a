"""Crisis contacts per country: the programme's `safety/crisis_contacts.yml`, read and checked.

A data file, not a flow. Each country code (GB, IE, US, ...) lists where to get urgent help, and
`international` is shown where no list fits. Every entry names its source (the organisation's
own page) and the date someone checked it there, so an out-of-date number can be found.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import RootModel, field_validator, model_validator

from flows.diagnostics import Diagnostic
from flows.loader import NodePath, Positions, YamlSyntaxError, parse_yaml, validate
from flows.model import COUNTRY_CODE, LocalText, ProgrammeSettings, Strict

CONTACTS_FILE = Path("safety/crisis_contacts.yml")  # under the programme folder
FALLBACK = "international"  # shown when the patient's country has no list
ELSEWHERE = "other"  # the `country` of a patient who lives in none of the offered countries
_CHECKED = "expected the date it was checked, written YYYY-MM-DD (like 2026-12-02)"


class Contact(Strict):
    """One place to get urgent help: a name, a way to reach it, where that was checked and when."""

    name: LocalText
    phone: LocalText | None = None
    text: LocalText | None = None
    url: str | None = None
    note: LocalText | None = None
    source: str
    checked: date

    @field_validator("url", "source")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("expected a web address starting with https://")
        return value

    @field_validator("checked", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        # YAML reads 2026-12-02 as a date; anything else (02.12.2026, "soon") is a mistake.
        if isinstance(value, datetime):
            raise ValueError(_CHECKED)
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(_CHECKED) from None

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not (self.phone or self.text or self.url):
            raise ValueError("a contact needs at least one of phone, text or url")
        return self


class CrisisContacts(RootModel[dict[str, list[Contact]]]):
    """The whole file: country code (or `international`) to its contacts, in the order shown."""

    def of(self, country: str) -> list[Contact]:
        """The contacts listed for `country` (an empty list when it has none)."""
        return self.root.get(country, [])


def load_contacts(path: Path) -> tuple[CrisisContacts | None, list[Diagnostic]]:
    """Read and check the contacts file; the contacts (when valid) and every problem in it."""
    where = str(path)
    try:
        data, positions = parse_yaml(path.read_text(encoding="utf-8"), where)
    except YamlSyntaxError as error:
        return None, [error.diagnostic]
    except (OSError, UnicodeDecodeError) as error:
        return None, [Diagnostic(where, 1, 1, "error", f"cannot read the file: {error}")]
    if not isinstance(data, dict):
        message = "expected a mapping from country codes (GB, IE, ...) to lists of contacts"
        return None, [Diagnostic(where, 1, 1, "error", message)]
    problems = list(_keys(data, positions, where))
    contacts, invalid = validate(CrisisContacts, data, positions, where)
    problems += invalid
    if FALLBACK not in data:
        message = f"missing `{FALLBACK}`: the contacts shown when no country's list fits"
        problems.append(Diagnostic(where, 1, 1, "error", message))
    return (None if problems else contacts), sorted(problems)


def _keys(data: dict[Any, Any], positions: Positions, where: str) -> Iterator[Diagnostic]:
    """Every key is a country code or `international`, and none has an empty list."""
    for key, value in data.items():
        node: NodePath = (str(key),)
        if str(key) != FALLBACK and not COUNTRY_CODE.fullmatch(str(key)):
            line, column = positions.key(node)
            message = (
                f"`{key}` is not a country code: write two capital letters (ISO 3166), "
                f"like GB or IE, or `{FALLBACK}`"
            )
            yield Diagnostic(where, line, column, "error", message)
        elif value in (None, []):
            line, column = positions.key(node)
            message = f"`{key}` lists no contacts: add at least its emergency number"
            yield Diagnostic(where, line, column, "error", message)


def check_programme_contacts(
    settings: ProgrammeSettings, programme_file: str, positions: Positions
) -> list[Diagnostic]:
    """The contacts file next to programme.yaml is valid and covers every offered country."""
    path = Path(programme_file).parent / CONTACTS_FILE
    if not path.is_file():
        if not settings.countries:
            return []
        line, column = positions.key(("countries",))
        message = f"the programme offers countries but has no {CONTACTS_FILE}: add it"
        return [Diagnostic(programme_file, line, column, "error", message)]
    contacts, problems = load_contacts(path)
    if contacts is None:
        return problems
    for index, country in enumerate(settings.countries):
        if not contacts.of(country):
            line, column = positions.value(("countries", index))
            message = (
                f"no crisis contacts for `{country}` in {CONTACTS_FILE}: add its emergency "
                "number and crisis lines there (each with source and checked), or stop offering it"
            )
            problems.append(Diagnostic(programme_file, line, column, "error", message))
    return problems
