"""Benchmarks: every figure is a ratio against a baseline measured in the same run.

    python -m bench [--operators 20000] [--concurrency 8] [--requests 600]

1. ingest: the writer path (validation, change counting) vs a raw ``UNWIND ... MERGE`` of the
   same records;                                                    target >= 50 %
2. operator profile: the GraphQL query (schema.execute with a real caller's visibility) vs
   the same statements sent directly through the store;            target >= 40 %
3. access control: the profile statements with the filter vs the same statements with the
   filter switched off;                                            target >= 80 %

The graph for 2 and 3 is the synthetic demo dataset (hub seed), in a temporary data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.profile import PROFILE_QUERY, profile_direct, profile_graphql, sample_operators
from bench.timing import measure
from hub.graph.cypher import bench as baseline
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.migrations import migrate
from hub.graph.writer import GraphWriter, edge_row, node_row
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Record, Sharing, stable_id
from hub.runtime import settle_heap

console = Console()


def ingest_records(n: int) -> list[Record]:
    sharing = Sharing("RS-CUS", "RS", Distribution.PARTY)
    source = Provenance("bench", "ingest", 1_767_225_600_000)
    records: list[Record] = []
    for i in range(n):
        op = stable_id("Operator", "RS", "PIB", 100_000_000 + i)
        address = stable_id("Address", "RS", f"Bulevar {i % 5000}")
        records.append(NodeRecord("Operator", op, {
            "name": f"Firma {i} d.o.o.", "name_latin": f"Firma {i} doo", "tax_id": str(i),
            "tax_scheme": "PIB", "country": "RS", "legal_form": "d.o.o."}, sharing, source))
        records.append(NodeRecord("Address", address, {"text": f"Bulevar {i % 5000}",
                                                       "city": "Beograd"}, sharing, source))
        records.append(EdgeRecord("LOCATED_AT", op, address, sharing, source))
    return records


async def bench_ingest(socket: str, n: int) -> tuple[float, float]:
    """Records per second: (writer, raw) on two fresh graphs, same records."""
    records = ingest_records(n)
    writer_store = FalkorStore.over_socket(socket, "bench_writer", 600_000)
    raw_store = FalkorStore.over_socket(socket, "bench_raw", 600_000)
    for store in (writer_store, raw_store):
        await store.clear()
        await migrate(store)
    started = time.perf_counter()
    await GraphWriter(writer_store).write(records)
    writer_rate = len(records) / (time.perf_counter() - started)

    # The raw baseline gets its rows prepared outside the timing: only the MERGEs are measured.
    rows = [node_row(r) if isinstance(r, NodeRecord) else edge_row(r) for r in records]
    operators = [r for r, rec in zip(rows, records, strict=True)
                 if isinstance(rec, NodeRecord) and rec.label == "Operator"]
    addresses = list({r["id"]: r for r, rec in zip(rows, records, strict=True)
                      if isinstance(rec, NodeRecord) and rec.label == "Address"}.values())
    edges = [r for r, rec in zip(rows, records, strict=True) if isinstance(rec, EdgeRecord)]
    started = time.perf_counter()
    for statement, batch in ((baseline.RAW_MERGE_NODES, operators),
                             (baseline.RAW_MERGE_ADDRESSES, addresses),
                             (baseline.RAW_MERGE_EDGES, edges)):
        for start in range(0, len(batch), 5_000):
            await raw_store.run(statement, {"rows": batch[start:start + 5_000]})
    raw_rate = len(records) / (time.perf_counter() - started)
    for store in (writer_store, raw_store):
        await store.clear()
        await store.close()
    return writer_rate, raw_rate


SECTIONS = ("ingest", "pipeline", "profile", "links", "risk", "matching")


async def main(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir) if args.data_dir else None
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        server = EmbeddedFalkor(data_dir or Path(tmp))
        server.start()
        try:
            await run(str(server.socket_path), args)
        finally:
            server.stop()


def _latency(figures: tuple[float, float, float]) -> str:
    return f"{figures[0]:,.0f} (p50 {figures[1]:.1f} ms, p99 {figures[2]:.1f} ms)"


async def run(socket: str, args: argparse.Namespace) -> None:
    sections = set(args.only.split(",")) if args.only else set(SECTIONS)
    table = Table(title="CEFTA Risk Information Hub benchmarks (same run, same machine)")
    for column in ("figure", "hub path", "baseline", "ratio", "target"):
        table.add_column(column)

    if "ingest" in sections:
        console.print(f"[bold]ingest[/] {args.operators} operators (+ addresses and edges)")
        writer_rate, raw_rate = await bench_ingest(socket, args.operators)
        table.add_row("ingest, records/s: writer vs raw UNWIND MERGE", f"{writer_rate:,.0f}",
                      f"{raw_rate:,.0f}", f"{writer_rate / raw_rate:.0%}", ">= 50%")

    if "pipeline" in sections:
        from bench.pipeline import bench_pipeline

        console.print("[bold]ingest pipeline[/] SEED+ messages and WCO declarations")
        for name, f in (await bench_pipeline(socket)).items():
            table.add_row(f"{name}: pipeline vs raw writer, source records/s",
                          f"{f['pipeline_per_s']:,.0f}", f"{f['raw_per_s']:,.0f}",
                          f"{f['ratio']:.0%}", ">= 50%")
        if sections <= {"ingest", "pipeline"}:
            console.print(table)
            return

    if args.data_dir:
        # A graph seeded beforehand (e.g. `HUB_DATA_DIR=... hub seed --scale large`).
        store = FalkorStore.over_socket(socket, args.graph, 600_000)
    else:
        store = FalkorStore.over_socket(socket, "bench_demo", 600_000)
        await store.clear()
        await migrate(store)
        from hub.demo import seed

        console.print(f"[bold]seeding[/] the demo dataset ({args.scale})")
        await seed(store, args.scale, 2025)
    operators = await sample_operators(store, 500)
    settle_heap()  # the API sections run in a process set up as `hub serve` sets up its own
    rng = random.Random(7)

    def pick() -> str:
        return rng.choice(operators)

    if "profile" in sections:
        console.print(f"[bold]operator profile[/] {args.requests} requests, "
                      f"concurrency {args.concurrency}, {len(operators)} operators")
        graphql = await measure(lambda: profile_graphql(store, pick()), args.concurrency,
                                args.requests)
        direct = await measure(lambda: profile_direct(store, pick(), filtered=True),
                               args.concurrency, args.requests)
        unfiltered = await measure(lambda: profile_direct(store, pick(), filtered=False),
                                   args.concurrency, args.requests)
        table.add_row("profile via GraphQL vs direct store, req/s", _latency(graphql),
                      _latency(direct), f"{graphql[0] / direct[0]:.0%}", ">= 40%")
        table.add_row("profile with access filter vs filter off, req/s", _latency(direct),
                      _latency(unfiltered), f"{direct[0] / unfiltered[0]:.0%}", ">= 80%")

    if "links" in sections:
        from bench.links import bench_links, bench_links_processes

        # Latency under load is mostly queueing once the clients outnumber the cores: the
        # figures come for each concurrency asked, so the curve shows where that starts.
        graph = args.graph if args.data_dir else "bench_demo"
        serving = (f", {args.link_processes} serving processes"
                   if args.link_processes > 1 else "")
        for clients in args.link_concurrency:
            console.print(f"[bold]link analysis[/] {args.requests} requests each, "
                          f"concurrency {clients}{serving}")
            if args.link_processes > 1:
                figures = await asyncio.to_thread(
                    bench_links_processes, socket, graph, operators, clients, args.requests,
                    args.link_processes)
            else:
                figures = await bench_links(store, operators, clients, args.requests)
            for name, target in (("expand", 50.0), ("paths", 100.0)):
                f = figures[name]
                extra = (f", found {figures['paths_found']:.0%}, exhaustive "
                         f"{figures['paths_exhaustive']:.0%}" if name == "paths" else "")
                table.add_row(f"{name} via GraphQL with access control, {clients} clients"
                              f"{serving}: p95 ms vs target",
                              f"{f['p95_ms']:.1f} ms (p50 {f['p50_ms']:.1f}, "
                              f"{f['requests_per_s']:,.0f}/s{extra})",
                              f"{target:.0f} ms", f"{f['p95_ms'] / target:.0%}", "<= 100%")

    if "risk" in sections:
        from bench.risk import bench_risk

        console.print("[bold]risk scoring[/]")
        figures = await bench_risk(store)
        table.add_row("batch scoring, consignments/s vs feature fetch alone",
                      f"{figures['scored_per_s']:,.0f}", f"{figures['fetch_per_s']:,.0f}",
                      f"{figures['scored_per_s'] / figures['fetch_per_s']:.0%}",
                      ">= 2,000/s")

    if "matching" in sections:
        from bench.matching import bench_matching

        console.print("[bold]SEED+ exit/entry matching[/] one day of traffic (13,000 trucks)")
        m = bench_matching()
        table.add_row("SEED+ matching, messages/s vs parsing them",
                      f"{m['messages_per_s']:,.0f} (a day in {m['day_of_traffic_s']:.2f} s)",
                      f"{m['messages'] / m['parse_s']:,.0f}",
                      f"{m['messages_per_s'] / (m['messages'] / m['parse_s']):.0%}",
                      f"headroom {m['headroom']:,.0f}x")

    if not args.data_dir:
        await store.clear()
    await store.close()
    console.print(table)
    console.print(f"operator-profile query:\n{PROFILE_QUERY}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operators", type=int, default=20_000)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--link-processes", type=int, default=1,
                        help="serving processes the link-analysis clients are split over, as "
                        "`hub serve --workers N` runs (default 1)")
    parser.add_argument("--link-concurrency", type=lambda text: [int(c) for c in text.split(",")],
                        default=[2, 4, 8], help="comma-separated client counts for the link-"
                        "analysis section (default 2,4,8: one, two and four per core of 2 cores)")
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--data-dir", help="reuse the seeded graph of this data directory")
    parser.add_argument("--graph", default="hub", help="graph name in --data-dir")
    asyncio.run(main(parser.parse_args()))
