"""Crisis contacts for where the patient is: the country they chose in onboarding (or /settings),
in their language; the time zone only when they never said; the international list otherwise."""

from __future__ import annotations

from bot.app import App
from tests.support.journey import Patient, onboard_to_phq9, texts


async def crisis(patient: Patient, words: str = "I want to kill myself") -> str:
    """What the patient is shown when they write words of crisis (here, at the first PHQ-9 item)."""
    return texts(await patient.type(words))


async def test_a_chinese_speaker_in_china_gets_12356_in_chinese(app: App):
    patient = Patient(app)
    await onboard_to_phq9(patient, language="中文", country="中国大陆", zone="对，没错")
    shown = await crisis(patient, "我想自杀")
    assert "全国心理援助热线：12356" in shown
    assert "120（医疗急救）/ 110（报警）" in shown
    assert "北京心理危机研究与干预中心：010-82951332" in shown
    assert "Samaritans" not in shown
    assert "999" not in shown
    async with app.uow() as work:
        assert await work.variables.get(patient.pid, "country") == "CN"
        person = await work.patients.get(patient.pid)
        assert person is not None
        assert person.timezone == "Asia/Shanghai"


async def test_a_patient_in_ireland_gets_irish_numbers(app: App):
    patient = Patient(app)
    await onboard_to_phq9(patient, country="Ireland")
    shown = await crisis(patient)
    assert "Emergency services: 112 / 999" in shown
    assert "Samaritans: 116 123" in shown
    assert "Pieta: 1800 247 247" in shown
    assert "NHS 111" not in shown  # nothing from the UK list
    assert "85258" not in shown


async def test_somewhere_else_gets_the_international_list(app: App):
    patient = Patient(app)
    await onboard_to_phq9(patient, country="Somewhere else", zone="I'm not sure")  # stays in London
    shown = await crisis(patient)
    assert "your local emergency number" in shown
    assert "https://findahelpline.com" in shown
    assert "Samaritans" not in shown  # they said they are not in the UK: the zone is no guide


async def test_a_new_country_in_settings_changes_the_contacts(app: App):
    patient = Patient(app)
    await onboard_to_phq9(patient)
    await patient.command("settings")
    await patient.tap("Where I live")
    await patient.tap("Singapore")
    await patient.tap("Yes, that's right")
    await patient.tap("Done")
    shown = await crisis(patient)
    assert "Samaritans of Singapore (SOS): 1767" in shown
    assert "999" not in shown.replace("995 (ambulance) / 999 (police)", "")


async def test_without_a_country_the_time_zone_decides(app: App):
    patient = Patient(app)
    await onboard_to_phq9(patient)
    async with app.uow() as work:  # as for someone onboarded before the country was asked
        await work.variables.set(patient.pid, "country", None)
        person = await work.patients.get(patient.pid)
        assert person is not None
        await work.patients.update(person, timezone="Europe/Dublin")
        await work.commit()
    assert "Pieta: 1800 247 247" in await crisis(patient)
