"""The checked programme, kept on disk by content hash so a restart skips parsing and checking.

Reading and checking the shipped programme costs more than a second (YAML parsing, most of it);
the same files always give the same result, so the result is kept under a hash of everything it
came from: every file in the programme folder, the source of the package that checks them, and
the Python and pydantic versions the result was pickled by. Any edit is a new hash, so a stale
entry is never read.

A pickle runs code when read, so one is trusted exactly as Python trusts its own `__pycache__`:
only from a folder that belongs to this user and that nobody else may write to, and only a file
that this user wrote. Whoever could forge it could already change the code itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

import pydantic

from flows.diagnostics import Diagnostic, has_errors
from flows.library import FlowLibrary, load_programme

log = logging.getLogger(__name__)

CACHE_FORMAT = "1"  # bumped when what is pickled changes shape
PREFIX = "programme-"
SUFFIX = ".pickle"
FLOWS_PACKAGE = Path(__file__).resolve().parent
Loaded = tuple[FlowLibrary, list[Diagnostic]]


def fingerprint(programme: Path) -> str:
    """A hash of everything the checked programme depends on."""
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, sys.version, pydantic.VERSION):
        _feed(digest, part.encode())
    for root, files in ((FLOWS_PACKAGE, _sources()), (programme, _every_file(programme))):
        for path in files:
            _feed(digest, str(path.relative_to(root)).encode())
            _feed(digest, path.read_bytes())
    return digest.hexdigest()


def load_checked(programme: Path, cache_dir: Path) -> Loaded:
    """The programme as `load_programme` gives it, from the cache when it holds this content."""
    # Named by folder, then content: an edit replaces its folder's entry, not another folder's.
    folder = hashlib.sha256(str(programme.resolve()).encode()).hexdigest()[:16]
    entry = cache_dir / f"{PREFIX}{folder}-{fingerprint(programme)}{SUFFIX}"
    cached = _read(entry)
    if cached is not None:
        return cached
    loaded = load_programme([programme])
    if not has_errors(loaded[1]):  # a programme with errors stops start-up: nothing to keep
        _write(entry, loaded)
    return loaded


def _feed(digest: hashlib._Hash, data: bytes) -> None:
    # Length-prefixed, so moving bytes from one part to the next changes the hash.
    digest.update(len(data).to_bytes(8, "big"))
    digest.update(data)


def _sources() -> list[Path]:
    shipped = FLOWS_PACKAGE / "programme"  # content, hashed as the programme when it is used
    return sorted(p for p in FLOWS_PACKAGE.rglob("*.py") if shipped not in p.parents)


def _every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _read(entry: Path) -> Loaded | None:
    if not entry.is_file() or not _private(entry.parent) or not _private(entry):
        return None
    try:
        with entry.open("rb") as file:
            library, problems = pickle.load(file)  # trusted: see the module doc
    except Exception as error:  # a torn or foreign file: check the programme afresh
        log.info("ignored the programme cache (%s)", type(error).__name__)
        return None
    if not isinstance(library, FlowLibrary) or not isinstance(problems, list):
        return None
    return library, problems


def _private(path: Path) -> bool:
    """True when `path` is this user's and nobody else may write to it."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _write(entry: Path, loaded: Loaded) -> None:
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(entry.parent):
            log.info("no programme cache: %s may be written by others", entry.parent)
            return
        _replace_atomically(entry, lambda file: pickle.dump(loaded, file, pickle.HIGHEST_PROTOCOL))
        folder = entry.name.split("-")[1]
        _forget_others(entry.parent.glob(f"{PREFIX}{folder}-*{SUFFIX}"), keep=entry)
    except OSError as error:  # a read-only home, a full disk: start without a cache
        log.info("no programme cache in %s (%s)", entry.parent, type(error).__name__)


def _replace_atomically(entry: Path, write: Callable[[BinaryIO], None]) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
        os.replace(temporary, entry)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _forget_others(entries: Iterable[Path], *, keep: Path) -> None:
    """Older programmes' entries are never read again (their hash is gone)."""
    for other in entries:
        if other != keep:
            other.unlink(missing_ok=True)
