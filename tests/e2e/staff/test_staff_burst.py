"""A burst of 100 messages from one patient with crisis words in the middle, inside 20 a minute."""

from __future__ import annotations

import re

from tests.e2e.staff.conftest import STAFF_CHAT, Rig, enrol_guided

CRISIS = "sometimes I want to kill myself"


async def test_burst_is_coalesced_alert_first_nothing_lost_no_429(rig: Rig):
    await enrol_guided(rig.app)
    await rig.patient_says("/helper")
    for n in range(100):
        await rig.patient_says(CRISIS if n == 50 else f"message {n}")
    await rig.settled()

    topics = rig.fake.topics(STAFF_CHAT)
    alerts = next(t for t, name in topics.items() if name == "Alerts")
    patient_topic = await rig.topic_of_patient()
    staff_sent = rig.fake.sent(STAFF_CHAT)
    relays = [r for r in staff_sent if r["message_thread_id"] == patient_topic]
    joined = "\n".join(str(r["text"]) for r in relays)

    # Every message arrived, once and in order, in far fewer relays than messages.
    numbers = [int(n) for n in re.findall(r"message (\d+)", joined)]
    assert numbers == [n for n in range(100) if n != 50]
    assert joined.count(CRISIS) == 1
    assert len(relays) < 20
    # The alert went out before the relay that carried the crisis words.
    alert_at = next(i for i, r in enumerate(staff_sent) if r["message_thread_id"] == alerts)
    crisis_at = next(i for i, r in enumerate(staff_sent) if CRISIS in str(r["text"]))
    assert alert_at < crisis_at
    assert "crisis language" in str(staff_sent[alert_at]["text"])
    assert CRISIS not in str(staff_sent[alert_at]["text"])  # never the patient's words
    assert rig.fake.rate_limited == []
    assert rig.fake.violations == []
