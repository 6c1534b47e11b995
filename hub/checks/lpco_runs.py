"""Stored LPCO signals: the document problems of consignments as ``RiskSignal`` records.

A run checks consignments (given ones, those presenting given documents, or every one that
presents a document) with the LPCO rules (:mod:`hub.checks.lpco_rules`) and stores each problem
as a ``RiskSignal`` linked ``ABOUT`` the consignment, the document and the other records
involved (the holders, the other shipments):

- **checked by the consignment's owner agency** (the administration that received the
  declaration and acts on it), under that agency's visibility as its analysts have it under
  the data-sharing policy, and **owned by it at ORIGINATOR distribution**, as the pattern
  rules' candidates are: a signal speaks of the document (its number, dates, status, holder)
  and of other shipments, which others who may see the consignment may not see, so it never
  rests on, nor reveals, a record its reader could not see. Any other caller gets the same
  judgement from ``lpcoCheck`` and from the risk scorer under their own visibility.
- ids come from what a signal says (kind, consignment, records, day), so a re-run writes
  nothing new; a stored open LPCO signal of a checked consignment that the run no longer finds
  (a document renewed, a use withdrawn, another holder resolved as the same operator) is marked
  ``retracted``, as SEED signals are; found again, it is open again.

Runs after ``hub ingest`` (the documents the run brought: :class:`DocumentTap`) and by
``hub checks lpco``. System tasks: the ``*_system`` statements find consignments and owners;
the checks themselves read through the owner's filter.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from hub.checks.lpco import lpco_report
from hub.checks.lpco_rules import LpcoRules
from hub.checks.signals import Signal, signal_records, sorted_signals
from hub.chunks import chunked
from hub.graph.cypher import checks as cypher
from hub.graph.reader import GraphReader
from hub.graph.store import GraphStore, Row
from hub.graph.writer import GraphWriter
from hub.ingest.connector import Connector, Parsed, Rejected
from hub.model import Distribution, Provenance, Record, Sharing
from hub.policy.engine import PolicyEngine
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE
from hub.visibility import Visibility

SOURCE = "hub.checks.lpco"
BATCH = 500
"""Consignment (and document) ids per statement."""
PAGE = 2_000
"""Consignments per page when checking every one that presents a document."""


@dataclass(slots=True)
class LpcoRunReport:
    """What a run checked, found and stored. ``signals`` are the problems found (stored unless
    the run was a dry run); ``unowned`` counts consignments with no hub agency as owner (not
    checked)."""

    consignments: int = 0
    documents: int = 0
    signals: list[Signal] = field(default_factory=list)
    written: int = 0
    unchanged: int = 0
    retracted: int = 0
    unowned: int = 0

    @property
    def by_kind(self) -> Counter[str]:
        return Counter(s.kind.value for s in self.signals)


def _principal(agency: str) -> Principal:
    info = AGENCY_BY_CODE[agency]
    return Principal(f"system:{SOURCE}", info.party, agency, info.type.value,
                     frozenset({Role.ANALYST}), "hub")


class LpcoRun:
    """One run: the checking agencies' visibilities (built once each), the report, the clock.

    ``write=False`` is a dry run: signals are found, nothing is stored or retracted.
    """

    def __init__(self, store: GraphStore, policy: PolicyEngine, *,
                 rules: LpcoRules | None = None, write: bool = True,
                 now_ms: int | None = None) -> None:
        self._store = store
        self._policy = policy
        self._rules = rules
        self._write = write
        self._now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        self._views: dict[str, Visibility] = {}
        self.report = LpcoRunReport()

    def _view(self, agency: str) -> Visibility:
        if agency not in self._views:
            self._views[agency] = self._policy.visibility(_principal(agency))
        return self._views[agency]

    async def consignments(self, ids: Sequence[str]) -> LpcoRunReport:
        """Check the given consignments (unknown ids count for nothing)."""
        for chunk in chunked(list(dict.fromkeys(ids)), BATCH):
            await self._owned(await self._store.run(cypher.LPCO_OWNERS_SYSTEM, {"ids": chunk}))
        return self.report

    async def documents(self, ids: Iterable[str]) -> LpcoRunReport:
        """Check every consignment presenting one of the given documents (a new use, a changed
        document or a new one changes what the other presentations are judged against)."""
        seen: set[str] = set()
        for chunk in chunked(sorted(set(ids)), BATCH):
            rows = await self._store.run(cypher.LPCO_PRESENTERS_SYSTEM, {"ids": chunk})
            fresh = [r for r in rows if r["id"] not in seen]
            seen.update(r["id"] for r in fresh)
            await self._owned(fresh)
        return self.report

    async def everything(self, page: int = PAGE) -> LpcoRunReport:
        """Check every consignment that presents a document (keyset pages)."""
        after = ""
        while True:
            rows = await self._store.run(cypher.LPCO_PRESENTING_PAGE_SYSTEM,
                                         {"after": after, "limit": page})
            await self._owned(rows)
            if len(rows) < page:
                return self.report
            after = rows[-1]["id"]

    async def _owned(self, rows: Sequence[Row]) -> None:
        """Check ``rows`` (consignment ``id`` and owner ``agency``) per owner."""
        by_owner: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            agency = str(row.get("agency") or "")
            if agency in AGENCY_BY_CODE:
                by_owner[agency].append(str(row["id"]))
            else:
                self.report.unowned += 1
        for agency, ids in sorted(by_owner.items()):
            for chunk in chunked(ids, BATCH):
                await self._check(agency, chunk)

    async def _check(self, agency: str, ids: list[str]) -> None:
        reader = GraphReader(self._store, self._view(agency))
        found = await lpco_report(reader, ids, self._rules)
        report = self.report
        report.consignments += len(found.consignments)
        report.documents += len(found.documents)
        report.signals.extend(found.signals)
        if not self._write:
            return
        info = AGENCY_BY_CODE[agency]
        sharing = Sharing(agency, info.party, Distribution.ORIGINATOR)
        records: list[Record] = []
        for signal in found.signals:
            records += signal_records(signal, sharing,
                                      Provenance(SOURCE, signal.id, self._now_ms))
        if records:
            written = await GraphWriter(self._store).write(records)
            report.written += written.written
            report.unchanged += written.unchanged
        rows = await self._store.run(cypher.RETRACT_LPCO_SIGNALS_SYSTEM, {
            "ids": list(found.consignments), "keep": [s.id for s in found.signals]})
        report.retracted += int(rows[0]["retracted"]) if rows else 0

    def finish(self) -> LpcoRunReport:
        """The report, its signals in a stable order."""
        self.report.signals = sorted_signals(self.report.signals)
        return self.report


async def check_consignments(store: GraphStore, policy: PolicyEngine, ids: Sequence[str], *,
                             rules: LpcoRules | None = None, write: bool = True,
                             now_ms: int | None = None) -> LpcoRunReport:
    """Check and store the LPCO signals of the consignments ``ids``."""
    run = LpcoRun(store, policy, rules=rules, write=write, now_ms=now_ms)
    await run.consignments(ids)
    return run.finish()


async def check_documents(store: GraphStore, policy: PolicyEngine, ids: Iterable[str], *,
                          rules: LpcoRules | None = None, write: bool = True,
                          now_ms: int | None = None) -> LpcoRunReport:
    """Check and store the LPCO signals of every consignment presenting one of ``ids`` (the
    hook after an ingest, with the documents a :class:`DocumentTap` saw)."""
    run = LpcoRun(store, policy, rules=rules, write=write, now_ms=now_ms)
    await run.documents(ids)
    return run.finish()


async def check_everything(store: GraphStore, policy: PolicyEngine, *,
                           rules: LpcoRules | None = None, write: bool = True,
                           now_ms: int | None = None, page: int = PAGE) -> LpcoRunReport:
    """Check and store the LPCO signals of every consignment that presents a document."""
    run = LpcoRun(store, policy, rules=rules, write=write, now_ms=now_ms)
    await run.everything(page)
    return run.finish()


class DocumentTap:
    """A connector that notes the documents its inner connector parses (``Lpco`` nodes and the
    targets of ``COVERED_BY`` edges) as the ingest pipeline reads them, so the LPCO checks can
    run on what an ingest brought, a changed document included. Memory: one id per document."""

    def __init__(self, inner: Connector) -> None:
        self._inner = inner
        self.documents: set[str] = set()

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def suffixes(self) -> tuple[str, ...]:
        return self._inner.suffixes

    @property
    def fragment_suffix(self) -> str:
        return self._inner.fragment_suffix

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        for item in self._inner.parse(stream, origin):
            if isinstance(item, Parsed):
                self.documents.update(n.id for n in item.nodes if n.label == "Lpco")
                self.documents.update(e.target_id for e in item.edges if e.type == "COVERED_BY")
            yield item
