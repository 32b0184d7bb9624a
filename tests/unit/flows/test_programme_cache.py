"""The checked programme kept between starts: read back only for the same content, and only
from a place nobody else may write to; anything odd means checking the programme afresh."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from flows.cache import load_checked
from flows.diagnostics import has_errors

PROGRAMME = Path(__file__).resolve().parents[2] / "integration/scheduler/fixtures/programme"


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    copy = tmp_path / "programme"
    shutil.copytree(PROGRAMME, copy)
    return copy


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("programme-*.pickle"))


def assert_loaded(library, problems) -> None:
    assert "reminder" in library.flows
    assert not has_errors(problems)


class Tripwire:
    """Unpickling this touches a file: proof that a foreign cache entry was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def test_a_second_start_reads_the_same_programme_back_from_the_cache(programme, cache):
    first, problems = load_checked(programme, cache)
    assert not has_errors(problems)
    (entry,) = entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o777 == 0o700
    again, _ = load_checked(programme, cache)
    assert again.flows == first.flows
    assert again.settings == first.settings


def test_an_edited_flow_is_checked_afresh_and_replaces_its_old_entry(programme, cache):
    load_checked(programme, cache)
    (old,) = entries(cache)
    flow = programme / "reminder.yaml"
    flow.write_text(flow.read_text().replace("reminder", "nudge", 1))
    library, _ = load_checked(programme, cache)
    (new,) = entries(cache)
    assert new != old
    assert library.flows.keys() != load_checked(PROGRAMME, cache)[0].flows.keys()


def test_a_programme_with_errors_is_never_kept(programme, cache):
    (programme / "broken.yaml").write_text("id: broken\nstates: [\n")
    _, problems = load_checked(programme, cache)
    assert has_errors(problems)
    assert entries(cache) == []


def test_an_entry_others_may_write_to_is_never_unpickled(programme, cache, tmp_path):
    load_checked(programme, cache)
    (entry,) = entries(cache)
    marker = tmp_path / "executed"
    entry.write_bytes(pickle.dumps(Tripwire(marker)))
    for folder_mode, file_mode in ((0o777, 0o600), (0o700, 0o666)):
        cache.chmod(folder_mode)
        entry.chmod(file_mode)
        library, problems = load_checked(programme, cache)
        assert not marker.exists()
        assert_loaded(library, problems)
    # The same bytes in this user's own private folder are trusted, as __pycache__ is: which is
    # why only such a folder is ever read.
    entry.write_bytes(pickle.dumps(Tripwire(marker)))
    entry.chmod(0o600)
    load_checked(programme, cache)
    assert marker.exists()


def test_a_torn_entry_means_checking_afresh(programme, cache):
    load_checked(programme, cache)
    (entry,) = entries(cache)
    entry.write_bytes(entry.read_bytes()[:100])
    library, problems = load_checked(programme, cache)
    assert_loaded(library, problems)


def test_a_cache_that_cannot_be_written_only_costs_time(programme, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    library, problems = load_checked(programme, blocked / "cache")
    assert_loaded(library, problems)
