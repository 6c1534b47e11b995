"""The rules scorer: evidence in, a score, a selectivity channel and every contribution out.

A score is the sum of signed contributions in points. Each contribution names its factor, its
weight and a reason, and lists the ids of the records it rests on (all of them visible to whoever
asked, because the evidence was read under their visibility). All weights and the channel
thresholds are in this module and nowhere else:

=================  ==========================================================================
factor             weight
=================  ==========================================================================
profile            the profile's own weight, once per profile in force whose criteria hold
alert              by priority (high 30, medium 20, low 10), times 1 / 0.5 / 0.25 at 0 / 1 / 2
                   links from the consignment's parties, vehicles, drivers or documents; only
                   alerts raised before the declaration and not withdrawn by then
control_history    per operator (exporter, importer; declarant and carrier at half): +8 per
                   irregularity, +15 per seizure (at most +40) in the year before; with no hit
                   and at least 3 clean controls, -5
aeo                per operator: a valid AEO on the declaration day -15 (exporter, importer)
                   or -7.5 (declarant, carrier); one suspended or revoked by then +20
lpco               per document, by the LPCO rules (hub.checks.lpco_rules, shared with the
                   checks): revoked +30 or suspended +20 (by the declaration day), expired
                   (validity ended before it) +20, HS not covered +15, quantity exceeded by
                   the shipments so far +20, issued to neither the exporter nor the importer
                   (nor the same company under another record) +10
signal             per open risk signal a check stored (hub.checks) about the consignment or
                   one of its parties or documents, by severity: high +25, medium +15, low +5
=================  ==========================================================================

**Signals, one home per concern.** The LPCO problems above and AEO withdrawals are judged here,
from the document and the authorisation's history as of the declaration. A stored signal of the
same concern (``lpco_expired``, ``lpco_revoked``, ``lpco_suspended``, ``lpco_hs_not_covered``,
``lpco_quantity_exceeded``, ``lpco_other_holder``; ``aeo_suspended``, ``aeo_revoked``) adds no
points of its own: it is cited on the scorer's contribution when that finds the same problem,
and otherwise it counts for nothing (the records, read as of the declaration, are the judge:
an AEO reinstated since, say). Every other kind (SEED mismatches, unannounced entries, a
document not yet valid or overused) is a ``signal`` contribution. A signal counts for a
consignment when it is the check's finding on *this* declaration (never on another one), or,
about a party or document as such, when it was observed by the declaration. A missing entry is
known only once the window after the exit has closed, so it never counts for that exit.

Channels (:data:`THRESHOLDS`): red from 50 points, yellow from 20, green below. See the module
:mod:`hub.analysis.risk.evaluation` for the split these give on the demo data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hub.analysis.risk.evidence import AlertLink, Evidence, SignalLink
from hub.analysis.risk.profiles import Profile, match
from hub.checks import lpco_rules
from hub.checks.lpco_rules import Document, Presentation
from hub.times import epoch_ms


class Channel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lower bounds (points, inclusive) of the yellow and red channels."""

    yellow: float = 20.0
    red: float = 50.0

    def channel(self, score: float) -> Channel:
        if score >= self.red:
            return Channel.RED
        if score >= self.yellow:
            return Channel.YELLOW
        return Channel.GREEN


THRESHOLDS = Thresholds()

ALERT_PRIORITY = {"high": 30.0, "medium": 20.0, "low": 10.0}
ALERT_DEFAULT = 20.0
HOP_FACTOR = (1.0, 0.5, 0.25)
ROLE_FACTOR = {"exporter": 1.0, "importer": 1.0, "declarant": 0.5, "carrier": 0.5}
IRREGULARITY = 8.0
SEIZURE = 15.0
HISTORY_CAP = 40.0
CLEAN_BONUS = -5.0
CLEAN_MINIMUM = 3
AEO_VALID = -15.0
AEO_WITHDRAWN = 20.0
LPCO_WEIGHTS = {"revoked": 30.0, "suspended": 20.0, "expired": 20.0, "hs_not_covered": 15.0,
                "quantity_exceeded": 20.0, "other_holder": 10.0}
SIGNAL_SEVERITY = {"high": 25.0, "medium": 15.0, "low": 5.0}
SIGNAL_DEFAULT = 15.0
LPCO_SIGNALS = {"lpco_expired": "expired", "lpco_revoked": "revoked",
                "lpco_suspended": "suspended", "lpco_hs_not_covered": "hs_not_covered",
                "lpco_quantity_exceeded": "quantity_exceeded",
                "lpco_other_holder": "other_holder"}
