"""Erasure tombstones: a keyed mark per forgotten patient, kept in the database and a side file.

A backup holds everyone who was in the programme when it was taken. Restoring it must not bring
back someone who asked to be forgotten since, so each /forget leaves a mark in two places: the
`erasure_tombstones` table (so it travels with every later backup) and a small append-only file
next to the data key (so it outlives a restore that replaces the database). A mark is a keyed
hash of the patient's row id and pseudonym: it names nobody, yet `daybreak restore` can recognise
the patient's row in an older backup and erase it again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from storage.crypto import FieldCipher

MARK_PURPOSE = "erasure.tombstone"
_MARK = re.compile(r"^[0-9a-f]{64}$")


def tombstone_mark(cipher: FieldCipher, patient_id: int, pseudonym: str) -> str:
    """The mark that recognises one patient row, in this database or any backup of it."""
    return cipher.blind_index(f"{patient_id}:{pseudonym}", MARK_PURPOSE)


class ErasureLog:
    """The side file of tombstones: one mark a line, appended and flushed to disk at /forget."""

    def __init__(self, path: Path) -> None:
        """Keep marks in `path` (created owner-only on the first erasure)."""
        self.path = path

    def append(self, marks: Iterable[str]) -> None:
        """Add marks to the file and wait until they are on disk."""
        lines = "".join(f"{mark}\n" for mark in marks if _MARK.match(mark))
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, lines.encode("ascii"))
            os.fsync(fd)  # the erasure is about to be committed; its mark must not be lost
        finally:
            os.close(fd)

    def read(self) -> set[str]:
        """Every mark in the file (none when there is no file yet); torn lines are skipped."""
        if not self.path.exists():
            return set()
        text = self.path.read_text(encoding="ascii", errors="replace")
        return {line.strip() for line in text.splitlines() if _MARK.match(line.strip())}
