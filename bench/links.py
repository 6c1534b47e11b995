"""The link-analysis workload: expand to depth 2 and shortest paths up to 6 hops, through the
GraphQL API (schema.execute) with a real caller's access control and the personal-data audit.

    from bench.links import bench_links
    figures = await bench_links(store, operator_ids, concurrency=8, requests=400)

Targets (on >= 1M consignments): expand depth 2 p95 <= 50 ms, paths maxHops 6 p95 <= 100 ms.
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from bench.profile import CALLER, caller_visibility
from bench.timing import percentile, run_load
from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.store import GraphStore
from hub.policy.audit import AuditTrail
from hub.visibility import Audience, Visibility

EXPAND_QUERY = """
query Expand($id: ID!) {
  expand(id: $id, depth: 2, perLevelCap: 25) {
    levels { level nodes more moreExact }
    nodes { id kind label level visibleBecause more }
    edges { id type source target visibleBecause }
  }
}
"""

PATHS_QUERY = """
query Paths($from: ID!, $to: ID!) {
  paths(from: $from, to: $to, maxHops: 6, limit: 3) {
    length exhaustive
    paths { nodes { id kind label } edges { id type } }
  }
}
"""

_SCHEMA = build_schema()


async def _measure(call: Callable[[int], Awaitable[Any]], concurrency: int,
                   requests: int) -> dict[str, float]:
    elapsed, latencies = await run_load(call, concurrency, requests)
    return {"requests_per_s": round(requests / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(percentile(latencies, 0.95), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2)}


async def _visible(store: GraphStore, ids: Sequence[str], visibility: Visibility) -> list[str]:
    """The ``ids`` the caller may see (hidden = not found)."""
    reader = GraphReader(store, visibility)
    visible: list[str] = []
    for start in range(0, len(ids), 100):
        found_rows = await reader.nodes(list(ids[start:start + 100]))
        visible += [i for i in ids[start:start + 100] if i in found_rows]
    if len(visible) < 2:
        raise ValueError("bench_links needs at least two ids visible to the RS customs analyst")
    return visible


def _plan(ids: Sequence[str], requests: int) -> tuple[list[str], list[tuple[str, str]]]:
    """The seeds of the expand requests and the pairs of the paths requests, by index."""
    rng = random.Random(11)
    seeds = [rng.choice(ids) for _ in range(requests)]
    pairs = [(a, b) for a, b in (rng.sample(list(ids), 2) for _ in range(requests))]
    return seeds, pairs


class _Caller:
    """Runs the two queries through the API as the benchmark's analyst, in one process."""

    def __init__(self, store: GraphStore, visibility: Visibility, audited: bool) -> None:
        self.store = store
        self.visibility = visibility
        self.audit = AuditTrail(store) if audited else None
        self.found: list[bool] = []
        self.exhaustive: list[bool] = []

    async def run(self, query: str, variables: dict[str, Any]) -> Any:
        ctx = RequestContext(principal=CALLER, visibility=self.visibility,
                             reader=GraphReader(self.store, self.visibility), audit=self.audit,
                             purpose="benchmark")
        result = await _SCHEMA.execute(query, variable_values=variables, context_value=ctx)
        if result.errors:
            raise RuntimeError(f"{result.errors[0].message} ({variables})")
        return result.data

    async def expand(self, seed: str) -> None:
        await self.run(EXPAND_QUERY, {"id": seed})

    async def paths(self, pair: tuple[str, str]) -> None:
        data = await self.run(PATHS_QUERY, {"from": pair[0], "to": pair[1]})
        self.found.append(data["paths"]["length"] is not None)
        self.exhaustive.append(data["paths"]["exhaustive"])


def _visibility(audited: bool) -> Visibility:
    visibility = caller_visibility()
    if not audited:  # without an audit trail the API withholds personal data: ask for none
        visibility = replace(visibility, personal=Audience.nobody())
    return visibility


