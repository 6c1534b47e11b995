"""The link-analysis workload: expand to depth 2 and shortest paths up to 6 hops, through the
GraphQL API (schema.execute) with a real caller's access control and the personal-data audit.

    from bench.links import bench_links
    figures = await bench_links(store, operator_ids, concurrency=8, requests=400)

Targets (on >= 1M consignments): expand depth 2 p95 <= 50 ms, paths maxHops 6 p95 <= 100 ms.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from bench.profile import CALLER, caller_visibility
from bench.timing import percentile, run_load
from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.graph.reader import GraphReader
from hub.graph.store import GraphStore
from hub.policy.audit import AuditTrail
from hub.visibility import Audience

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
    visibility = caller_visibility()
    if not audited:  # without an audit trail the API withholds personal data: ask for none
        visibility = replace(visibility, personal=Audience.nobody())
    reader = GraphReader(store, visibility)
    visible: list[str] = []
    for start in range(0, len(ids), 100):  # only ids the caller may see: hidden = not found
        found_rows = await reader.nodes(list(ids[start:start + 100]))
        visible += [i for i in ids[start:start + 100] if i in found_rows]
    ids = visible
    if len(ids) < 2:
        raise ValueError("bench_links needs at least two ids visible to the RS customs analyst")
    audit = AuditTrail(store) if audited else None
    rng = random.Random(11)
    seeds = [rng.choice(ids) for _ in range(requests)]
    pairs = [tuple(rng.sample(list(ids), 2)) for _ in range(requests)]
    found: list[bool] = []
    exhaustive: list[bool] = []

    async def run(query: str, variables: dict[str, Any]) -> Any:
        ctx = RequestContext(principal=CALLER, visibility=visibility,
                             reader=GraphReader(store, visibility), audit=audit,
                             purpose="benchmark")
        result = await _SCHEMA.execute(query, variable_values=variables, context_value=ctx)
        if result.errors:
            raise RuntimeError(f"{result.errors[0].message} ({variables})")
        return result.data

    async def expand(index: int) -> None:
        await run(EXPAND_QUERY, {"id": seeds[index]})

    async def paths(index: int) -> None:
        a, b = pairs[index]
        data = await run(PATHS_QUERY, {"from": a, "to": b})
        found.append(data["paths"]["length"] is not None)
        exhaustive.append(data["paths"]["exhaustive"])

    await run(EXPAND_QUERY, {"id": ids[0]})  # warm the parser and plan caches
    return {
        "expand": await _measure(expand, concurrency, requests),
        "paths": await _measure(paths, concurrency, requests),
        "paths_found": round(sum(found) / max(1, len(found)), 3),
        "paths_exhaustive": round(sum(exhaustive) / max(1, len(exhaustive)), 3),
        "ids": len(ids),
    }
