"""Risk scoring throughput: the batch scorer against its own evidence fetch, and the API's
explained score against the same scorer called directly, in one run on one graph.

    from bench.risk import bench_risk, table_rows
    figures = await bench_risk(store)            # a graph holding the demo dataset
    for row in table_rows(figures): table.add_row(*row)

    python -m bench.risk [--scale small] [--data-dir DIR --graph NAME]

1. batch: ``score_all`` (system evidence in UNWIND batches + the rules scorer), consignments/s,
   against fetching the same evidence without scoring;      target >= 2,000/s and >= 80 %
2. API: ``riskScore`` through ``schema.execute`` for a real caller (RS-CUS analyst through the
   policy files) against ``score_for_caller`` called directly, requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.timing import measure
from hub.analysis.risk.scorer import consignment_ids, evidence_batches, score_all, score_for_caller
from hub.analysis.risk.sources import EvidenceReader
from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.store import GraphStore
from hub.policy import CasbinPolicy
from hub.principal import Principal, Role
from hub.settings import Settings
from hub.visibility import Visibility

SCORE_QUERY = """query($id: ID!) { riskScore(consignmentId: $id) {
  score channel contributions { factor weight reason recordIds } } }"""
CALLER = Principal("bench:risk", "RS", "RS-CUS", "customs", frozenset({Role.ANALYST}), "bench")


@dataclass(frozen=True, slots=True)
class RiskFigures:
    """The measurements; ``figures["scored_per_s"]`` reads a field by name too."""

    consignments: int
    fetch_per_s: float
    scored_per_s: float
    api_per_s: float
    api_p50_ms: float
    api_p99_ms: float
    direct_per_s: float
    direct_p50_ms: float
    direct_p99_ms: float
    channels: dict[str, int]

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


async def _fetch_only(store: GraphStore) -> tuple[int, float]:
    started = time.perf_counter()
    seen = 0
    async for batch in evidence_batches(store, EvidenceReader.system(store)):
        seen += len(batch)
    return seen, seen / (time.perf_counter() - started)


async def bench_risk(store: GraphStore, requests: int = 300, concurrency: int = 4,
                     seed: int = 7) -> RiskFigures:
    """Measure on the graph in ``store`` (it is only read)."""
    await _fetch_only(store)  # warm the database's caches so that both timed passes are equal
    total, fetch_rate = await _fetch_only(store)
    report = await score_all(store)
    policy = CasbinPolicy(Settings().policy_dir)
    vis: Visibility = policy.visibility(CALLER)
    ids = [i async for page in consignment_ids(store) for i in page]
    rng = random.Random(seed)
    picks = [rng.choice(ids) for _ in range(requests)] if ids else []
    schema = build_schema()
    api_ids, direct_ids = iter(picks), iter(picks)

    async def api() -> None:
        ctx = RequestContext(principal=CALLER, visibility=vis, reader=GraphReader(store, vis),
                             policy=policy, purpose="bench")
        await schema.execute(SCORE_QUERY, variable_values={"id": next(api_ids)},
                             context_value=ctx)

    async def direct() -> None:
        await score_for_caller(store, vis, next(direct_ids))

    api_rate, api_p50, api_p99 = await measure(api, concurrency, len(picks))
    direct_rate, direct_p50, direct_p99 = await measure(direct, concurrency, len(picks))
    return RiskFigures(total, fetch_rate, report.per_second, api_rate, api_p50, api_p99,
                       direct_rate, direct_p50, direct_p99, dict(report.channels))


def table_rows(f: RiskFigures) -> list[tuple[str, str, str, str, str]]:
    """Rows for the benchmark table: (figure, hub path, baseline, ratio, target)."""
    return [
        (f"risk batch scoring, consignments/s ({f.consignments:,})",
         f"{f.scored_per_s:,.0f}", f"{f.fetch_per_s:,.0f} (evidence fetch alone)",
         f"{f.scored_per_s / f.fetch_per_s:.0%}" if f.fetch_per_s else "-",
         ">= 2,000/s, >= 80%"),
        ("riskScore via GraphQL vs direct scorer, req/s",
         f"{f.api_per_s:,.0f} (p50 {f.api_p50_ms:.0f} ms, p99 {f.api_p99_ms:.0f} ms)",
         f"{f.direct_per_s:,.0f} (p50 {f.direct_p50_ms:.0f} ms, p99 {f.direct_p99_ms:.0f} ms)",
         f"{f.api_per_s / f.direct_per_s:.0%}" if f.direct_per_s else "-", ">= 80%"),
    ]


async def _main(args: argparse.Namespace) -> None:
    console = Console()
    with tempfile.TemporaryDirectory(prefix="hub-bench-risk-") as tmp:
        server = EmbeddedFalkor(Path(args.data_dir or tmp))
        server.start()
        try:
            store = FalkorStore.over_socket(str(server.socket_path), args.graph, 3_600_000)
            if args.data_dir is None:
                from hub.demo import prepare_and_seed

                console.print(f"[bold]seeding[/] the demo dataset ({args.scale})")
                await prepare_and_seed(store, args.scale, 2025, reset=True)
            figures = await bench_risk(store, args.requests, args.concurrency)
            await store.close()
        finally:
            server.stop()
    table = Table(title="Risk scoring (same run, same machine)")
    for column in ("figure", "hub path", "baseline", "ratio", "target"):
        table.add_column(column)
    for row in table_rows(figures):
        table.add_row(*row)
    console.print(table)
    console.print("channels: " + ", ".join(f"{k} {v}" for k, v in sorted(figures.channels.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--data-dir", help="Use the graph of an existing data directory")
    parser.add_argument("--graph", default="bench_risk", help="Graph name (with --data-dir)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(_main(parser.parse_args()))
