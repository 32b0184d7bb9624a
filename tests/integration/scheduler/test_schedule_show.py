"""`daybreak schedule show` lists a patient's plan by pseudonym, or everyone's next items."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.cli_schedule import schedule_lines
from tests.integration.scheduler.helpers import enrol


async def test_show_patient_and_overall(app: App) -> None:
    pid = await enrol(app)
    async with app.uow() as work:
        patient = await work.patients.get(pid)
        assert patient is not None
    mine = await schedule_lines(app, patient.pseudonym)
    assert mine[0] == f"schedule of {patient.pseudonym}"
    assert "module_release" in mine[2]
    assert "module=1" in mine[2]
    overall = await schedule_lines(app, None, limit=3)
    assert overall[0].startswith("open items: measure: 15, module_release: 7")
    assert len(overall) == 2 + 3
    with pytest.raises(LookupError):
        await schedule_lines(app, "NOBODY")
