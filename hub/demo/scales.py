"""How big each demo dataset is, in one table, and the fixed calendar the generator counts from.

Dates never come from the wall clock: every instant is an offset from :data:`REFERENCE_DATE`,
so the same seed gives the same graph on any day. The generator computes in epoch milliseconds
and writes instants as ISO UTC text (:func:`instant`) and days as ``YYYY-MM-DD``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hub.errors import InputError

REFERENCE_DATE = date(2026, 1, 1)
"""The demo's "today": consignments fall in the year before it, statuses are as of it."""

_EPOCH_REF_MS = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Scale:
    """Target sizes of one dataset; the generator hits them exactly or to within a few percent."""

    name: str
    operators: int
    vehicles: int  # tractors + trailers
    drivers: int
    consignments: int
    aeo: int
    alerts: int
    profiles: int
    cases: int
    rings: int
    same_company_pairs: int
    chunk_consignments: int
    """Consignments per streamed chunk: bounds memory and gives the progress bar its steps."""


SCALES: Mapping[str, Scale] = {
    s.name: s
    for s in (
        Scale("small", operators=300, vehicles=400, drivers=150, consignments=5_000, aeo=30,
              alerts=60, profiles=12, cases=2, rings=4, same_company_pairs=20,
              chunk_consignments=1_000),
        Scale("medium", operators=20_000, vehicles=30_000, drivers=8_000, consignments=100_000,
              aeo=300, alerts=1_500, profiles=30, cases=5, rings=60, same_company_pairs=400,
              chunk_consignments=2_000),
        Scale("large", operators=50_000, vehicles=80_000, drivers=20_000,
              consignments=1_000_000, aeo=300, alerts=4_000, profiles=40, cases=8, rings=150,
              same_company_pairs=1_000, chunk_consignments=2_000),
    )
}


def get_scale(name: str) -> Scale:
    """The scale called ``name``. Raises InputError naming the known scales."""
    try:
        return SCALES[name]
    except KeyError:
        raise InputError(
            f"unknown demo scale {name!r}; choose one of {', '.join(SCALES)}"
        ) from None


def epoch_ms(days_before_reference: float) -> int:
    """The instant ``days_before_reference`` days before the reference date, in epoch ms."""
    return _EPOCH_REF_MS - round(days_before_reference * DAY_MS)


def instant(instant_ms: int) -> str:
    """An instant as the hub stores instants: ISO 8601 UTC text, ``2025-06-14T08:15:00Z``."""
    return datetime.fromtimestamp(instant_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_day(instant_ms: int, plus_days: int = 0) -> str:
    """The calendar day (``YYYY-MM-DD``, UTC) of an instant, shifted by ``plus_days``."""
    day = datetime.fromtimestamp(instant_ms / 1000, tz=UTC).date() + timedelta(days=plus_days)
    return day.isoformat()


def iso_before(days: int) -> str:
    """The calendar day ``days`` days before the reference date."""
    return (REFERENCE_DATE - timedelta(days=days)).isoformat()
