"""Recording AEO status changes: authorised, audited, kept in the history, signalled.

Two ways in, one write path (:func:`apply_status`):

- :func:`record_aeo_status` — a caller (an analyst's client, a customs connector) records that
  authorisation ``number`` became ``status`` on ``day``. The policy must let the caller write
  ``AeoAuthorisation``, the caller's agency must own the authorisation (only the originator
  edits its records), and the write is audited before it is made.
- :func:`sync_aeo_history` — a system task after an AEO register was ingested: the register
  overwrote ``status``; wherever that differs from the history's last entry, the change is
  recorded as of ``day``.

A change to ``suspended`` or ``revoked`` raises a :class:`Signal` (``aeo_suspended`` /
``aeo_revoked``), stored as a ``RiskSignal`` with the authorisation's own sharing and linked
``ABOUT`` the authorisation and its holders, and returned, so the caller (or an alerts hook
given as ``on_signal``) can turn it into an alert. The hub's alerts package has no function for
machine-raised alert candidates yet; when it gets one, pass it as ``on_signal``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from hub.checks.aeo import (
    STATUSES,
    StatusChange,
    change_signal,
    history_entries,
    normal_status,
    status_on,
    with_entry,
)
from hub.checks.signals import Signal, checked_day, signal_records
from hub.errors import ForbiddenError, GraphError, InputError, NotFoundError
from hub.graph.cypher import checks as cypher
from hub.graph.store import GraphStore
from hub.graph.writer import GraphWriter
from hub.model import Distribution, Provenance, Sharing
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.principal import Principal

SOURCE = "hub.checks.aeo"
_ATTEMPTS = 3
PAGE = 500

SignalHook = Callable[[Signal], None]


def _sharing(row: Mapping[str, Any]) -> Sharing | None:
    if not row.get("owner_agency") or not row.get("owner_party") or not row.get("distribution"):
        return None
    return Sharing(str(row["owner_agency"]), str(row["owner_party"]),
                   Distribution(str(row["distribution"])), tuple(row.get("share_with") or ()))


async def apply_status(store: GraphStore, row: Mapping[str, Any], status: str, day: str,
                       on_signal: SignalHook | None = None) -> StatusChange | None:
    """Record ``status`` on ``day`` for the authorisation ``row`` (as read, with its history,
    sharing and holders); store the signal if the change withdraws it.

    Returns None when the history changed since ``row`` was read (the caller re-reads and
    retries). Writes only as the authorisation's owner agency.
    """
    history = row.get("status_history") or []
    previous = status_on(history, row.get("status"), day)
    entries, changed = with_entry(history, row.get("status"), row.get("valid_from"), day, status)
    parsed = tuple(history_entries(entries))
    result = StatusChange(id=row["id"], number=row.get("number"), previous=previous,
                          status=status, day=day, changed=changed, history=parsed, signal=None)
    if list(history) == entries:
        return result
    done = await store.run(cypher.RECORD_AEO_STATUS, {
        "id": row["id"], "agency": row.get("owner_agency"), "expected": list(history),
        "history": entries, "status": parsed[-1][1], "changed_at": parsed[-1][0]})
    if not done:
        return None
    signal = change_signal(row, previous, status, day) if changed else None
    sharing = _sharing(row)
    if signal is not None and sharing is not None:
        provenance = Provenance(SOURCE, f"{row.get('number') or row['id']}@{day}",
                                int(time.time() * 1000))
        await GraphWriter(store).write(signal_records(signal, sharing, provenance))
    if signal is not None and on_signal is not None:
        on_signal(signal)
    return StatusChange(id=result.id, number=result.number, previous=previous, status=status,
                        day=day, changed=changed, history=parsed, signal=signal)


async def record_aeo_status(store: GraphStore, principal: Principal, policy: PolicyEngine,
                            audit: AuditTrail, *, number: str, status: str, day: str,
                            purpose: str | None = None,
                            on_signal: SignalHook | None = None) -> StatusChange:
    """Record a status change of authorisation ``number`` for ``principal``.

    The authorisation is looked up among those the caller's agency owns, whatever kinds its
    roles may read (a register connector maintains its own records). Raises InputError for an
    unknown status or a malformed day, ForbiddenError when the policy does not let the caller
    write AEO authorisations, NotFoundError when its agency owns no authorisation ``number``.
    """
    wanted = normal_status(status)
    if wanted not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    on = checked_day(day, "date")
    if not policy.may_write(principal, "AeoAuthorisation"):
        raise ForbiddenError(f"{principal.agency} may not record AEO authorisation statuses "
                             "with its roles (see the write grants of the sharing policy)")
    for _ in range(_ATTEMPTS):
        rows = await store.run(cypher.OWN_AEO_BY_NUMBER, {"number": number.strip().upper(),
                                                          "agency": principal.agency})
        if not rows:
            raise NotFoundError(f"your agency has no AEO authorisation {number!r}; only the "
                                "agency that registered an authorisation records its status")
        row = rows[0]["a"]
        entries, _ = with_entry(row.get("status_history"), row.get("status"),
                                row.get("valid_from"), on, wanted)
        if entries != list(row.get("status_history") or []):
            await audit.record(principal, "record_aeo_status", [(row["id"], principal.agency)],
                               purpose)
        change = await apply_status(store, row, wanted, on, on_signal)
        if change is not None:
            return change
    raise GraphError(f"AEO authorisation {number} kept changing; its status was not recorded")


async def sync_aeo_history(store: GraphStore, day: str,
                           on_signal: SignalHook | None = None) -> list[StatusChange]:
    """System task: record, as of ``day``, every status a register wrote that the history does
    not end with (and start the history of authorisations that have none). Returns the
    changes made; those to suspended or revoked carry their signal."""
    on = checked_day(day, "day")
    changes: list[StatusChange] = []
    after = ""
    while True:
        rows = [r["a"] for r in await store.run(cypher.AEO_PAGE_SYSTEM,
                                                {"after": after, "limit": PAGE})]
        for row in rows:
            current = normal_status(row.get("status"))
            entries = history_entries(row.get("status_history"))
            if (entries and entries[-1][1] == current) or not current or not row.get(
                    "owner_agency"):
                continue
            if not entries:
                start = str(row.get("valid_from") or on)[:10]
                change = await apply_status(store, {**row, "status_history": []}, current,
                                            min(start, on), on_signal)
            else:
                # The register wrote the new status over the old one: the history says what the
                # status was, so the change is from the history's last entry.
                change = await apply_status(store, {**row, "status": entries[-1][1]}, current,
                                            max(on, entries[-1][0]), on_signal)
            if change is not None and change.changed:
                changes.append(change)
        if len(rows) < PAGE:
            return changes
        after = rows[-1]["id"]
