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
lpco               per document: revoked +30 or suspended +20 (by the declaration day),
                   expired (validity ended before it) +20, HS not covered +15, quantity
                   exceeded by the uses so far +20, issued to none of the consignment's
                   operators (nor the same company under another record) +10
=================  ==========================================================================

Channels (:data:`THRESHOLDS`): red from 50 points, yellow from 20, green below. See the module
:mod:`hub.analysis.risk.evaluation` for the split these give on the demo data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hub.analysis.risk.evidence import AlertLink, Evidence, LpcoFacts
from hub.analysis.risk.profiles import Profile, match


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


def _operators(evidence: Evidence, day: str) -> list[Contribution]:
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
            out.append(Contribution(
                "aeo", AEO_WITHDRAWN,
                f"{who}'s AEO authorisation was {withdrawn[0].status_on(day)}",
                (op_id, withdrawn[0].id)))
    return out


def lpco_problems(evidence: Evidence, lpco: LpcoFacts) -> list[str]:
    """What is wrong with a document presented with the consignment, as problem keys."""
    c = evidence.consignment
    day = c.day or ""
    problems: list[str] = []
    status = lpco.status_on(day)
    if status is not None:
        problems.append(status)
    if lpco.valid_until is not None and day and lpco.valid_until[:10] < day:
        problems.append("expired")
    if lpco.hs_codes and c.hs_codes and not any(
            code.startswith(covered) or covered.startswith(code)
            for code in c.hs_codes for covered in lpco.hs_codes):
        problems.append("hs_not_covered")
    if lpco.quantity is not None:
        used = sum(u.quantity or 0.0 for u in lpco.uses_until(c.declared_at, c.id))
        if used > lpco.quantity * 1.0001:
            problems.append("quantity_exceeded")
    if lpco.holders and not set(lpco.holders) & {op for _, op in c.parties}:
        problems.append("other_holder")
    return problems


_LPCO_TEXT = {
    "revoked": "is revoked", "suspended": "is suspended", "expired": "had expired",
    "hs_not_covered": "does not cover the declared HS codes",
    "quantity_exceeded": "quantity is exceeded by the uses so far",
    "other_holder": "was issued to none of the consignment's operators",
}


def _lpcos(evidence: Evidence) -> list[Contribution]:
    out: list[Contribution] = []
    for lpco_id in evidence.consignment.lpcos:
        lpco = evidence.lpcos.get(lpco_id)
        if lpco is None:
            continue
        name = f"{lpco.lpco_type or 'document'} {lpco.number or lpco_id}"
        for problem in lpco_problems(evidence, lpco):
            ids = (lpco_id, *lpco.holders) if problem == "other_holder" else (lpco_id,)
            out.append(Contribution("lpco", LPCO_WEIGHTS[problem],
                                    f"{name} {_LPCO_TEXT[problem]}", ids))
    return out


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
    contributions += _operators(evidence, day)
    contributions += _lpcos(evidence)
    total = round(sum(x.weight for x in contributions), 2)
    return Score(c.id, total, thresholds.channel(total), tuple(contributions))
