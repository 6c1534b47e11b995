"""Risk signals: the value every check returns, its kinds and severities, and its graph records.

A :class:`Signal` is one problem a check found (an expired certificate, a suspended AEO, a
truck heavier at entry than at exit). The risk scorer reads signals as features; the SEED
matcher and the AEO register store them as ``RiskSignal`` nodes linked ``ABOUT`` the records
they concern, with ids derived from what they say, so a re-run writes the same nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from hub.errors import InputError
from hub.model import EdgeRecord, NodeRecord, Provenance, Record, Sharing, stable_id
from hub.times import epoch_ms


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SignalKind(StrEnum):
    """What a signal says. The prefix before the first ``_`` names the check that raises it."""

    LPCO_EXPIRED = "lpco_expired"
    LPCO_NOT_YET_VALID = "lpco_not_yet_valid"
    LPCO_REVOKED = "lpco_revoked"
    LPCO_SUSPENDED = "lpco_suspended"
    LPCO_HS_NOT_COVERED = "lpco_hs_not_covered"
    LPCO_QUANTITY_EXCEEDED = "lpco_quantity_exceeded"
    LPCO_OVERUSED = "lpco_overused"
    LPCO_OTHER_HOLDER = "lpco_other_holder"
    AEO_SUSPENDED = "aeo_suspended"
    AEO_REVOKED = "aeo_revoked"
    SEED_WEIGHT = "seed_weight_mismatch"
    SEED_HS = "seed_hs_mismatch"
    SEED_CONSIGNOR = "seed_consignor_mismatch"
    SEED_CONSIGNEE = "seed_consignee_mismatch"
    SEED_ORIGIN = "seed_origin_mismatch"
    SEED_REFERENCE = "seed_reference_mismatch"
    SEED_VEHICLE = "seed_vehicle_mismatch"
    SEED_OFFICE = "seed_office_mismatch"
    SEED_MISSING_ENTRY = "seed_missing_entry"
    SEED_UNANNOUNCED_ENTRY = "seed_unannounced_entry"

    @property
    def check(self) -> str:
        """``lpco``, ``aeo`` or ``seed``."""
        return self.value.split("_", 1)[0]


@dataclass(frozen=True, slots=True)
class Signal:
    """One problem found by a check.

    ``consignment_id`` is the consignment the problem is about (None for an AEO status change);
    ``record_ids`` every record involved (documents, authorisations, operators, messages);
    ``reason`` says what is wrong in words an officer can act on; ``observed_at`` is when the
    problem arose (a declaration's instant, a status change's day), never the time of the run.
    """

    kind: SignalKind
    severity: Severity
    consignment_id: str | None
    record_ids: tuple[str, ...]
    reason: str
    observed_at: str | None = None

    @property
    def check(self) -> str:
        return self.kind.check

    @property
    def id(self) -> str:
        """Stable: the same problem about the same records always has the same id."""
        return stable_id("RiskSignal", self.kind.value, self.consignment_id or "",
                         *sorted(self.record_ids), self.observed_at or "")


OPEN = "open"
RETRACTED = "retracted"
"""``RiskSignal.status``: a re-run that no longer finds a stored problem retracts it."""


def signal_records(signal: Signal, sharing: Sharing, provenance: Provenance) -> list[Record]:
    """The RiskSignal node and its ABOUT edges (to the consignment and every record involved).

    An ABOUT edge whose target is not in the graph is skipped by the writer (counted dangling).
    """
    node = NodeRecord("RiskSignal", signal.id, {
        "signal_kind": signal.kind.value, "severity": signal.severity.value,
        "check": signal.check, "reason": signal.reason,
        "consignment_id": signal.consignment_id, "record_ids": list(signal.record_ids),
        "observed_at": signal.observed_at, "status": OPEN,
    }, sharing, provenance)
    targets = dict.fromkeys(i for i in (signal.consignment_id, *signal.record_ids) if i)
    edges: list[Record] = [EdgeRecord("ABOUT", signal.id, target, sharing, provenance)
                           for target in targets]
    return [node, *edges]


def sorted_signals(signals: Iterable[Signal]) -> list[Signal]:
    """Signals in a stable order: by consignment, kind, then records."""
    return sorted(set(signals), key=lambda s: (s.consignment_id or "", s.kind.value,
                                               s.record_ids, s.observed_at or ""))


# ---- instants: the graph holds epoch milliseconds (demo) and ISO text (connectors) ----------

def day_of(value: object) -> str | None:
    """The UTC calendar day (``YYYY-MM-DD``) of an instant in any form :func:`epoch_ms` reads."""
    if isinstance(value, str) and len(value) == 10:
        return value if epoch_ms(value) is not None else None
    ms = epoch_ms(value)
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).date().isoformat()


def instant_text(ms: int) -> str:
    """Epoch milliseconds as ISO text in UTC, to the second (``2026-03-14T07:15:00Z``): the form
    the SEED+ connector stores, so text comparisons order instants."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checked_day(value: str, what: str) -> str:
    """A ``YYYY-MM-DD`` day from a caller. Raises InputError naming ``what``."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except (ValueError, AttributeError):
        raise InputError(f"{what}: {value!r} is not a day; write it as YYYY-MM-DD") from None
