"""Choosing and wording crisis contacts: the patient's country in their language, the time zone
only as a guess, the international list for everyone else."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import load_library
from bot.care.contacts import ContactBook, load_book
from bot.care.safety import _REGIONS, region_of
from bot.config import Settings
from bot.wiring.safety import crisis_contacts
from flows.contacts import CONTACTS_FILE

PROGRAMME = Path(__file__).resolve().parents[3] / "flows" / "programme"
BOOK = load_book(PROGRAMME / CONTACTS_FILE)


def test_irish_numbers_for_ireland() -> None:
    assert BOOK.text("IE", "en").splitlines()[:3] == [
        "• Emergency services: 112 / 999",
        "• Samaritans: 116 123 · https://www.samaritans.org/ireland/ (free, day or night)",
        "• Pieta: 1800 247 247 · Text HELP to 51444 · https://www.pieta.ie (free, day or night)",
    ]


def test_chinese_names_and_punctuation_for_a_chinese_speaker() -> None:
    assert BOOK.text("CN", "zh").splitlines()[1] == "• 全国心理援助热线：12356"
    assert "• 1925 安心專線：1925（免付費，24 小時）" in BOOK.text("TW", "zh")


def test_an_english_speaker_in_china_reads_english_names() -> None:
    assert "• National psychological assistance hotline: 12356" in BOOK.text("CN", "en")


def test_a_language_without_names_falls_back_to_the_default() -> None:
    assert BOOK.text("GB", "fr").splitlines()[0] == "• Emergency services: 999"


@pytest.mark.parametrize("country", [None, "", "other", "FR"])
def test_no_list_of_their_own_means_the_international_one(country: str | None) -> None:
    assert BOOK.text(country, "en").splitlines() == [
        "• Emergency services: your local emergency number",
        "• Find A Helpline: https://findahelpline.com (free crisis lines in your country)",
    ]


def test_an_empty_book_words_nothing() -> None:
    assert ContactBook().text("GB", "en") == ""


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Europe/London", "GB"),
        ("Europe/Dublin", "IE"),
        ("America/Chicago", "US"),
        ("America/Toronto", "CA"),
        ("Australia/Perth", "AU"),
        ("Pacific/Auckland", "NZ"),
        ("Asia/Shanghai", "CN"),
        ("Asia/Hong_Kong", "HK"),
        ("Asia/Taipei", "TW"),
        ("Asia/Singapore", "SG"),
        ("Europe/Madrid", None),
    ],
)
def test_a_time_zone_points_to_a_country(zone: str, country: str | None) -> None:
    assert region_of(zone) == country


def test_every_zone_guess_has_contacts() -> None:
    assert all(BOOK.has(country) for country in _REGIONS)


def test_an_old_config_list_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    old = {"uk": [{"name": "Samaritans", "phone": "116 123"}]}
    settings = Settings(safety={"crisis_contacts": old})
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        book = crisis_contacts(settings, load_library(settings.programme.path))
    assert "safety.crisis_contacts in the config is no longer read" in caplog.text
    assert book.text("GB", "en") == BOOK.text("GB", "en")  # the programme's list, not the old one
