"""Editing a flow while patients are inside it: old runs finish on their revision, new runs get the
new one, and a `migrate:` map moves runs it names."""

from __future__ import annotations

import shutil
from pathlib import Path

from scheduler.clock import FrozenClock
from tests.support.databases import app_settings, running_app
from tests.support.journey import Patient, texts

OLD_NAME_QUESTION = "What would you like me to call you? A first name or a nickname is fine."
NEW_NAME_QUESTION = "How shall I address you in our chats?"
NICKNAME_QUESTION = "Which nickname would you like me to use?"
NICKNAME_STATE = """
  ask_nickname:
    ask:
      en: Which nickname would you like me to use?
      zh: 你想让我用哪个昵称？
    input: text
    max_length: 64
    save_as: alias
    next: choose_language
"""


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} not found {count}x in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


async def test_old_runs_finish_on_their_revision_new_ones_get_the_new_one_and_migrate_moves(
    db_url: str, clock: FrozenClock, tmp_path: Path
):
    programme = tmp_path / "programme"
    shutil.copytree(app_settings(db_url).programme.path, programme)
    onboarding = programme / "onboarding.yaml"
    settings = app_settings(db_url, path=programme)

    async with running_app(settings, clock) as app:  # revision 1
        first_revision = app.library.get("onboarding").revision
        early = Patient(app, external_id=111)
        await early.start()
        await early.tap("I agree")  # now waiting on "Are you 18 or older?"

    # Revision 2: a later question reworded, and a state the patient has not reached renamed.
    edit(onboarding, "en: " + OLD_NAME_QUESTION, "en: " + NEW_NAME_QUESTION)
    edit(onboarding, "  ask_language:\n", "  choose_language:\n")
    edit(onboarding, "next: ask_language", "next: choose_language")
    async with running_app(settings, clock) as app:
        second_revision = app.library.get("onboarding").revision
        assert second_revision != first_revision
        early = Patient(app, external_id=111)
        await early.start()  # a restart: the open question is asked again
        shown = await early.tap("Yes")
        assert OLD_NAME_QUESTION in texts(shown)
        assert "Nice to meet you, Ada." in texts(await early.type("Ada"))
        assert "Which country" in texts(await early.tap("English"))
        await early.tap("United Kingdom")
        assert "9 short questions" in texts(await early.tap("Yes, that's right"))

        newcomer = Patient(app, external_id=222)
        await newcomer.start()
        await newcomer.tap("I agree")
        shown = await newcomer.tap("Yes")
        assert NEW_NAME_QUESTION in texts(shown)
        assert OLD_NAME_QUESTION not in texts(shown)  # left waiting on the reworded question

        async with app.uow() as uow:
            runs = {
                "early": await uow.runs.get_active(early.pid),
                "newcomer": await uow.runs.get_active(newcomer.pid),
            }
        assert runs["early"] is not None
        assert runs["early"].revision == first_revision
        assert runs["newcomer"] is not None
        assert runs["newcomer"].revision == second_revision

    # Revision 3: runs waiting on the name question move to a new nickname question.
    edit(onboarding, "\nstates:\n", "\nmigrate:\n  ask_name: ask_nickname\nstates:\n")
    onboarding.write_text(onboarding.read_text(encoding="utf-8") + NICKNAME_STATE, "utf-8")
    async with running_app(settings, clock) as app:
        third_revision = app.library.get("onboarding").revision
        newcomer = Patient(app, external_id=222)
        newcomer.id = runs["newcomer"].patient_id
        moved = await newcomer.seen()
        assert moved[-1]["html"] == NICKNAME_QUESTION  # told at once, on start
        assert "Nice to meet you, Nico." in texts(await newcomer.type("Nico"))
        early = Patient(app, external_id=111)
        early.id = runs["early"].patient_id
        async with app.uow() as uow:
            assert (await uow.runs.get(runs["newcomer"].id)).revision == third_revision
            # Not on a state the map names (it is inside PHQ-9): stays pinned to revision 1.
            assert (await uow.runs.get(runs["early"].id)).revision == first_revision
        assert "Nearly every day" in [b["label"] for b in (await early.question())["buttons"]]
