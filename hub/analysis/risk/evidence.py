"""What the risk scorer knows about one consignment: plain values read from the graph.

Both feature sources (:mod:`hub.analysis.risk.sources`: a caller's view for the API, the system
view for batch scoring) produce these values, and both the rules scorer and the learned model
read only these values. Everything is "as of the declaration": a fact dated after the
consignment's ``declared_at`` (a later control, a later alert, a later use of a certificate) is
never counted, so a score is what selectivity could have known at the border, and the learned
model cannot see the outcome of the consignment it predicts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from hub.checks.lpco_rules import Document
from hub.model import CEFTA_PARTIES

ROLES: tuple[str, ...] = ("exporter", "importer", "declarant", "carrier")
"""Operator roles on a consignment, from the EXPORTER_OF / IMPORTER_OF / ... edge types."""

ROLE_OF_TYPE: Mapping[str, str] = {
    "EXPORTER_OF": "exporter", "IMPORTER_OF": "importer",
    "DECLARANT_OF": "declarant", "CARRIER_OF": "carrier",
}

HIT_OUTCOMES: frozenset[str] = frozenset({"irregularity", "seizure"})
"""Control outcomes that count as a hit (the alerts package stores these values)."""

CLEAN_OUTCOMES: frozenset[str] = frozenset({"no_irregularity"})

HISTORY_DAYS = 365
"""Control results and first appearances are looked at over this many days before a declaration."""

NEW_OPERATOR_DAYS = 90
"""An operator whose first consignment in the hub is less than this many days old is new."""


def day_of(text: str | None) -> str | None:
    """The calendar day (``YYYY-MM-DD``) of an ISO date or date-time text, or None."""
    if not text or len(text) < 10:
        return None
    return text[:10]


def days_between(earlier: str, later: str) -> int:
    """Whole days from one ``YYYY-MM-DD`` day to another (negative if reversed)."""
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


@dataclass(frozen=True, slots=True)
class AeoFact:
    """An AEO authorisation an operator holds. ``history`` holds ``"YYYY-MM-DD status"``
    entries in date order (as ``hub.checks`` records them), so its status on a past day is known;
    without a history the current status stands for every day."""

    id: str
    status: str
    aeo_type: str | None
    valid_from: str | None
    valid_until: str | None
    history: tuple[str, ...] = ()

    def status_on(self, day: str) -> str | None:
        """The status on ``day``; None when it had not been granted yet."""
        if not self.history:
            return self.status
        past = [h for h in self.history if h[:10] <= day]
        return past[-1][11:].strip() if past else None

    def valid_on(self, day: str) -> bool:
        """Valid status on ``day`` and ``day`` inside its validity dates."""
        return (self.status_on(day) in {"valid", "active"}
                and (self.valid_from is None or self.valid_from[:10] <= day)
                and (self.valid_until is None or day <= self.valid_until[:10]))

    def withdrawn_on(self, day: str) -> bool:
        return self.status_on(day) in {"suspended", "revoked"}


@dataclass(frozen=True, slots=True)
class ControlFact:
    """A control result of one of the operator's consignments."""

    id: str
    consignment_id: str
    controlled_at: str
    outcome: str


@dataclass(frozen=True, slots=True)
class History:
    """An operator's control record over :data:`HISTORY_DAYS` before a declaration."""

    hits: tuple[ControlFact, ...]
    seizures: tuple[ControlFact, ...]
    clean: tuple[ControlFact, ...]

    @property
    def controls(self) -> int:
        return len(self.hits) + len(self.clean)


@dataclass(frozen=True, slots=True)
class OperatorFacts:
    """An operator as the scorer sees it. ``first_seen`` is its earliest declaration in the hub."""

    id: str
    country: str | None
    first_seen: str | None
    aeo: tuple[AeoFact, ...] = ()
    controls: tuple[ControlFact, ...] = ()
    co_located: int = 0  # other operators at one of its addresses
    co_reachable: int = 0  # other operators sharing one of its phones or e-mails

    def __post_init__(self) -> None:
        # in time order, so that a window is two binary searches (brokers have thousands)
        ordered = tuple(sorted(self.controls, key=lambda k: (k.controlled_at, k.id)))
        object.__setattr__(self, "controls", ordered)

    def history(self, before: str, excluding: str) -> History:
        """Controls of *other* consignments done in the :data:`HISTORY_DAYS` days before
        ``before`` (a day): the consignment being scored never contributes its own outcome."""
        if not before:  # undated declaration: no "before" to look back from
            return History((), (), ())
        start = (date.fromisoformat(before) - timedelta(days=HISTORY_DAYS)).isoformat()
        low = bisect_left(self.controls, start, key=lambda k: k.controlled_at[:10])
        high = bisect_left(self.controls, before, key=lambda k: k.controlled_at[:10])
        hits: list[ControlFact] = []
        seizures: list[ControlFact] = []
        clean: list[ControlFact] = []
        for control in self.controls[low:high]:
            if control.consignment_id == excluding:
                continue
            if control.outcome in HIT_OUTCOMES:
                hits.append(control)
                if control.outcome == "seizure":
                    seizures.append(control)
            elif control.outcome in CLEAN_OUTCOMES:
                clean.append(control)
        return History(tuple(hits), tuple(seizures), tuple(clean))

    def valid_aeo(self, day: str) -> tuple[AeoFact, ...]:
        return tuple(a for a in self.aeo if a.valid_on(day))

    def withdrawn_aeo(self, day: str) -> tuple[AeoFact, ...]:
        return tuple(a for a in self.aeo if a.withdrawn_on(day))

    def is_new(self, day: str) -> bool:
        return (self.first_seen is None or not day
                or days_between(self.first_seen[:10], day) < NEW_OPERATOR_DAYS)


