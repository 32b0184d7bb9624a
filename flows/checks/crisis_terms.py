"""Checks on `crisis_terms.yml`: entries that read, and lists that do what they say.

Beyond the shape (read_file): a phrase listed twice, a crisis phrase that a look-alike hides so
it can never start the pathway, and a look-alike that hides nothing (then it only clutters the
list, or it was meant for a phrase since removed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from flows.crisis.data import CRISIS_TERMS_FILE, TermsFile, compiled, read_file
from flows.crisis.terms import CrisisTerms, Entry
from flows.crisis.text import BOUNDARY, NUMBER, Phrase
from flows.diagnostics import Diagnostic

# What stands in for `#` and `$` when a phrase is tried as if a patient had typed it.
_SAMPLE = {NUMBER: "20", BOUNDARY: "."}
_PUNCTUATION = set(".!?;:,")


def check_crisis_terms(paths: Sequence[Path]) -> list[Diagnostic]:
    """Every problem in the crisis-terms files under the given files and folders."""
    return [problem for path in data_files(paths) for problem in check_file(path)]


def data_files(paths: Sequence[Path]) -> list[Path]:
    """Every crisis-terms file under the given files and folders (each once)."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            found.update(dict.fromkeys(sorted(path.rglob(CRISIS_TERMS_FILE))))
        elif path.name == CRISIS_TERMS_FILE:
            found[path] = None
    return list(found)


def check_file(path: Path) -> list[Diagnostic]:
    """Every problem in one crisis-terms file, at its line and column."""
    read, problems = read_file(path)
    if read is None:
        return problems
    return sorted({*problems, *_meaning(read)})


@lru_cache(maxsize=16)
def _meaning(read: TermsFile) -> tuple[Diagnostic, ...]:
    """What the lists do, beyond their shape (kept per file read: trying each phrase takes time)."""
    terms = compiled(read)
    return (
        *_cut_by_comment(read),
        *_punctuation(read),
        *_repeats(read),
        *_hidden(read, terms),
        *_useless(read, terms),
    )


def _at(read: TermsFile, entry: Entry, message: str, *, error: bool = False) -> Diagnostic:
    line, column = read.positions.value((entry.language, entry.section, entry.index))
    return Diagnostic(read.path, line, column, "error" if error else "warning", message)


def _line(read: TermsFile, entry: Entry) -> int:
    return read.positions.value((entry.language, entry.section, entry.index))[0]


def _cut_by_comment(read: TermsFile) -> Iterator[Diagnostic]:
    """An unquoted `#` after a space starts a YAML comment: the phrase ends there, unnoticed."""
    lines = read.text.splitlines()
    for entry in read.entries:
        line, column = read.positions.value((entry.language, entry.section, entry.index))
        written = lines[line - 1][column - 1 :] if line <= len(lines) else ""
        if written[:1] not in "'\"" and " #" in written:
            message = (
                "` #` starts a YAML comment, so this phrase ends before it: if `#` belongs to the "
                'phrase, put the whole phrase in quotes (like "took # pills"); if not, put the '
                "comment on a line of its own"
            )
            yield _at(read, entry, message)


def _punctuation(read: TermsFile) -> Iterator[Diagnostic]:
    """Punctuation inside a phrase reads as a sentence end, which is rarely what was meant."""
    for entry in read.entries:
        marks = sorted(_PUNCTUATION & set(entry.text))
        if marks:
            message = (
                f"`{marks[0]}` in a phrase counts as the end of a sentence: remove it, or write "
                "`$` if that is what you mean"
            )
            yield _at(read, entry, message)


def _repeats(read: TermsFile) -> Iterator[Diagnostic]:
    """The same phrase twice (after folding case, apostrophes and spelling)."""
    first: dict[Phrase, Entry] = {}
    for entry in read.entries:
        reported = False
        for phrase in entry.phrases:
            earlier = first.setdefault(phrase, entry)
            if earlier is entry or reported:
                continue
            reported = True
            yield _repeat(read, entry, earlier, phrase)


def _repeat(read: TermsFile, entry: Entry, earlier: Entry, phrase: Phrase) -> Diagnostic:
    words = phrase.text
    where = f"`{earlier.language}.{earlier.section}` on line {_line(read, earlier)}"
    if "not_crisis" in (entry.section, earlier.section) and entry.section != earlier.section:
        message = f"`{words}` is both a crisis phrase and a look-alike ({where}): keep one"
        return _at(read, entry, message, error=True)
    if entry.section != earlier.section:
        message = f"`{words}` is also under {where}; explicit wins: keep it in one list"
        return _at(read, entry, message)
    return _at(read, entry, f"`{words}` is already listed under {where}")


def _hidden(read: TermsFile, terms: CrisisTerms) -> Iterator[Diagnostic]:
    """A crisis phrase that a look-alike hides whenever it is written: it can never count."""
    lookalike_words = {
        token
        for entry in read.entries
        if entry.section == "not_crisis"
        for phrase in entry.phrases
        for token in phrase.tokens
    }
    for entry in read.entries:
        if entry.section == "not_crisis" or not any(
            set(phrase.tokens) <= lookalike_words for phrase in entry.phrases
        ):
            continue  # a look-alike must hold every word of a phrase to hide it
        for variant in entry.variants:
            hider = _hider(terms, entry, _sample(variant))
            if hider is not None and Phrase.of(variant) not in hider.phrases:  # else a repeat
                where = f"line {_line(read, hider)}"
                message = (
                    f"`{variant}` can never start the pathway: the look-alike `{hider.text}` "
                    f"({where}) hides it; make the look-alike narrower"
                )
                yield _at(read, entry, message, error=True)
                break


def _hider(terms: CrisisTerms, entry: Entry, sample: str) -> Entry | None:
    """The look-alike hiding `entry` in `sample`, unless something else still finds it."""
    hits = [hit for hit in terms.explain(sample) if hit.entry is entry]
    if not hits or any(hit.hidden_by is None for hit in hits):
        return None
    return hits[0].hidden_by


def _useless(read: TermsFile, terms: CrisisTerms) -> Iterator[Diagnostic]:
    """A look-alike that changes nothing: no crisis phrase, and no typo guess, lies inside it."""
    for entry in read.entries:
        if entry.section == "not_crisis" and not any(
            _neutralises(terms, _sample(variant)) for variant in entry.variants
        ):
            message = (
                f"the look-alike `{entry.text}` hides no crisis phrase (none lies inside it, or "
                "another look-alike hides it first): remove it"
            )
            yield _at(read, entry, message)


def _neutralises(terms: CrisisTerms, sample: str) -> bool:
    """True when the look-alikes hide (or stop a typo guess from making) a crisis match."""
    seen = {(id(hit.entry), hit.start, hit.end) for hit in terms.explain(sample, lookalikes=False)}
    kept = {
        (id(hit.entry), hit.start, hit.end) for hit in terms.explain(sample) if not hit.hidden_by
    }
    return kept < seen


def _sample(variant: str) -> str:
    """The phrase as a patient might type it: `#` a number, `$` a full stop."""
    return "".join(_SAMPLE.get(char, char) for char in variant)
