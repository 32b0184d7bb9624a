"""Texts and expressions that parse, every language present, and media files that exist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flows.checks import nodes, syntax
from flows.checks.base import FlowFile, Programme
from flows.diagnostics import Diagnostic
from flows.errors import suggest
from flows.expressions import ExpressionError
from flows.loader import NodePath
from flows.model import LocalText


def variants(at: NodePath, text: LocalText) -> Iterator[tuple[NodePath, str]]:
    """A text's sources: itself, or one per language at that language's node."""
    if isinstance(text, str):
        yield at, text
        return
    for language, source in text.items():
        yield (*at, language), source


def check(programme: Programme, file: FlowFile) -> Iterator[Diagnostic]:
    """Templates and expressions that parse, translations, and media files."""
    for at, text in nodes.texts(file):
        yield from _templates(file, at, text)
        yield from _languages(programme, file, at, text)
    for at, source in nodes.expressions(file):
        try:
            syntax.expression(source)
        except ExpressionError as error:
            yield syntax.expression_problem(file, at, error)
    yield from _media(file)


def _templates(file: FlowFile, at: NodePath, text: LocalText) -> Iterator[Diagnostic]:
    for where, source in variants(at, text):
        try:
            syntax.template(source)
        except ExpressionError as error:
            yield syntax.text_problem(file, where, error)


def _languages(
    programme: Programme, file: FlowFile, at: NodePath, text: LocalText
) -> Iterator[Diagnostic]:
    # A plain string is shown to everyone; only a per-language map promises every language.
    if isinstance(text, str):
        return
    languages = programme.settings.languages
    missing = [language for language in languages if language not in text]
    if missing:
        names = ", ".join(f"`{language}`" for language in missing)
        message = f"no translation for {names}: add it, or the default language is shown"
        yield file.at(at, message, "warning")
    for language in text:
        if language not in languages:
            message = (
                f"`{language}` is not one of the programme's languages "
                f"({', '.join(languages)}){suggest(language, [*languages, 'text'])}"
            )
            yield file.at_key((*at, language), message, "warning")


def _media(file: FlowFile) -> Iterator[Diagnostic]:
    folder = Path(file.path).parent
    for at, name in nodes.media(file):
        if not (folder / name).is_file():
            message = f"there is no file `{name}` next to this flow (looked in {folder}/)"
            yield file.at(at, message)
