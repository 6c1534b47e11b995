"""Stored instants as epoch milliseconds: the one reading of the hub's time values.

Records hold times as epoch milliseconds or as ISO 8601 text (a date, or a date-time in UTC,
``Z`` or an offset); connectors and the demo write both.
"""

from __future__ import annotations

from datetime import UTC, datetime


def epoch_ms(value: object) -> int | None:
    """``value`` as epoch milliseconds: epoch numbers as they are, an ISO date as its UTC
    midnight, an ISO date-time without offset as UTC. None for anything else (booleans,
    empty or unreadable text)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def today_utc() -> str:
    """Today's date in UTC as ISO 8601 text (``2026-03-14``): the day checks and rules run as of."""
    return datetime.now(UTC).date().isoformat()
