"""Load a demo dataset into a graph store through the one writer path, with progress.

``seed`` is what ``hub seed`` and ``hub serve --seed-if-empty`` call. Generation of the next
chunk runs in a worker thread while the current chunk is written, so the database, not Python,
sets the pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hub.demo.generator import DEFAULT_SEED, DemoStream, generate
from hub.demo.truth import GroundTruth, truth_filename
from hub.graph.cypher.meta import COUNT_ENTITIES
from hub.graph.migrations import migrate
from hub.graph.store import GraphStore
from hub.graph.writer import MAX_BATCH, GraphWriter, WriteReport
from hub.model import NodeRecord, Record


@dataclass(frozen=True, slots=True)
class SeedProgress:
    """Where a running seed is: told after every statement the writer runs."""

    stage: str
    records: int  # records sent to the store so far
    consignments: int  # consignments written so far
    consignments_total: int
    seconds: float


@dataclass(slots=True)
class SeedReport:
    """What a seed did. ``written`` is 0 when the same dataset was already there."""

    scale: str
    seed: int
    seconds: float
    write: WriteReport
    truth: GroundTruth
    truth_path: Path | None = None
    skipped: bool = False
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return self.write.nodes + self.write.edges

    @property
    def written(self) -> int:
        return self.write.written


def _next_chunk(stream: DemoStream) -> list[Record] | None:
    return next(stream, None)


async def seed(
    store: GraphStore,
    scale: str = "small",
    seed: int = DEFAULT_SEED,
    progress: Callable[[SeedProgress], None] | None = None,
    truth_dir: Path | None = None,
) -> SeedReport:
    """Write the (scale, seed) dataset into ``store`` (migrated) and return what it did.

    Idempotent: seeding the same dataset twice leaves the graph as it was (the second report
    counts every record as unchanged). With ``truth_dir`` the ground truth is written there as
    ``demo-truth-<scale>-<seed>.json``. Raises InputError for an unknown scale and the store's
    GraphErrors.
    """
    stream = generate(scale, seed)
    writer = GraphWriter(store, batch_size=MAX_BATCH)
    total = WriteReport()
    started = time.perf_counter()
    sent = consignments = 0
    stage = stream.stage

    def tell(records: int) -> None:
        nonlocal sent
        sent += records
        if progress is not None:
            progress(SeedProgress(stage, sent, consignments, stream.scale.consignments,
                                  time.perf_counter() - started))

    pending = asyncio.ensure_future(asyncio.to_thread(_next_chunk, stream))
    try:
        while (chunk := await pending) is not None:
            stage = stream.stage
            pending = asyncio.ensure_future(asyncio.to_thread(_next_chunk, stream))
            total.add(await writer.write(chunk, progress=tell))
            consignments += sum(
                1 for r in chunk if isinstance(r, NodeRecord) and r.label == "Consignment")
            tell(0)
    finally:
        if not pending.done():
            with contextlib.suppress(Exception):
                await pending
    truth_path = stream.truth.write(truth_dir / truth_filename(stream.scale.name, seed)) \
        if truth_dir is not None else None
    return SeedReport(stream.scale.name, seed, time.perf_counter() - started, total,
                      stream.truth, truth_path, by_kind=dict(total.by_kind))


async def entity_count(store: GraphStore) -> int:
    """How many domain nodes the graph holds (0 for a new graph)."""
    rows = await store.run(COUNT_ENTITIES)
    return int(rows[0]["n"]) if rows else 0


async def prepare_and_seed(
    store: GraphStore,
    scale: str = "small",
    seed_value: int = DEFAULT_SEED,
    *,
    reset: bool = False,
    if_empty: bool = False,
    progress: Callable[[SeedProgress], None] | None = None,
    truth_dir: Path | None = None,
) -> SeedReport | None:
    """``hub seed`` in full: clear the graph if ``reset``, apply migrations, then seed, unless
    ``if_empty`` and the graph already holds entities (then return None)."""
    if reset:
        await store.clear()
    await migrate(store)
    if if_empty and await entity_count(store) > 0:
        return None
    return await seed(store, scale, seed_value, progress, truth_dir)
