"""Where evidence comes from: a caller's view of the graph, or the system view for batch work.

:class:`EvidenceReader` turns consignment ids into :class:`~hub.analysis.risk.evidence.Evidence`
with a few UNWIND statements per batch. Built with :meth:`EvidenceReader.for_caller`, every
statement applies the caller's access filter to every node and edge (so nothing hidden can
reach a score or its explanation); built with :meth:`EvidenceReader.system`, it reads the
unfiltered ``risk.*_system`` twins — a system task, never reachable from the API.

An alert counts for a consignment when it concerns the consignment itself, or a party,
vehicle, driver or document at most :data:`MAX_HOPS` links from one of the consignment's own
(never through another consignment). An alert on *another* consignment does not spread: one
broker's or carrier's hundreds of consignments would otherwise share every alert raised on any
of them. Such links are found forward (from the subjects outwards) for a caller, and from an
index built once backwards from every alert's concerned node for the system; both give the
same links (a test holds them to it).

Open risk signals of the checks (``RiskSignal`` nodes) count when they are ``ABOUT`` the
consignment itself or one of its parties or documents; the caller's are read per batch through
``risk.signals_on`` (signal, ABOUT edge and target all visible), the system's from an index of
every open signal built once. Which of them score, and how, is the scorer's business.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from hub.analysis.risk.evidence import (
    ROLE_OF_TYPE,
    AeoFact,
    AlertFact,
    AlertLink,
    ConsignmentFacts,
    ControlFact,
    Evidence,
    OperatorFacts,
    SignalFact,
    SignalLink,
)
from hub.analysis.risk.profiles import Profile, profile_from_row
from hub.checks.lpco import document_from_row
from hub.checks.lpco_rules import Document
from hub.chunks import chunked
from hub.graph.cypher import risk as cypher
from hub.graph.statements import Statement
from hub.graph.store import GraphStore, Row
from hub.times import epoch_ms
from hub.visibility import Visibility

MAX_HOPS = 2
"""How far from a consignment's subjects an alert's concern still counts."""

BATCH = 1_000
"""Ids per UNWIND statement."""


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def consignment_facts(row: Mapping[str, Any]) -> ConsignmentFacts:
    """Facts from a ``risk.consignments`` row (see that statement for the packing)."""
    values = str(row.get("fields") or "").split("|", len(cypher.FIELDS) - 1)
    f = dict(zip(cypher.FIELDS, [*values, *[""] * len(cypher.FIELDS)], strict=False))
    parties: set[tuple[str, str]] = set()
    for link in str(row.get("links_in") or "").split(";"):
        kind, _, node = link.partition("|")
        if kind in ROLE_OF_TYPE:
            parties.add((ROLE_OF_TYPE[kind], node))
    out: dict[str, set[str]] = defaultdict(set)
    for link in str(row.get("links_out") or "").split(";"):
        kind, node, code = [*link.split("|", 2), "", ""][:3]
        out[kind].add(code if kind == "CROSSED" else node)
    return ConsignmentFacts(
        id=row["id"], reference=f["reference"] or None, declared_at=f["declared_at"] or None,
        direction=f["direction"] or None,
        hs_codes=tuple(h for h in f["hs_codes"].split(",") if h),
        origin=f["origin"] or None, destination=f["destination"] or None,
        exit_office=f["exit_office"] or None, entry_office=f["entry_office"] or None,
        presentation_office=f["presentation_office"] or None,
        value_eur=_float(row.get("value_eur")), gross_mass_kg=_float(row.get("gross_mass_kg")),
        owner_party=f["owner_party"] or None, goods_description=f["goods_description"] or None,
        crossings=tuple(sorted(out["CROSSED"] - {""})),
        parties=tuple(sorted(parties)),
        vehicles=tuple(sorted(out["TRANSPORTED_BY"])),
        persons=tuple(sorted(out["DRIVEN_BY"])),
        lpcos=tuple(sorted(out["COVERED_BY"])),
    )


def operator_facts(row: Mapping[str, Any]) -> OperatorFacts:
    controls = {k: ControlFact(k, c, str(at or ""), str(outcome or ""))
                for k, c, at, outcome in row.get("controls") or ()}
    aeo = {a["id"]: AeoFact(a["id"], str(a.get("status") or ""), a.get("aeo_type"),
                            a.get("valid_from"), a.get("valid_until"),
                            _strings(a.get("status_history")))
           for a in row.get("aeo") or ()}
    return OperatorFacts(id=row["id"], country=row.get("country"),
                         first_seen=row.get("first_seen"),
                         aeo=tuple(aeo[k] for k in sorted(aeo)),
                         controls=tuple(controls[k] for k in sorted(controls)),
                         co_located=int(row.get("co_located") or 0),
                         co_reachable=int(row.get("co_reachable") or 0))


def alert_fact(row: Mapping[str, Any]) -> AlertFact:
    return AlertFact(id=row["id"], title=row.get("title"), priority=row.get("priority"),
                     risk_type=row.get("risk_type"), status=row.get("status"),
                     valid_from=row.get("valid_from"), valid_until=row.get("valid_until"),
                     raised_at=row.get("raised_at"), withdrawn_at=row.get("withdrawn_at"))


def signal_fact(row: Mapping[str, Any]) -> SignalFact:
    observed = row.get("observed_at")
    return SignalFact(id=row["id"], kind=str(row.get("signal_kind") or ""),
                      severity=row.get("severity"), check=row.get("check"),
                      reason=row.get("reason"), consignment_id=row.get("consignment_id"),
                      record_ids=_strings(row.get("record_ids")),
                      observed_at=observed if isinstance(observed, str) else None)


SIGNAL_SUBJECTS = ("Operator", "Lpco")
"""Kinds of a consignment's subjects whose signals count for it (besides its own)."""


