"""AEO checks: status history, status on a day, priority passage at a crossing, status changes.

Status history lives on the authorisation itself as ``status_history``: ``"YYYY-MM-DD status"``
entries in date order (strings, so both engines store them, and text order is date order). It
travels with the authorisation's own sharing, so whoever may see the authorisation sees its
history and nobody else. The status on a day is the last entry on or before it; an
authorisation valid by status is still ``expired`` after ``valid_until`` and ``not_yet_valid``
before ``valid_from``. Registers write ``active`` or ``valid``: both mean valid.

Priority passage (strategy L7, target 300 AEOs): at a crossing between parties A and B, an AEO
in force on the day whose issuing party is A or B, or is recognised (``RECOGNISES_AEO_OF``, an
MRA in force on the day) by the party of entry — by either party when no direction is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.checks.signals import Severity, Signal, SignalKind
from hub.errors import InputError, NotFoundError
from hub.graph.cypher import checks as cypher
from hub.graph.reader import GraphReader

VALID = "valid"
STATUSES = ("valid", "suspended", "revoked", "expired")
"""Statuses a register or an analyst may record (``active`` is read as valid)."""
WITHDRAWN = {"suspended": SignalKind.AEO_SUSPENDED, "revoked": SignalKind.AEO_REVOKED}
MAX_PAGE = 100


def normal_status(raw: object) -> str:
    """A status as the checks compare it: lower case, ``active`` read as ``valid``."""
    text = str(raw or "").strip().lower()
    return VALID if text == "active" else text


def history_entries(history: Sequence[str] | None) -> list[tuple[str, str]]:
    """(day, status) pairs of a stored history, in date order; malformed entries are skipped."""
    out = []
    for entry in history or ():
        day, _, status = str(entry).partition(" ")
        if len(day) == 10 and status:
            out.append((day, normal_status(status)))
    return sorted(out)


def status_on(history: Sequence[str] | None, current: object, day: str) -> str:
    """The recorded status on ``day``: the last history entry on or before it, else the
    current status (no history means no change was ever recorded)."""
    past = [status for when, status in history_entries(history) if when <= day]
    return past[-1] if past else normal_status(current)


def effective_status(row: Mapping[str, Any], day: str) -> str:
    """The status on ``day`` with the validity dates applied: valid, suspended, revoked,
    expired or not_yet_valid."""
    status = status_on(row.get("status_history"), row.get("status"), day)
    if status != VALID:
        return status
    until, since = row.get("valid_until"), row.get("valid_from")
    if until and str(until)[:10] < day:
        return "expired"
    if since and str(since)[:10] > day:
        return "not_yet_valid"
    return VALID


@dataclass(frozen=True, slots=True)
class AeoStatus:
    """One authorisation as ``aeoStatus`` shows it."""

    id: str
    number: str | None
    aeo_type: str | None
    issuing_party: str | None
    recorded_status: str
    status: str
    valid_from: str | None
    valid_until: str | None
    history: tuple[tuple[str, str], ...]


async def aeo_status(reader: GraphReader, operator_id: str, day: str) -> list[AeoStatus]:
    """The authorisations the operator holds, as the caller may see them, with their status
    on ``day`` (empty when the operator or its authorisations are hidden or absent)."""
    rows = await reader.store.run(cypher.AEO_OF_OPERATOR, {"id": operator_id,
                                                          "vis": reader.params})
    return [AeoStatus(
        id=a["id"], number=a.get("number"), aeo_type=a.get("aeo_type"),
        issuing_party=a.get("issuing_party"), recorded_status=normal_status(a.get("status")),
        status=effective_status(a, day), valid_from=a.get("valid_from"),
        valid_until=a.get("valid_until"),
        history=tuple(history_entries(a.get("status_history"))),
    ) for a in (row["a"] for row in rows)]


# ---- priority passage ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Holder:
    id: str
    name: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class Eligible:
    """An authorisation eligible for priority passage, and why."""

    id: str
    number: str | None
    aeo_type: str | None
    issuing_party: str
    basis: str
    valid_until: str | None
    holders: tuple[Holder, ...]


@dataclass(frozen=True, slots=True)
class PassagePage:
    crossing: str
    parties: tuple[str, ...]
    recognised: tuple[str, ...]
    items: tuple[Eligible, ...]
    has_next: bool


def eligible_parties(parties: Sequence[str], recognitions: Sequence[Sequence[Any]], day: str,
                     entering: str | None) -> dict[str, str]:
    """Issuing party -> the basis on which its AEOs are eligible at a crossing of ``parties``.

    ``recognitions`` are (recogniser, recognised, since) triples; one not yet in force on
    ``day`` does not count. Only the party of entry's recognitions count when it is given.
    """
    basis = {p: f"issued by {p}, a party of the crossing" for p in parties}
    for row in recognitions:
        if not row or row[0] is None or row[1] is None:
            continue
        recogniser, recognised, since = str(row[0]), str(row[1]), row[2] if len(row) > 2 else None
        if entering is not None and recogniser != entering:
            continue
        if since and str(since)[:10] > day:
            continue
        basis.setdefault(recognised, f"recognised by {recogniser} (mutual recognition)")
    return basis


async def priority_passage(reader: GraphReader, crossing: str, day: str, *,
                           entering: str | None = None, first: int = MAX_PAGE,
                           after: str = "") -> PassagePage:
    """A keyset page (by authorisation id) of the AEOs eligible for priority passage at
    ``crossing`` on ``day``, as the caller may see them.

    Raises NotFoundError when the crossing is not visible (or does not exist), InputError when
    ``entering`` is not one of its parties, LimitError-style InputError for a bad ``first``.
    """
    if not 1 <= first <= MAX_PAGE:
        raise InputError(f"first must be between 1 and {MAX_PAGE}, not {first}")
    rows = await reader.store.run(cypher.CROSSING, {"code": crossing, "vis": reader.params})
    if not rows:
        raise NotFoundError(f"no border crossing point {crossing!r} is visible to you")
    bcp = rows[0]["b"]
    parties = tuple(str(p) for p in bcp.get("parties") or ())
    if entering is not None and entering not in parties:
        raise InputError(f"entering: {entering!r} is not a party of crossing {crossing} "
                         f"({', '.join(parties)})")
    basis = eligible_parties(parties, bcp.get("recognitions") or (), day, entering)
    page = await reader.store.run(cypher.PRIORITY_PASSAGE, {
        "parties": sorted(basis), "at": day, "after": after, "limit": first + 1,
        "vis": reader.params})
    items = tuple(Eligible(
        id=a["id"], number=a.get("number"), aeo_type=a.get("aeo_type"),
        issuing_party=a["issuing_party"], basis=basis[a["issuing_party"]],
        valid_until=a.get("valid_until"),
        holders=tuple(Holder(h["id"], h.get("name_latin") or h.get("name"), h.get("country"))
                      for h in a.get("holders") or ()),
    ) for a in (row["a"] for row in page[:first]))
    return PassagePage(crossing=bcp.get("code") or crossing, parties=parties,
                       recognised=tuple(sorted(set(basis) - set(parties))), items=items,
                       has_next=len(page) > first)


# ---- status changes ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StatusChange:
    """The outcome of recording a status: what it was, what it is, and the signal if any."""

    id: str
    number: str | None
    previous: str
    status: str
    day: str
    changed: bool
    history: tuple[tuple[str, str], ...]
    signal: Signal | None


def with_entry(history: Sequence[str] | None, current: object, valid_from: object, day: str,
               status: str) -> tuple[list[str], bool]:
    """The history after recording ``status`` on ``day``, and whether anything changed.

    An empty history first gets the status the authorisation had before (from its
    ``valid_from``, or the day itself), so the status on any day stays answerable. Recording
    the status already in effect on that day changes nothing; a new entry for a day replaces
    that day's.
    """
    entries = dict(history_entries(history))
    if not entries:
        start = str(valid_from)[:10] if valid_from and str(valid_from)[:10] <= day else day
        entries[start] = normal_status(current) or status
    before = [s for d, s in sorted(entries.items()) if d <= day]
    changed = not before or before[-1] != status
    if changed:
        entries[day] = status
    return [f"{d} {s}" for d, s in sorted(entries.items())], changed


def change_signal(row: Mapping[str, Any], previous: str, status: str, day: str) -> Signal | None:
    """The alert signal of a change to suspended or revoked (None for any other change)."""
    kind = WITHDRAWN.get(status)
    if kind is None or previous == status:
        return None
    holders = tuple(sorted(str(h) for h in row.get("holders") or ()))
    name = f"{row.get('aeo_type') or 'AEO'} authorisation {row.get('number') or row['id']}"
    issued = f" issued by {row['issuing_party']}" if row.get("issuing_party") else ""
    return Signal(kind, Severity.HIGH, None, (row["id"], *holders),
                  f"{name}{issued} {status} on {day} (was {previous}): its holders lose "
                  "simplifications and priority passage", day)
