"""Encouragement templates for helpers: a YAML data file, filled with the patient's progress."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.care.support_cards import Snapshot

DEFAULT_PATH = Path("staff/encouragement.yml")  # under the programme folder


@dataclass(frozen=True)
class Template:
    """One encouragement: a short title for the helper's button, the text the patient reads."""

    title: str
    text: str


class Templates:
    """Templates per language (the first language in the file is the fallback)."""

    def __init__(self, by_language: dict[str, list[Template]]) -> None:
        """Keep the loaded templates."""
        self.by_language = by_language

    def for_language(self, language: str) -> list[Template]:
        """The templates in a language, else in the file's first language."""
        if language in self.by_language:
            return self.by_language[language]
        return next(iter(self.by_language.values()), [])


def load_templates(path: Path) -> Templates:
    """Read the file; a missing file means no templates (helpers can still write their own)."""
    if not path.is_file():
        return Templates({})
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    return Templates(
        {
            str(language): [Template(str(i["title"]), str(i["text"])) for i in items or []]
            for language, items in data.items()
        }
    )


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: Template, shot: Snapshot, alias: str | None, language: str) -> str:
    """The template's text with the patient's progress in it (unknown placeholders are blank)."""
    change = shot.phq9.change
    words = ""
    if change is not None and change < 0:
        words = (
            f"Your PHQ-9 has come down {-change} points since you started."
            if language != "zh"
            else f"你的 PHQ-9 比开始时下降了 {-change} 分。"
        )
    values = _Blank(
        alias=alias or ("there" if language != "zh" else ""),
        week=shot.week or 1,
        modules_done=shot.modules_done,
        module=shot.module or ("the programme" if language != "zh" else "课程"),
        phq9_change_words=words,
    )
    return string.Formatter().vformat(template.text, (), values)
