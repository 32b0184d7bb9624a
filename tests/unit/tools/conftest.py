"""Fixtures for the researcher tools: a copy of a small programme that a test may change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tools_support import FIXTURE_PROGRAMME


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    """A private copy of the fixture programme (greet calls screen; greet.test.yaml passes)."""
    folder = tmp_path / "programme"
    shutil.copytree(FIXTURE_PROGRAMME, folder)
    return folder