@dataclass(frozen=True, slots=True)
class AlertFact:
    """An alert the scorer may count (the source already applied the caller's visibility)."""

    id: str
    title: str | None
    priority: str | None
    risk_type: str | None
    status: str | None
    valid_from: str | None
    valid_until: str | None
    raised_at: str | None = None
    withdrawn_at: str | None = None

    INACTIVE = frozenset({"candidate", "dismissed", "rejected", "draft"})

    def known_at(self, declared_at: str) -> bool:
        """In force when the consignment was declared: raised before it, not yet withdrawn,
        not a mere candidate, and the declaration day inside its validity."""
        moment, day = declared_at[:19], declared_at[:10]
        if self.status in self.INACTIVE:
            return False
        if self.raised_at is not None and self.raised_at[:19] > moment:
            return False
        if self.status == "withdrawn" and (self.withdrawn_at is None
                                           or self.withdrawn_at[:19] <= moment):
            return False
        return ((self.valid_from is None or self.valid_from[:10] <= day)
                and (self.valid_until is None or day <= self.valid_until[:10]))


@dataclass(frozen=True, slots=True)
class AlertLink:
    """An alert concerning a node ``hops`` links away from one of the consignment's subjects.

    ``subject`` is the party, vehicle, driver or document of the consignment the path starts
    at (the consignment itself when the alert concerns it directly, hops 0); ``via`` is the
    node the alert concerns.
    """

    alert: AlertFact
    hops: int
    subject_id: str
    subject_kind: str
    via_id: str
    via_kind: str


@dataclass(frozen=True, slots=True)
class SignalFact:
    """An open ``RiskSignal`` a check stored (:mod:`hub.checks`): LPCO, AEO or SEED.

    ``consignment_id`` is the declaration the check judged (None for a finding about a party or
    a document as such, e.g. an AEO suspension); ``record_ids`` are every record the check
    involved, used to match a signal with the scorer's own findings and never shown (some may
    be hidden from the caller); ``observed_at`` is when the problem arose (a day or an instant).
    """

    id: str
    kind: str
    severity: str | None
    check: str | None
    reason: str | None
    consignment_id: str | None
    record_ids: tuple[str, ...]
    observed_at: str | None

    def observed_by(self, declared_at: str | None) -> bool:
        """Observed at or before ``declared_at`` (a day counts for the whole day); an undated
        signal always, an undated declaration never (for a dated signal)."""
        if not self.observed_at:
            return True
        if not declared_at:
            return False
        if len(self.observed_at) <= 10 or len(declared_at) <= 10:
            return self.observed_at[:10] <= declared_at[:10]
        return self.observed_at[:19] <= declared_at[:19]


@dataclass(frozen=True, slots=True)
class SignalLink:
    """A signal ``ABOUT`` the consignment itself or one of its parties or documents (``via``)."""

    signal: SignalFact
    via_id: str
    via_kind: str


@dataclass(frozen=True, slots=True)
class ConsignmentFacts:
    """The consignment's own fields and the ids of what it is linked to."""

    id: str
    reference: str | None
    declared_at: str | None
    direction: str | None
    hs_codes: tuple[str, ...]
    origin: str | None
    destination: str | None
    exit_office: str | None
    entry_office: str | None
    presentation_office: str | None
    value_eur: float | None
    gross_mass_kg: float | None
    owner_party: str | None
    goods_description: str | None = None
    crossings: tuple[str, ...] = ()
    parties: tuple[tuple[str, str], ...] = ()  # (role, operator id)
    vehicles: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()
    lpcos: tuple[str, ...] = ()

    @property
    def day(self) -> str | None:
        return day_of(self.declared_at)

    @property
    def value_per_kg(self) -> float | None:
        if self.value_eur is None or not self.gross_mass_kg:
            return None
        return self.value_eur / self.gross_mass_kg

    def operators(self, roles: tuple[str, ...] = ROLES) -> tuple[str, ...]:
        """Distinct operator ids in ``roles``, in role order."""
        return tuple(dict.fromkeys(op for role, op in sorted(
            self.parties, key=lambda p: ROLES.index(p[0])) if role in roles))

    def roles_of(self, operator_id: str) -> tuple[str, ...]:
        return tuple(r for r in ROLES if (r, operator_id) in self.parties)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything the scorer and the model may use about one consignment."""

    consignment: ConsignmentFacts
    operators: Mapping[str, OperatorFacts] = field(default_factory=dict)
    lpcos: Mapping[str, Document] = field(default_factory=dict)
    """The documents the consignment presents, as the LPCO rules (hub.checks.lpco_rules) read
    them: the ``lpco`` factor and the document features judge them with those rules."""
    alerts: tuple[AlertLink, ...] = ()
    signals: tuple[SignalLink, ...] = ()


def is_foreign(operator: OperatorFacts, consignment: ConsignmentFacts) -> bool:
    """The operator is registered outside the party that recorded the consignment."""
    return (operator.country is not None and consignment.owner_party is not None
            and operator.country != consignment.owner_party)


def is_non_cefta(operator: OperatorFacts) -> bool:
    return operator.country is not None and operator.country not in CEFTA_PARTIES
