"""SEED matching over the graph: read a window of messages, match, store matches and signals.

A run over ``[since, until)`` reads the messages from ``since - window - skew`` to
``until + window + skew`` (so pairs across the bounds are seen whole), matches them, and keeps
what belongs to the window: pairs and missing entries by the exit's instant, unannounced
entries by the entry's. It stores, for the customs on both sides of the lane:

- ``(exit)-[:MATCHES {score, gap_minutes, matched_by}]->(entry)`` for every pair;
- a ``RiskSignal`` per problem, ``ABOUT`` the messages it concerns;

owned by the customs of the party of entry (which acts on the truck), shared ``LISTED`` with
the customs of the party of exit. Ids come from what is stored, so a re-run changes nothing;
a stored SEED signal of the window that a re-run no longer finds is marked ``retracted``.
This is a system task (``hub checks seed-match``): it reads with the ``*_system`` statements.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from hub.checks.seed_matching import MatchRules, SeedMatch, SeedMatcher
from hub.checks.seed_messages import SeedMessage, message_from_row
from hub.checks.signals import Signal, instant_text, signal_records
from hub.graph.cypher import checks as cypher
from hub.graph.store import GraphStore
from hub.graph.writer import GraphWriter
from hub.model import Distribution, EdgeRecord, Provenance, Record, Sharing
from hub.reference import AGENCY_BY_CODE

SOURCE = "hub.checks.seed"
PAGE = 2_000


@dataclass(slots=True)
class SeedRunReport:
    """What a run read, found and wrote."""

    since: str
    until: str
    messages: int = 0
    matches: int = 0
    pending: int = 0
    signals: Counter[str] = field(default_factory=Counter)
    written: int = 0
    unchanged: int = 0
    retracted: int = 0
    unowned: int = 0

    @property
    def signal_count(self) -> int:
        return sum(self.signals.values())


def lane_sharing(message: SeedMessage) -> Sharing | None:
    """Owned by the customs of the party of entry, LISTED with the customs of the party of
    exit (the other way round when only the exit side is a hub agency); None when neither is."""
    exit_customs, entry_customs = (f"{party}-CUS" for party in message.lane)
    owner, other = entry_customs, exit_customs
    if owner not in AGENCY_BY_CODE:
        owner, other = exit_customs, entry_customs
    if owner not in AGENCY_BY_CODE:
        return None
    share = (f"agency:{other}",) if other in AGENCY_BY_CODE and other != owner else ()
    level = Distribution.LISTED if share else Distribution.ORIGINATOR
    return Sharing(owner, AGENCY_BY_CODE[owner].party, level, share)


async def read_messages(store: GraphStore, start_ms: int, end_ms: int,
                        page: int = PAGE) -> list[SeedMessage]:
    """The SEED messages declared in ``[start_ms, end_ms)``, in time order (keyset pages)."""
    out: list[SeedMessage] = []
    low, after, until = instant_text(start_ms), "", instant_text(end_ms)
    while True:
        rows = [r["c"] for r in await store.run(cypher.SEED_MESSAGES_SYSTEM, {
            "from": low, "until": until, "after": after, "limit": page})]
        out.extend(m for m in map(message_from_row, rows) if m is not None)
        if len(rows) < page:
            return out
        low, after = rows[-1]["declared_at"], rows[-1]["id"]


def _records(matches: list[SeedMatch], signals: list[Signal],
             messages: dict[str, SeedMessage], now_ms: int,
             report: SeedRunReport) -> list[Record]:
    records: list[Record] = []
    for match in matches:
        sharing = lane_sharing(messages[match.exit_id])
        if sharing is None:
            report.unowned += 1
            continue
        records.append(EdgeRecord(
            "MATCHES", match.exit_id, match.entry_id, sharing,
            Provenance(SOURCE, f"{match.exit_id}>{match.entry_id}", now_ms),
            {"score": match.score, "gap_minutes": match.gap_minutes,
             "matched_by": list(match.matched_by), "observed_at": match.observed_at}))
    for signal in signals:
        sharing = lane_sharing(messages[signal.record_ids[0]])
        if sharing is None:
            report.unowned += 1
            continue
        records.extend(signal_records(signal, sharing, Provenance(SOURCE, signal.id, now_ms)))
    return records


async def run_seed_matching(store: GraphStore, since_ms: int, until_ms: int, *,
                            rules: MatchRules | None = None, now_ms: int | None = None,
                            page: int = PAGE) -> SeedRunReport:
    """Match the SEED messages of ``[since_ms, until_ms)`` and store the results.

    ``now_ms`` (default: the clock) bounds what counts as missing: an exit whose window has
    not ended by then is pending, not missing.
    """
    rules = rules or MatchRules()
    now = int(time.time() * 1000) if now_ms is None else now_ms
    margin = rules.window_ms + rules.skew_ms
    messages = await read_messages(store, since_ms - margin, until_ms + margin, page)
    by_id = {m.id: m for m in messages}
    matcher = SeedMatcher(rules)
    for message in messages:
        matcher.add(message)
    outcome = matcher.finish(min(now, until_ms + margin))
    since, until = instant_text(since_ms), instant_text(until_ms)
    report = SeedRunReport(since=since, until=until, messages=sum(
        1 for m in messages if since_ms <= m.at_ms < until_ms))

    def mine(at: str | None) -> bool:
        return at is not None and since <= at < until

    matches = [m for m in outcome.matches if mine(m.observed_at)]
    signals = [s for s in outcome.signals if mine(s.observed_at)]
    report.matches = len(matches)
    report.pending = sum(1 for i in outcome.pending if since_ms <= by_id[i].at_ms < until_ms)
    report.signals.update(s.kind.value for s in signals)
    written = await GraphWriter(store).write(_records(matches, signals, by_id, now, report))
    report.written, report.unchanged = written.written, written.unchanged
    rows = await store.run(cypher.RETRACT_SEED_SIGNALS_SYSTEM, {
        "since": since, "until": until, "keep": [s.id for s in signals]})
    report.retracted = int(rows[0]["retracted"]) if rows else 0
    return report
