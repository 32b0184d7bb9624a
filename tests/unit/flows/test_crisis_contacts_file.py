"""`flows check` on the crisis contacts: every offered country has a list, and every entry names
its source and the date it was checked, each problem at its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.contacts import CONTACTS_FILE, load_contacts
from flows.library import load_programme

SHIPPED = Path(__file__).resolve().parents[3] / "flows" / "programme"

FLOW = """\
id: onboarding
title: Onboarding
start: where
states:
  where:
    ask: Where do you live?
    buttons:
      - {label: Ireland, value: IE, set: {country: IE}}
      - {label: Somewhere else, value: other, set: {country: other}}
    next: done
  done:
    end: completed
"""

GOOD_ENTRY = """\
  - name: {en: Emergency services, zh: 急救电话}
    phone: "112"
    source: https://www2.hse.ie
    checked: 2026-12-02
"""


def programme(tmp_path: Path, countries: str, contacts: str | None, flow: str = FLOW) -> Path:
    """A one-flow programme offering `countries`, with `contacts` as its contacts file."""
    (tmp_path / "programme.yaml").write_text(
        f"default_language: en\nlanguages: [en]\ncountries: {countries}\n", encoding="utf-8"
    )
    (tmp_path / "onboarding.yaml").write_text(flow, encoding="utf-8")
    if contacts is not None:
        path = tmp_path / CONTACTS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contacts, encoding="utf-8")
    return tmp_path


def errors(folder: Path) -> list[tuple[str, int, int, str]]:
    _, problems = load_programme([folder])
    return [
        (Path(p.path).name, p.line, p.column, p.message) for p in problems if p.severity == "error"
    ]


def test_the_shipped_programme_covers_every_country_it_offers() -> None:
    library, problems = load_programme([SHIPPED])
    assert [p for p in problems if p.severity == "error"] == []
    contacts, file_problems = load_contacts(SHIPPED / CONTACTS_FILE)
    assert file_problems == []
    assert contacts is not None
    offered = library.settings.countries
    assert {"GB", "IE", "US", "CA", "AU", "NZ", "CN", "HK", "TW", "SG"} <= set(offered)
    assert all(contacts.of(country) for country in [*offered, "international"])


def test_a_sound_contacts_file_passes(tmp_path: Path) -> None:
    contacts = f"international:\n{GOOD_ENTRY}IE:\n{GOOD_ENTRY}"
    assert errors(programme(tmp_path, "[IE]", contacts)) == []


def test_an_offered_country_without_contacts_is_an_error_at_its_line(tmp_path: Path) -> None:
    contacts = f"international:\n{GOOD_ENTRY}IE:\n{GOOD_ENTRY}"
    found = errors(programme(tmp_path, "[IE, FR]", contacts))
    assert found == [
        (
            "programme.yaml",
            3,
            17,
            "no crisis contacts for `FR` in safety/crisis_contacts.yml: add its emergency number "
            "and crisis lines there (each with source and checked), or stop offering it",
        )
    ]


def test_countries_without_any_contacts_file_is_an_error(tmp_path: Path) -> None:
    found = errors(programme(tmp_path, "[IE]", None))
    assert found == [
        (
            "programme.yaml",
            3,
            1,
            "the programme offers countries but has no safety/crisis_contacts.yml: add it",
        )
    ]


def test_a_flow_may_only_set_an_offered_country(tmp_path: Path) -> None:
    contacts = f"international:\n{GOOD_ENTRY}GB:\n{GOOD_ENTRY}"
    found = errors(programme(tmp_path, "[GB]", contacts))
    assert len(found) == 1
    name, line, column, message = found[0]
    assert (name, line, column) == ("onboarding.yaml", 8, 52)
    assert message.startswith("`IE` is not one of programme.yaml's `countries` (GB)")


@pytest.mark.parametrize(
    ("entry", "line", "column", "message"),
    [
        (
            '  - name: Samaritans\n    phone: "116 123"\n    checked: 2026-12-02\n',
            7,
            5,
            "missing `source` here",
        ),
        (
            '  - name: Samaritans\n    phone: "116 123"\n    source: https://www.samaritans.org\n',
            7,
            5,
            "missing `checked` here",
        ),
        (
            '  - name: Samaritans\n    phone: "116 123"\n    source: https://www.samaritans.org\n'
            "    checked: 2026-13-01\n",
            10,
            14,
            "YAML syntax error: this date does not exist: write a real date as YYYY-MM-DD",
        ),
        (
            '  - name: Samaritans\n    phone: "116 123"\n    source: https://www.samaritans.org\n'
            "    checked: 02.12.2026\n",
            10,
            14,
            "`checked`: expected the date it was checked, written YYYY-MM-DD (like 2026-12-02)",
        ),
        (
            '  - name: Samaritans\n    phone: "116 123"\n    source: samaritans.org\n'
            "    checked: 2026-12-02\n",
            9,
            13,
            "`source`: expected a web address starting with https://",
        ),
        (
            "  - name: Samaritans\n    source: https://www.samaritans.org\n"
            "    checked: 2026-12-02\n",
            7,
            5,
            "this value: a contact needs at least one of phone, text or url",
        ),
    ],
)
def test_a_malformed_entry_is_reported_at_its_line(
    tmp_path: Path, entry: str, line: int, column: int, message: str
) -> None:
    contacts = f"international:\n{GOOD_ENTRY}IE:\n{entry}"
    found = errors(programme(tmp_path, "[IE]", contacts))
    assert found == [("crisis_contacts.yml", line, column, message)]


def test_bad_country_keys_and_empty_lists_and_no_fallback(tmp_path: Path) -> None:
    found = errors(programme(tmp_path, "[IE]", f"IE:\n{GOOD_ENTRY}Ireland:\n{GOOD_ENTRY}GB: []\n"))
    assert [(name, line, message.split(":")[0]) for name, line, _, message in found] == [
        ("crisis_contacts.yml", 1, "missing `international`"),
        ("crisis_contacts.yml", 6, "`Ireland` is not a country code"),
        ("crisis_contacts.yml", 11, "`GB` lists no contacts"),
    ]


def test_a_country_code_in_programme_yaml_must_be_two_capitals(tmp_path: Path) -> None:
    contacts = f"international:\n{GOOD_ENTRY}"
    found = errors(programme(tmp_path, "[ie]", contacts, flow=FLOW.replace("IE", "other")))
    assert [(name, message) for name, _, _, message in found] == [
        (
            "programme.yaml",
            "`countries`: `ie` is not a country code: write two capital letters (ISO 3166), "
            "like GB, IE or US",
        )
    ]


def test_a_flow_setting_a_country_needs_programme_yaml_to_list_countries(tmp_path: Path) -> None:
    found = errors(programme(tmp_path, "[]", f"international:\n{GOOD_ENTRY}"))
    assert found == [
        (
            "onboarding.yaml",
            8,
            52,
            "this flow sets `country`, but programme.yaml lists no `countries`",
        )
    ]
