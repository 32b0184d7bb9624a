"""The adverse-event log as CSV for the trial: one row per safety event, pseudonyms only.

Patient ids, names and messenger ids never appear; neither do helpers' notes (free text). A
REDCap-style data dictionary describes every column and its codes.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

from bot.care.grading import RESOLUTION_LABELS
from bot.care.ports import (
    AE_OUTCOMES,
    EXPECTEDNESS,
    RELATEDNESS,
    SERIOUS_CRITERIA,
    SERIOUSNESS,
    SEVERITIES,
    EventSummary,
    UnitOfWork,
)

# (column, field type, label, choices) — the data dictionary, and the CSV's column order.
DICTIONARY: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("event_id", "integer", "Adverse event number (row id of the log, not a patient id)", ()),
    ("pseudonym", "text", "Patient pseudonym", ()),
    ("trigger", "text", "What started the safety event (crisis_language, phq9_item9, ...)", ()),
    ("started_at", "datetime", "When the event started (ISO 8601, UTC)", ()),
    ("severity", "radio", "Severity (intensity), ICH E2A", SEVERITIES),
    ("seriousness", "radio", "Seriousness, ICH E2A II.B", SERIOUSNESS),
    ("serious_criterion", "radio", "Seriousness criterion when serious, ICH E2A II.B",
     SERIOUS_CRITERIA),
    ("relatedness", "radio", "Relatedness to the intervention (causality)", RELATEDNESS),
    ("expectedness", "radio", "Expectedness, ICH E2A II.C", EXPECTEDNESS),
    ("outcome", "radio", "Outcome of the event", AE_OUTCOMES),
    ("reviewer", "text", "Helper alias who graded the event", ()),
    ("reviewed_at", "datetime", "When it was graded (ISO 8601, UTC); empty: not reviewed", ()),
    ("linked_alerts", "integer", "Alerts raised for this event", ()),
    ("resolution", "text", "How the alerts ended ('|' between several; 'unresolved' if any is "
     "open or acknowledged)", ("unresolved", *RESOLUTION_LABELS)),
    ("resolved_at", "datetime", "When the last alert was resolved (ISO 8601, UTC)", ()),
)  # fmt: skip
COLUMNS = tuple(entry[0] for entry in DICTIONARY)
DICTIONARY_HEADER = (
    "Variable / Field Name", "Field Type", "Field Label", "Choices, Calculations, OR Slider Labels",
)  # fmt: skip


async def write_events(uow: UnitOfWork, out: TextIO) -> int:
    """Write the log as CSV to `out`; return how many events were written."""
    rows = await uow.adverse_events.export()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for summary in rows:
        writer.writerow(_row(summary))
    return len(rows)


def write_dictionary(out: TextIO) -> None:
    """Write the data dictionary as CSV to `out`."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DICTIONARY_HEADER)
    for column, kind, label, choices in DICTIONARY:
        writer.writerow((column, kind, label, " | ".join(choices)))


def _row(summary: EventSummary) -> list[str | int]:
    event = summary.event
    return [
        event.id, event.pseudonym or "", event.trigger, _when(event.at),
        event.severity or "", event.seriousness or "", event.serious_criterion or "",
        event.relatedness or "", event.expectedness or "", event.outcome or "",
        event.reviewer or "", _when(event.reviewed_at), summary.alerts, summary.resolution,
        _when(summary.resolved_at),
    ]  # fmt: skip


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()