async def bench_links(store: GraphStore, ids: Sequence[str], concurrency: int = 8,
                      requests: int = 400, *, audited: bool = True) -> dict[str, Any]:
    """Latency and throughput of ``expand`` (depth 2) from ``ids`` and of ``paths`` (maxHops 6)
    between random pairs of ``ids``, ``requests`` calls each at ``concurrency``. Random
    pairs are the hard case: most of them are not linked within 6 hops, and proving that
    reads the most.

    Every call runs the whole API path: parsing, validation, limits, the resolvers, the
    visibility-filtered statements and (``audited``) the audit entry for unmasked personal data;
    ``audited=False`` measures a caller without personal-data access instead.
    Ids the caller cannot see are dropped first. Returns {"expand": {...}, "paths": {...},
    "paths_found": share of pairs with a path, "paths_exhaustive": share of searches no bound
    cut, "ids": ids used}.
    """
    visibility = _visibility(audited)
    ids = await _visible(store, ids, visibility)
    seeds, pairs = _plan(ids, requests)
    caller = _Caller(store, visibility, audited)
    await caller.expand(ids[0])  # warm the parser and plan caches
    return {
        "expand": await _measure(lambda i: caller.expand(seeds[i]), concurrency, requests),
        "paths": await _measure(lambda i: caller.paths(pairs[i]), concurrency, requests),
        "paths_found": round(sum(caller.found) / max(1, len(caller.found)), 3),
        "paths_exhaustive": round(sum(caller.exhaustive) / max(1, len(caller.exhaustive)), 3),
        "ids": len(ids),
    }


def bench_links_processes(socket: str, graph: str, ids: Sequence[str], concurrency: int,
                          requests: int, processes: int) -> dict[str, Any]:
    """As :func:`bench_links` (audited), with the clients split evenly over ``processes``
    serving processes, as ``hub serve --workers N`` runs: each has its own connection,
    schema and settled heap, all start each measurement together, latencies are pooled and
    the throughput is every request over the slowest process's time."""
    import asyncio

    async def visible() -> list[str]:
        store = FalkorStore.over_socket(socket, graph, 600_000)
        try:
            return await _visible(store, ids, _visibility(True))
        finally:
            await store.close()

    shown = asyncio.run(visible())
    context = multiprocessing.get_context("spawn")
    figures: dict[str, Any] = {"ids": len(shown)}
    found: list[bool] = []
    exhaustive: list[bool] = []
    for name in ("expand", "paths"):
        barrier = context.Barrier(processes)
        results = context.Queue()
        workers = [context.Process(target=_serve_share, args=(
            socket, graph, shown, requests, name, index, processes,
            max(1, concurrency // processes), barrier, results)) for index in range(processes)]
        for worker in workers:
            worker.start()
        shares = [results.get(timeout=3_600) for _ in workers]
        for worker in workers:
            worker.join()
        failed = [share["error"] for share in shares if "error" in share]
        if failed:
            raise RuntimeError(f"a serving process failed: {failed[0]}")
        latencies = [ms for share in shares for ms in share["latencies"]]
        elapsed = max(share["elapsed"] for share in shares)
        figures[name] = {"requests_per_s": round(len(latencies) / elapsed, 1),
                         "p50_ms": round(statistics.median(latencies), 2),
                         "p95_ms": round(percentile(latencies, 0.95), 2),
                         "p99_ms": round(percentile(latencies, 0.99), 2)}
        for share in shares:
            found += share["found"]
            exhaustive += share["exhaustive"]
    figures["paths_found"] = round(sum(found) / max(1, len(found)), 3)
    figures["paths_exhaustive"] = round(sum(exhaustive) / max(1, len(exhaustive)), 3)
    return figures


def _serve_share(socket: str, graph: str, ids: list[str], requests: int, name: str,
                 index: int, processes: int, clients: int, barrier: Any, results: Any) -> None:
    """One serving process: its share of the requests (every ``processes``-th index)."""
    import asyncio

    from hub.runtime import settle_heap

    async def main() -> dict[str, Any]:
        store = FalkorStore.over_socket(socket, graph, 600_000)
        caller = _Caller(store, _visibility(True), True)
        seeds, pairs = _plan(ids, requests)
        mine = list(range(index, requests, processes))
        await caller.expand(ids[0])  # warm the parser and plan caches
        settle_heap()
        barrier.wait()

        async def call(i: int) -> None:
            if name == "expand":
                await caller.expand(seeds[mine[i]])
            else:
                await caller.paths(pairs[mine[i]])

        elapsed, latencies = await run_load(call, clients, len(mine))
        await store.close()
        return {"elapsed": elapsed, "latencies": latencies, "found": caller.found,
                "exhaustive": caller.exhaustive}

    try:
        results.put(asyncio.run(main()))
    except Exception as exc:  # reported to the parent, which raises it
        results.put({"error": f"{type(exc).__name__}: {exc}"})
        raise