"""Signal kinds whose concern is the ``lpco`` factor's (kind -> its problem key)."""
HOLDER_ROLES = ("exporter", "importer")
"""The operators a document must be issued to (see hub.checks.lpco_rules: the traders)."""
AEO_SIGNALS = frozenset({"aeo_suspended", "aeo_revoked"})
"""Signal kinds whose concern is the ``aeo`` factor's withdrawal."""
AFTER_THE_FACT = frozenset({"seed_missing_entry"})
"""Findings that need what happened after the declaration: never scored for it."""

Concern = tuple[str, str, str]
"""What a contribution judges, to cite a stored signal of the same concern on it:
("lpco", problem, document id) or ("aeo", "withdrawn", operator id)."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One reason the score moved. ``record_ids`` are the records it rests on."""

    factor: str
    weight: float
    reason: str
    record_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Score:
    consignment_id: str
    score: float
    channel: Channel
    contributions: tuple[Contribution, ...]


def _alert(link: AlertLink, declared_at: str, consignment_id: str) -> Contribution | None:
    alert = link.alert
    if not alert.known_at(declared_at) or link.hops >= len(HOP_FACTOR):
        return None
    base = ALERT_PRIORITY.get((alert.priority or "").lower(), ALERT_DEFAULT)
    weight = base * HOP_FACTOR[link.hops]
    title = f"alert {alert.title!r}" if alert.title else f"alert {alert.id}"
    where = ("this consignment" if link.via_id == consignment_id
             else f"{link.via_kind} {link.via_id}")
    if link.hops == 0:
        reason = f"{title} ({alert.priority or 'medium'}) concerns {where}"
        ids: tuple[str, ...] = (alert.id, link.via_id)
    else:
        plural = "s" if link.hops > 1 else ""
        reason = (f"{title} ({alert.priority or 'medium'}) concerns {where}, {link.hops} "
                  f"link{plural} from {link.subject_kind} {link.subject_id}")
        ids = (alert.id, link.via_id, link.subject_id)
    return Contribution("alert", weight, reason, tuple(dict.fromkeys(ids)))


def _operators(evidence: Evidence, day: str, concerns: dict[Concern, int],
               start: int) -> list[Contribution]:
    """Control history and AEO status per operator; notes in ``concerns`` where each AEO
    withdrawal will stand (``start`` + its index in the returned list)."""
    c = evidence.consignment
    out: list[Contribution] = []
    for op_id in c.operators():
        op = evidence.operators.get(op_id)
        if op is None:
            continue
        roles = c.roles_of(op_id)
        factor = max(ROLE_FACTOR[r] for r in roles)
        who = f"{'/'.join(roles)} {op_id}"
        history = op.history(day, c.id)
        if history.hits:
            raw = IRREGULARITY * (len(history.hits) - len(history.seizures)) \
                + SEIZURE * len(history.seizures)
            weight = min(raw, HISTORY_CAP) * factor
            out.append(Contribution(
                "control_history", weight,
                f"{who}: {len(history.hits) - len(history.seizures)} irregularit"
                f"{'y' if len(history.hits) - len(history.seizures) == 1 else 'ies'} and "
                f"{len(history.seizures)} seizure(s) in {history.controls} control(s) of its "
                "consignments in the year before",
                (op_id, *(k.id for k in history.hits))))
        elif len(history.clean) >= CLEAN_MINIMUM:
            out.append(Contribution(
                "control_history", CLEAN_BONUS * factor,
                f"{who}: {len(history.clean)} controls without irregularity in the year before",
                (op_id, *(k.id for k in history.clean))))
        valid = op.valid_aeo(day)
        if valid:
            out.append(Contribution(
                "aeo", AEO_VALID * factor,
                f"{who} holds a valid AEO authorisation ({valid[0].aeo_type or 'AEO'})",
                (op_id, valid[0].id)))
        withdrawn = op.withdrawn_aeo(day)
        if withdrawn:
            concerns["aeo", "withdrawn", op_id] = start + len(out)
            out.append(Contribution(
                "aeo", AEO_WITHDRAWN,
                f"{who}'s AEO authorisation was {withdrawn[0].status_on(day)}",
                (op_id, withdrawn[0].id)))
    return out


def lpco_problems(evidence: Evidence, lpco: Document) -> list[str]:
    """What is wrong with a document presented with the consignment, as the problem keys of
    :data:`LPCO_WEIGHTS`: the LPCO rules (:func:`hub.checks.lpco_rules.problems`, their one
    home) as of the declaration, keeping the kinds this factor judges (not yet valid and
    overused are left to the checks' stored signals, which count as ``signal``)."""
    c = evidence.consignment
    at = epoch_ms(c.declared_at)
    own = lpco.use_of(c.id)
    presentation = Presentation(c.id, at, c.direction, c.hs_codes,
                                c.operators(HOLDER_ROLES), own.quantity if own else None)
    return [key for signal in lpco_rules.problems(presentation, lpco)
            if (key := LPCO_SIGNALS.get(signal.kind)) is not None]


