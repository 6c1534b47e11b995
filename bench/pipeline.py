"""The ingest pipeline (parse, validate, stamp, batch, write) vs the raw writer, same records.

    from bench.pipeline import bench_pipeline
    figures = await bench_pipeline(socket, seed_messages=5_000, declarations=500)

For SEED+ messages and WCO declarations: the pipeline's source records per second against
writing the very same records through GraphWriter alone (records parsed beforehand, untimed),
three alternated rounds each, medians reported. Target: the pipeline reaches at least 50 % of
the raw writer.
"""

from __future__ import annotations

import io
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.matching import synthetic_messages
from connectors import connector
from hub.graph.falkor import FalkorStore
from hub.graph.migrations import migrate
from hub.graph.writer import GraphWriter
from hub.ingest.connector import Parsed
from hub.ingest.pipeline import ingest_path, sharing_for
from hub.model import Provenance, Record

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "wco-dec" / "TT_IM001b.xml"


def seed_plus_input(n_trucks: int) -> bytes:
    """The matching benchmark's messages, without its made-up tax numbers (optional fields
    whose check digits it does not compute: the pipeline would rightly reject them)."""
    messages, _ = synthetic_messages(n_trucks)
    for message in messages:
        for party in ("consignor", "consignee"):
            message.get(party, {}).pop("tax_id", None)
    return "\n".join(json.dumps(m) for m in messages).encode()


def wco_inputs(n: int) -> list[bytes]:
    """``n`` distinct declarations: the sample with its functional reference and EORIs varied."""
    text = SAMPLE.read_text(encoding="utf-8")
    out = []
    for i in range(n):
        varied = re.sub(r"(<FunctionalReferenceID>)[^<]+", rf"\g<1>BENCH-{i:06d}", text)
        varied = re.sub(r"GB(\d{3})202734852", rf"GB\g<1>{i:09d}", varied)
        out.append(varied.encode())
    return out


async def _fresh(socket: str, name: str) -> FalkorStore:
    store = FalkorStore.over_socket(socket, name, 600_000)
    await store.clear()
    await migrate(store)
    return store


async def _pipeline_s(socket: str, name: str, inputs: list[bytes]) -> tuple[float, int]:
    """Seconds for one run over a folder of the inputs, as `hub ingest <connector> <dir>`
    does, on a fresh graph; and the source records it read."""
    conn = connector(name)
    with tempfile.TemporaryDirectory() as data_dir:
        store = await _fresh(socket, "bench_pipeline")
        folder = Path(data_dir) / "in"
        folder.mkdir()
        for number, blob in enumerate(inputs):
            (folder / f"in-{number:06d}{conn.suffixes[0]}").write_bytes(blob)
        started = time.perf_counter()
        report = await ingest_path(store, conn, str(folder), sharing_for("RS-CUS"),
                                   data_dir=Path(data_dir))
        elapsed = time.perf_counter() - started
        await store.clear()
        await store.close()
    return elapsed, report.read


async def _raw_s(socket: str, records: list[Record]) -> float:
    """Seconds for GraphWriter alone to write the same records on a fresh graph."""
    store = await _fresh(socket, "bench_raw_writer")
    started = time.perf_counter()
    await GraphWriter(store, batch_size=5_000).write(records)
    elapsed = time.perf_counter() - started
    await store.clear()
    await store.close()
    return elapsed


async def _compare(socket: str, name: str, inputs: list[bytes], rounds: int) -> dict[str, Any]:
    """The pipeline and the raw writer, ``rounds`` times each, alternated: on a shared
    machine one sub-second run of either is at the mercy of whatever else runs, so each side
    reports its median and the ratio is the median of the rounds' ratios."""
    conn = connector(name)
    records: list[Record] = []
    provenance = Provenance(name, "bench", 1_767_225_600_000)
    for number, blob in enumerate(inputs):
        for item in conn.parse(io.BytesIO(blob), f"in-{number}"):
            if isinstance(item, Parsed):
                records += item.stamp(sharing_for("RS-CUS"), provenance)
    pipeline, raw = [], []
    read = 0
    for _ in range(rounds):
        elapsed, read = await _pipeline_s(socket, name, inputs)
        pipeline.append(elapsed)
        raw.append(await _raw_s(socket, records))
    return {"source_records": read, "graph_records": len(records), "rounds": rounds,
            "pipeline_per_s": read / statistics.median(pipeline),
            "raw_per_s": read / statistics.median(raw),
            "ratio": statistics.median(r / p for r, p in zip(raw, pipeline, strict=True))}


async def bench_pipeline(socket: str, seed_messages: int = 5_000, declarations: int = 300,
                         rounds: int = 3) -> dict[str, dict[str, Any]]:
    """Pipeline vs raw writer for SEED+ messages and WCO declarations."""
    return {
        "seed-plus": await _compare(socket, "seed-plus", [seed_plus_input(seed_messages // 2)],
                                    rounds),
        "wco-dec": await _compare(socket, "wco-dec", wco_inputs(declarations), rounds),
    }