def _signal_links(c: ConsignmentFacts,
                  found: Mapping[str, Sequence[tuple[SignalFact, str]]]) -> tuple[SignalLink, ...]:
    """Each signal once, through the consignment itself if it is about it, else through the
    subject with the smallest id; ``found`` maps a node id to the signals about it."""
    links: dict[str, SignalLink] = {}
    for signal, kind in found.get(c.id, ()):
        if kind == "Consignment":
            links.setdefault(signal.id, SignalLink(signal, c.id, kind))
    subjects = {op for _, op in c.parties} | set(c.lpcos)
    for subject in sorted(subjects):
        for signal, kind in found.get(subject, ()):
            if kind in SIGNAL_SUBJECTS:
                links.setdefault(signal.id, SignalLink(signal, subject, kind))
    return tuple(sorted(links.values(), key=lambda link: link.signal.id))


def _keeper(links: dict[str, AlertLink]) -> Callable[[AlertLink], None]:
    """Adds a link to ``links`` unless the same alert is already there at fewer hops."""
    def keep(link: AlertLink) -> None:
        old = links.get(link.alert.id)
        if old is None or link.hops < old.hops:
            links[link.alert.id] = link
    return keep


class EvidenceReader:
    """Reads evidence in batches; caches operators and documents across batches of one run."""

    def __init__(self, store: GraphStore, params: Mapping[str, Any], system: bool) -> None:
        self._store = store
        self._params = dict(params)
        self._system = system
        self._operators: dict[str, OperatorFacts] = {}
        self._lpcos: dict[str, Document] = {}
        self._alert_index: dict[str, list[_Placed]] | None = None
        self._signal_index: dict[str, list[tuple[SignalFact, str]]] | None = None

    @classmethod
    def for_caller(cls, store: GraphStore, visibility: Visibility) -> EvidenceReader:
        """Evidence as this caller may see it (the API's path)."""
        return cls(store, {"vis": visibility.as_params()}, system=False)

    @classmethod
    def system(cls, store: GraphStore) -> EvidenceReader:
        """Evidence over the whole graph: batch scoring, training and patterns only."""
        return cls(store, {}, system=True)

    @property
    def is_system(self) -> bool:
        return self._system

    async def _run(self, caller: Statement, system: Statement,
                   params: Mapping[str, Any] | None = None) -> list[Row]:
        stmt = system if self._system else caller
        return await self._store.run(stmt, {**self._params, **(params or {})})

    async def profiles(self) -> list[Profile]:
        """Active profiles the reader may see (validity dates are checked per consignment)."""
        rows = await self._run(cypher.PROFILES, cypher.PROFILES_SYSTEM)
        return [p for p in (profile_from_row(r["p"]) for r in rows) if p is not None]

    async def consignments(self, ids: Sequence[str]) -> list[ConsignmentFacts]:
        found: dict[str, ConsignmentFacts] = {}
        for chunk in chunked(ids, BATCH):
            rows = await self._run(cypher.CONSIGNMENTS, cypher.CONSIGNMENTS_SYSTEM,
                                   {"ids": chunk})
            for row in rows:
                facts = consignment_facts(row)
                found[facts.id] = facts
        return [found[i] for i in ids if i in found]

    async def _operator_facts(self, ids: Iterable[str]) -> None:
        missing = sorted(set(ids) - set(self._operators))
        for chunk in chunked(missing, BATCH):
            rows = await self._run(cypher.OPERATORS, cypher.OPERATORS_SYSTEM, {"ids": chunk})
            for row in rows:
                facts = operator_facts(row["o"])
                self._operators[facts.id] = facts

    async def _lpco_facts(self, ids: Iterable[str]) -> None:
        missing = sorted(set(ids) - set(self._lpcos))
        for chunk in chunked(missing, BATCH):
            rows = await self._run(cypher.LPCOS, cypher.LPCOS_SYSTEM, {"ids": chunk})
            for row in rows:
                facts = document_from_row(row["l"])  # as the LPCO checks read theirs
                self._lpcos[facts.id] = facts

    async def prepare(self) -> None:
        """Build what every batch shares (the system's alert index) before batches run
        concurrently."""
        if self._system and self._alert_index is None:
            self._alert_index = await self._build_alert_index()
        if self._system and self._signal_index is None:
            self._signal_index = await self._build_signal_index()

    async def gather(self, ids: Sequence[str]) -> list[Evidence]:
        """Evidence for the visible consignments among ``ids``, in the order given."""
        facts = await self.consignments(ids)
        await self._operator_facts(op for c in facts for _, op in c.parties)
        await self._lpco_facts(lid for c in facts for lid in c.lpcos)
        links = (await self._alerts_backward(facts) if self._system
                 else await self._alerts_forward(facts))
        signals = await self._signals(facts)
        out = []
        for c in facts:
            operators = {op: self._operators[op] for _, op in c.parties if op in self._operators}
            lpcos = {lid: self._lpcos[lid] for lid in c.lpcos if lid in self._lpcos}
            out.append(Evidence(c, operators, lpcos, tuple(links.get(c.id, ())),
                                _signal_links(c, signals) if signals else ()))
        return out

    # ---- signals about a consignment, its parties and documents --------------------------------

    async def _build_signal_index(self) -> dict[str, list[tuple[SignalFact, str]]]:
        index: dict[str, list[tuple[SignalFact, str]]] = defaultdict(list)
        for row in await self._store.run(cypher.SIGNAL_TARGETS_SYSTEM, {}):
            index[row["id"]].append((signal_fact(row["s"]), row["kind"]))
        return index

    async def _signals(self, facts: Sequence[ConsignmentFacts]
                       ) -> Mapping[str, Sequence[tuple[SignalFact, str]]]:
        """node id -> the open signals about it (and its kind), for the consignments of
        ``facts`` and their parties and documents."""
        if self._system:
            if self._signal_index is None:
                self._signal_index = await self._build_signal_index()
            return self._signal_index
        ids = sorted({x for c in facts for x in (c.id, *(op for _, op in c.parties), *c.lpcos)})
        found: dict[str, list[tuple[SignalFact, str]]] = defaultdict(list)
        for chunk in chunked(ids, BATCH):
            for row in await self._store.run(cypher.SIGNALS_ON, {**self._params, "ids": chunk}):
                found[row["id"]].append((signal_fact(row["s"]), row["kind"]))
        return found

    # ---- alerts near a consignment ------------------------------------------------------------

    @staticmethod
    def _subjects(c: ConsignmentFacts) -> dict[str, str]:
        """The consignment's subjects: node id -> kind."""
        subjects = {op: "Operator" for _, op in c.parties}
        subjects.update({v: "Vehicle" for v in c.vehicles})
        subjects.update({p: "Person" for p in c.persons})
        subjects.update({lid: "Lpco" for lid in c.lpcos})
        return subjects

    async def _neighbours(self, ids: Iterable[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for chunk in chunked(sorted(set(ids)), BATCH):
            for row in await self._run(cypher.NEIGHBOURS, cypher.NEIGHBOURS_SYSTEM,
                                       {"ids": chunk}):
                found[row["id"]][row["neighbour"]] = row["kind"]
        return found

    async def _alerts_forward(
        self, facts: Sequence[ConsignmentFacts]
    ) -> dict[str, list[AlertLink]]:
        """From each consignment's subjects outwards (the caller's view)."""
        out: dict[str, list[AlertLink]] = {}
        for c in facts:
            subjects = self._subjects(c)
            # distance from the subjects: node -> (hops, subject id, subject kind, own kind)
            reach: dict[str, tuple[int, str, str, str]] = {
                s: (0, s, kind, kind) for s, kind in subjects.items()}
            frontier = dict(reach)
            for hops in range(1, MAX_HOPS + 1):
                nexts = await self._neighbours(frontier)
                step: dict[str, tuple[int, str, str, str]] = {}
                for node, (_, subject, skind, _) in sorted(frontier.items()):
                    for neighbour, kind in sorted(nexts.get(node, {}).items()):
                        if neighbour not in reach and neighbour not in step:
                            step[neighbour] = (hops, subject, skind, kind)
                reach.update(step)
                frontier = step
            links: dict[str, AlertLink] = {}
            keep = _keeper(links)
            declared = epoch_ms(c.declared_at)
            for row in await self._run(cypher.ALERTS_ON, cypher.ALERTS_ON,
                                       {"ids": sorted({*reach, c.id})}):
                if not _linked_by(row.get("linked_at"), declared):
                    continue
                node = row["id"]
                if node == c.id:
                    keep(AlertLink(alert_fact(row["a"]), 0, c.id, "Consignment", c.id,
                                   "Consignment"))
                else:
                    hops, subject, skind, kind = reach[node]
                    keep(AlertLink(alert_fact(row["a"]), hops, subject, skind, node, kind))
            out[c.id] = sorted(links.values(), key=lambda link: (link.hops, link.alert.id))
        return out

    async def _build_alert_index(self) -> dict[str, list[_Placed]]:
        """node id -> every alert whose concerned node is within MAX_HOPS of it."""
        index: dict[str, list[_Placed]] = defaultdict(list)
        targets = await self._store.run(cypher.ALERT_TARGETS_SYSTEM, {})
        # node -> placements carried outwards (never from a concerned consignment)
        frontier: dict[str, set[_Placed]] = defaultdict(set)
        seen: set[tuple[str, str, str]] = set()  # (node, alert, concerned node) placed
        for row in targets:
            placed = _Placed(alert_fact(row["a"]), 0, row["id"], row["kind"],
                             row.get("linked_at"))
            index[row["id"]].append(placed)
            seen.add((row["id"], placed.alert.id, row["id"]))
            if row["kind"] != "Consignment":
                frontier[row["id"]].add(placed)
        for hops in range(1, MAX_HOPS + 1):
            nexts = await self._neighbours(frontier)
            step: dict[str, set[_Placed]] = defaultdict(set)
            for node, carried in frontier.items():
                for neighbour in nexts.get(node, {}):
                    for placed in carried:
                        key = (neighbour, placed.alert.id, placed.via_id)
                        if key in seen:
                            continue
                        seen.add(key)
                        moved = placed._replace(hops=hops)
                        index[neighbour].append(moved)
                        step[neighbour].add(moved)
            frontier = step
        return index

    async def _alerts_backward(
        self, facts: Sequence[ConsignmentFacts]
    ) -> dict[str, list[AlertLink]]:
        """From the index built once per reader (the system's view)."""
        if self._alert_index is None:
            self._alert_index = await self._build_alert_index()
        index = self._alert_index
        out: dict[str, list[AlertLink]] = {}
        for c in facts:
            declared = epoch_ms(c.declared_at)
            links: dict[str, AlertLink] = {}
            keep = _keeper(links)
            for placed in index.get(c.id, ()):
                if placed.via_id == c.id and _linked_by(placed.linked_at, declared):
                    keep(AlertLink(placed.alert, 0, c.id, "Consignment", c.id, "Consignment"))
            for subject, kind in sorted(self._subjects(c).items()):
                for placed in index.get(subject, ()):
                    if placed.via_kind != "Consignment" and _linked_by(placed.linked_at,
                                                                       declared):
                        keep(AlertLink(placed.alert, placed.hops, subject, kind, placed.via_id,
                                       placed.via_kind))
            out[c.id] = sorted(links.values(), key=lambda link: (link.hops, link.alert.id))
        return out


class _Placed(NamedTuple):
    """An alert placed at a node of the backward index: ``hops`` from the node it concerns
    (``via``), through a CONCERNS edge recorded at ``linked_at`` (epoch ms)."""

    alert: AlertFact
    hops: int
    via_id: str
    via_kind: str
    linked_at: int | None


def _linked_by(linked_at: Any, declared: int | None) -> bool:
    """The CONCERNS edge was recorded by the declaration (an alert attached to a consignment
    after it was declared, say at its control, carries that control's outcome)."""
    return not isinstance(linked_at, int) or declared is None or linked_at <= declared
