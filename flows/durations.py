"""Durations as people write them: ISO 8601 (`P7D`, `PT30S`, `P1DT2H`) or short (`7d`, `1h30m`)."""

import re
from datetime import timedelta

DURATION_EXPECTED = "expected an ISO 8601 duration like P7D or a short form like 7d, 10m, 30s"

_ISO_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?",
    re.IGNORECASE,
)
_SHORT_DURATION = re.compile(
    r"(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?",
    re.IGNORECASE,
)


def parse_duration(text: str) -> timedelta:
    """Parse "P7D", "PT30S", "P1DT2H" or short forms "7d", "10m", "30s", "1h30m", "2w"."""
    cleaned = text.strip().replace(" ", "")
    for pattern in (_ISO_DURATION, _SHORT_DURATION):
        found = pattern.fullmatch(cleaned)
        if found and cleaned not in ("P", "") and any(found.groupdict().values()):
            parts = {k: float((v or "0").replace(",", ".")) for k, v in found.groupdict().items()}
            return timedelta(
                weeks=parts["w"],
                days=parts["d"],
                hours=parts["h"],
                minutes=parts["m"],
                seconds=parts["s"],
            )
    if re.fullmatch(r"P[^T]*[YM].*", cleaned, re.IGNORECASE):
        # Months and years vary in length; a treatment schedule must not drift with the calendar.
        raise ValueError(
            f"{DURATION_EXPECTED} (months and years are not allowed: use days or weeks)"
        )
    raise ValueError(DURATION_EXPECTED)
