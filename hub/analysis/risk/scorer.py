"""Scoring consignments from the graph: one for a caller (API), or all of them (system batch).

:func:`score_for_caller` reads the evidence under the caller's visibility, so the score and its
explanation rest only on records the caller may see. :func:`score_all` is a **system task**
(``hub risk score``, the ingest hook, the benchmarks): it pages through every consignment and
fetches evidence in UNWIND batches through the unfiltered ``risk.*_system`` statements.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from hub.analysis.risk.evidence import Evidence
from hub.analysis.risk.profiles import Profile
from hub.analysis.risk.scoring import THRESHOLDS, Channel, Score, Thresholds, score
from hub.analysis.risk.sources import EvidenceReader
from hub.graph.cypher import risk as cypher
from hub.graph.store import GraphStore
from hub.visibility import Visibility

PAGE = 2_000
"""Consignments per batch of the system scorer."""


async def score_for_caller(store: GraphStore, visibility: Visibility,
                           consignment_id: str) -> Score | None:
    """The consignment's score as this caller may see it; None if it cannot see it."""
    reader = EvidenceReader.for_caller(store, visibility)
    found = await reader.gather([consignment_id])
    if not found:
        return None
    return score(found[0], await reader.profiles())


async def consignment_ids(store: GraphStore, page: int = PAGE) -> AsyncIterator[list[str]]:
    """Every consignment id, in id order, a page at a time (system task)."""
    rows = await store.run(cypher.CONSIGNMENT_IDS_SYSTEM, {})
    ids = sorted(str(row["id"]) for row in rows)
    for start in range(0, len(ids), page):
        yield ids[start:start + page]


async def evidence_batches(store: GraphStore, reader: EvidenceReader | None = None,
                           page: int = PAGE) -> AsyncIterator[list[Evidence]]:
    """Evidence for every consignment, a page at a time, from one system reader.

    The next page is already being read while the caller works on this one: the database
    runs in its own process, so its time overlaps with the client's decoding and scoring.
    """
    reader = reader or EvidenceReader.system(store)
    await reader.prepare()
    pending: asyncio.Task[list[Evidence]] | None = None
    try:
        async for ids in consignment_ids(store, page):
            task = asyncio.ensure_future(reader.gather(ids))
            if pending is not None:
                yield await pending
            pending = task
        if pending is not None:
            yield await pending
            pending = None
    finally:
        if pending is not None and not pending.done():
            pending.cancel()


def _score_batch(batch: Sequence[Evidence], profiles: Sequence[Profile],
                 thresholds: Thresholds) -> list[Score]:
    return [score(evidence, profiles, thresholds) for evidence in batch]


@dataclass(slots=True)
class BatchReport:
    """What a batch run scored: counts per channel, time spent, throughput."""

    scored: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.scored / self.seconds if self.seconds else 0.0

    def share(self, channel: Channel) -> float:
        return self.channels[channel.value] / self.scored if self.scored else 0.0


async def score_all(store: GraphStore, thresholds: Thresholds = THRESHOLDS,
                    on_scores: Callable[[Sequence[Score]], None] | None = None,
                    page: int = PAGE) -> BatchReport:
    """Score every consignment with the system's view (a system task, never for callers).

    ``on_scores`` receives each batch of scores (to store, print or collect them).
    """
    report = BatchReport()
    started = time.perf_counter()
    reader = EvidenceReader.system(store)
    profiles = await reader.profiles()
    async for batch in evidence_batches(store, reader, page):
        # in a worker thread, so that the event loop keeps reading the next page meanwhile
        scores = await asyncio.to_thread(_score_batch, batch, profiles, thresholds)
        report.scored += len(scores)
        report.channels.update(s.channel.value for s in scores)
        if on_scores is not None:
            on_scores(scores)
    report.seconds = time.perf_counter() - started
    return report
