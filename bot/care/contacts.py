"""Which crisis contacts a patient sees: their country's list, in their language, one a line.

The lists are programme data (`safety/crisis_contacts.yml`, read and checked by
`flows.contacts`); this module only chooses among them and words them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flows.contacts import FALLBACK, Contact, load_contacts
from flows.model import LocalText
from flows.phrases import localise


@dataclass(frozen=True)
class ContactBook:
    """The programme's crisis contacts by country code, with `international` for the rest."""

    countries: Mapping[str, tuple[Contact, ...]] = field(default_factory=dict)
    default_language: str = "en"

    def has(self, country: str | None) -> bool:
        """True when `country` has its own list."""
        return bool(country) and bool(self.countries.get(str(country)))

    def text(self, country: str | None, language: str) -> str:
        """The contacts for `country` (else the international ones), one per line."""
        chosen = self.countries.get(country or "") or self.countries.get(FALLBACK, ())
        return "\n".join(contact_line(c, language, self.default_language) for c in chosen)


def load_book(path: Path, default_language: str = "en") -> ContactBook:
    """Read the contacts file; ValueError (naming each problem's line) when it is not valid."""
    contacts, problems = load_contacts(path)
    if contacts is None:
        raise ValueError("\n".join(str(problem) for problem in problems))
    countries = {code: tuple(listed) for code, listed in contacts.root.items()}
    return ContactBook(countries, default_language)


def contact_line(contact: Contact, language: str, default: str = "en") -> str:
    """One contact as a bullet: its name, then each way to reach it, then any note."""
    wide = language.startswith("zh")  # Chinese punctuation is full-width
    colon, (opening, closing) = ("：", "（）") if wide else (": ", "()")
    ways = [_in(way, language, default) for way in (contact.phone, contact.text, contact.url)]
    line = f"• {_in(contact.name, language, default)}{colon}{' · '.join(w for w in ways if w)}"
    if contact.note is not None:
        spacer = "" if wide else " "
        line += f"{spacer}{opening}{_in(contact.note, language, default)}{closing}"
    return line


def _in(text: LocalText | None, language: str, default: str) -> str:
    return "" if text is None else localise(text, language, default)