_LPCO_TEXT = {
    "revoked": "is revoked", "suspended": "is suspended", "expired": "had expired",
    "hs_not_covered": "does not cover the declared HS codes",
    "quantity_exceeded": "quantity is exceeded by the shipments so far",
    "other_holder": "was issued to none of the consignment's traders (exporter, importer)",
}


def _lpcos(evidence: Evidence, concerns: dict[Concern, int], start: int) -> list[Contribution]:
    """Document problems; notes in ``concerns`` where each will stand (``start`` + its index
    in the returned list)."""
    out: list[Contribution] = []
    for lpco_id in evidence.consignment.lpcos:
        lpco = evidence.lpcos.get(lpco_id)
        if lpco is None:
            continue
        name = f"{lpco.lpco_type or 'document'} {lpco.number or lpco_id}"
        for problem in lpco_problems(evidence, lpco):
            ids = ((lpco_id, *sorted(set(lpco.holders) | set(lpco.same_as)))
                   if problem == "other_holder" else (lpco_id,))
            concerns["lpco", problem, lpco_id] = start + len(out)
            out.append(Contribution("lpco", LPCO_WEIGHTS[problem],
                                    f"{name} {_LPCO_TEXT[problem]}", ids))
    return out


def _concern(link: SignalLink) -> Concern | None:
    """The scorer's own concern a signal is about, if the scorer judges that concern itself."""
    signal = link.signal
    problem = LPCO_SIGNALS.get(signal.kind)
    if problem is not None:
        return ("lpco", problem, signal.record_ids[0]) if signal.record_ids else None
    if signal.kind in AEO_SIGNALS and link.via_kind == "Operator":
        return ("aeo", "withdrawn", link.via_id)
    return None


def _counts(link: SignalLink, evidence: Evidence) -> bool:
    """Whether the signal may score for this consignment (see the module docstring)."""
    signal, c = link.signal, evidence.consignment
    if signal.kind in AFTER_THE_FACT:
        return False
    if signal.consignment_id is not None:
        return signal.consignment_id == c.id
    return signal.observed_by(c.declared_at)


def _signals(evidence: Evidence, contributions: list[Contribution],
             concerns: dict[Concern, int]) -> None:
    """Add the signals' contributions to ``contributions``; cite a signal of a concern the
    scorer judged itself on that contribution instead (``concerns``: its index there)."""
    for link in evidence.signals:
        if not _counts(link, evidence):
            continue
        signal = link.signal
        concern = _concern(link)
        if concern is not None:
            index = concerns.get(concern)
            if index is not None:
                own = contributions[index]
                contributions[index] = Contribution(
                    own.factor, own.weight,
                    f"{own.reason} (also signalled by the {signal.check or 'check'} check)",
                    (*own.record_ids, signal.id))
            continue
        weight = SIGNAL_SEVERITY.get((signal.severity or "").lower(), SIGNAL_DEFAULT)
        what = signal.reason or signal.kind.replace("_", " ")
        contributions.append(Contribution(
            "signal", weight, f"{signal.check or 'check'} signal ({signal.severity or 'medium'})"
            f": {what}", tuple(dict.fromkeys((signal.id, link.via_id)))))


def score(evidence: Evidence, profiles: Sequence[Profile],
          thresholds: Thresholds = THRESHOLDS) -> Score:
    """Score one consignment. Pure: the same evidence and profiles give the same score."""
    c = evidence.consignment
    day = c.day or ""
    contributions: list[Contribution] = []
    for profile in profiles:
        if not profile.in_force(day):
            continue
        reasons = match(profile.criteria, evidence)
        if reasons is not None:
            contributions.append(Contribution(
                "profile", profile.weight,
                f"profile {profile.name!r} (version {profile.version}) hits: "
                + "; ".join(reasons), (profile.id,)))
    for link in evidence.alerts:
        contribution = _alert(link, c.declared_at or "", c.id)
        if contribution is not None:
            contributions.append(contribution)
    concerns: dict[Concern, int] = {}
    contributions += _operators(evidence, day, concerns, len(contributions))
    contributions += _lpcos(evidence, concerns, len(contributions))
    if evidence.signals:
        _signals(evidence, contributions, concerns)
    total = round(sum(x.weight for x in contributions), 2)
    return Score(c.id, total, thresholds.channel(total), tuple(contributions))
