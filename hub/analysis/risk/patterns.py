"""Pattern rules over the graph that raise alert *candidates* for analysts to review.

A candidate is a ``RiskAlert`` with status ``candidate``: the scorer ignores it until an
analyst reviews it (the alerts service can then activate or dismiss it). Each agency that runs
risk analysis gets its own candidates, computed under **that agency's visibility** and owned by
it at ORIGINATOR distribution, so a candidate never rests on, nor reveals, a record its owner
could not see, and nobody else sees it until its owner widens it.

A candidate's id is derived from (agency, rule, subject), and only candidates that do not exist
yet are written, so running the rules again — on a schedule, or after every ingest through
:func:`after_ingest` — raises nothing twice and never resets a candidate an analyst has already
reviewed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.analysis.risk.evidence import AlertFact
from hub.errors import InputError
from hub.graph.cypher import risk as cypher
from hub.graph.statements import Statement
from hub.graph.store import GraphStore
from hub.graph.writer import GraphWriter
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Record, Sharing, stable_id
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.principal import Principal, Role
from hub.reference import AGENCIES, AGENCY_BY_CODE
from hub.times import today_utc
from hub.visibility import Visibility

SOURCE = "risk-patterns"
CANDIDATE = "candidate"
MAX_USES = 10
"""Presentations in the window beyond which a licence or other non-certificate is implausible."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern rule: its statements, the look-back window and how its candidates read."""

    name: str
    title: str
    description: str
    risk_domain: str
    window_days: int
    statements: tuple[Statement, ...]


RULES: tuple[Rule, ...] = (
    Rule("shared_address_seizure",
         "Operator shares an address with an operator that had a seizure",
         "This operator is registered at an address shared with an operator whose consignment "
         "was seized in the last 90 days. Review the link before acting on it.",
         "financial", 90, (cypher.PATTERN_SHARED_ADDRESS_SEIZURE,)),
    Rule("ring_vehicle", "Vehicle used by two operators of a known group",
         "This vehicle carried consignments of at least two operators of one RMTT case or "
         "alert in the last 30 days.", "financial", 30,
         tuple(cypher.PATTERN_RING_VEHICLE.values())),
    Rule("lpco_overuse", "Document presented more often than plausible",
         "This certificate or licence was presented with more consignments in the last 90 "
         f"days than one document can cover (certificates: one; others: {MAX_USES}).",
         "financial", 90, (cypher.PATTERN_LPCO_OVERUSE,)),
)
RULE_BY_NAME: Mapping[str, Rule] = {r.name: r for r in RULES}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate for one agency: the rule, its subject and the evidence ids (all visible to
    the agency), and whether this run created it."""

    id: str
    agency: str
    rule: str
    subject_id: str
    subject_kind: str
    evidence: tuple[str, ...]
    new: bool


@dataclass(frozen=True, slots=True)
class PatternReport:
    as_of: str
    agencies: tuple[str, ...]
    candidates: tuple[Candidate, ...]

    @property
    def created(self) -> int:
        return sum(1 for c in self.candidates if c.new)


def candidate_id(agency: str, rule: str, subject_id: str) -> str:
    return stable_id("RiskAlert", agency, CANDIDATE, rule, subject_id)


def _window(as_of: str, days: int) -> tuple[str, str]:
    """(since, until) as instants comparable with stored ISO text: ``until`` ends ``as_of``."""
    end = date.fromisoformat(as_of)
    return (end - timedelta(days=days)).isoformat(), as_of + "T23:59:59Z"


async def _matches(store: GraphStore, rule: Rule, vis: Visibility,
                   as_of: str) -> list[tuple[str, str, tuple[str, ...]]]:
    since, until = _window(as_of, rule.window_days)
    found: dict[str, tuple[str, set[str]]] = {}
    for stmt in rule.statements:
        params: dict[str, Any] = {"vis": vis.as_params(), "since": since, "until": until}
        if "inactive" in stmt.params:
            params["inactive"] = sorted(AlertFact.INACTIVE | {"withdrawn"})
        if "max_uses" in stmt.params:
            params["max_uses"] = MAX_USES
        for row in await store.run(stmt, params):
            _, evidence = found.setdefault(row["subject"], (row["kind"], set()))
            evidence.update(str(e) for e in row["evidence"] or ())
    return [(subject, kind, tuple(sorted(ev))) for subject, (kind, ev) in sorted(found.items())]


def _records(agency: str, rule: Rule, subject: str, evidence: tuple[str, ...], *,
             as_of: str, now_ms: int) -> list[Record]:
    info = AGENCY_BY_CODE[agency]
    share = Sharing(agency, info.party, Distribution.ORIGINATOR)
    cid = candidate_id(agency, rule.name, subject)
    reference = f"pattern/{rule.name}/{hashlib.sha256(cid.encode()).hexdigest()[:12]}"
    provenance = Provenance(SOURCE, reference, now_ms)
    prefix = subject.split(":", 1)[0]
    raised = datetime.fromtimestamp(now_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    node = NodeRecord("RiskAlert", cid, {
        "title": rule.title, "description": rule.description, "risk_domain": rule.risk_domain,
        "risk_type": "pattern:" + rule.name, "status": CANDIDATE, "priority": "medium",
        "issuing_agency": agency, "reference": reference, "valid_from": as_of, "version": 1,
        "raised_at": raised, "changed_at": raised, "last_change": "raised",
        "indicator_operators": [e for e in (subject, *evidence) if e.startswith("operator:")],
        "indicator_vehicles": [e for e in (subject, *evidence) if e.startswith("vehicle:")],
        "indicator_documents": [e for e in (subject, *evidence)
                                if e.startswith(("lpco:", "control:", "consignment:"))],
        "indicators": f"{prefix} {subject}; evidence: {', '.join(evidence)}",
    }, share, provenance)
    return [node, EdgeRecord("CONCERNS", cid, subject, share, provenance)]


def _principal(agency: str) -> Principal:
    info = AGENCY_BY_CODE[agency]
    return Principal(f"system:{SOURCE}", info.party, agency, info.type.value,
                     frozenset({Role.ANALYST}), "hub")


async def run_patterns(store: GraphStore, audiences: Mapping[str, Visibility], as_of: str,
                       rules: Sequence[Rule] = RULES, audit: AuditTrail | None = None,
                       ) -> PatternReport:
    """Run ``rules`` for each agency under its visibility; write the candidates not there yet.

    ``as_of`` (``YYYY-MM-DD``) ends every rule's window. With ``audit``, each agency's new
    candidates are recorded as written by the ``system:risk-patterns`` subject.
    """
    try:
        date.fromisoformat(as_of)
    except ValueError:
        raise InputError(f"as_of {as_of!r} is not a date written as YYYY-MM-DD") from None
    now_ms = time.time_ns() // 1_000_000
    candidates: list[Candidate] = []
    for agency, vis in sorted(audiences.items()):
        if agency not in AGENCY_BY_CODE:
            raise InputError(f"unknown agency {agency!r}")
        found = [(rule, subject, kind, evidence) for rule in rules
                 for subject, kind, evidence in await _matches(store, rule, vis, as_of)]
        ids = [candidate_id(agency, rule.name, subject) for rule, subject, _, _ in found]
        existing = {row["id"] for row in await store.run(cypher.EXISTING_SYSTEM, {"ids": ids})}
        records: list[Record] = []
        for cid, (rule, subject, kind, evidence) in zip(ids, found, strict=True):
            new = cid not in existing
            candidates.append(Candidate(cid, agency, rule.name, subject, kind, evidence, new))
            if new:
                records += _records(agency, rule, subject, evidence, as_of=as_of, now_ms=now_ms)
        if records:
            if audit is not None:
                await audit.record(_principal(agency), "raise_candidates",
                                   [(r.id, agency) for r in records if isinstance(r, NodeRecord)])
            await GraphWriter(store).write(records)
    return PatternReport(as_of, tuple(sorted(audiences)), tuple(candidates))


def analysis_agencies() -> tuple[str, ...]:
    """The agencies that get candidates by default: the CEFTA customs administrations."""
    return tuple(a.code for a in AGENCIES if a.type.value == "customs"
                 and a.party in {"AL", "BA", "MD", "ME", "MK", "RS", "XK"})


def audiences_for(policy: PolicyEngine, agencies: Sequence[str]) -> dict[str, Visibility]:
    """Each agency's visibility as its analysts have it under the data-sharing policy."""
    return {agency: policy.visibility(_principal(agency)) for agency in agencies}


async def after_ingest(store: GraphStore, policy: PolicyEngine, audit: AuditTrail | None = None,
                       as_of: str | None = None,
                       agencies: Sequence[str] | None = None) -> PatternReport:
    """The hook to run after an ingest (or on a schedule): every rule, for every analysis
    agency, as of ``as_of`` (default: today, UTC)."""
    day = as_of or today_utc()
    return await run_patterns(store, audiences_for(policy, agencies or analysis_agencies()),
                              day, audit=audit)
