"""Batches that fill across files and go to the writer while the next ones are parsed: however
the records fall into batches, the graph comes out the same."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from connectors import connector
from hub.graph.falkor import FalkorStore
from hub.graph.migrations import migrate
from hub.graph.statements import Mode, statement
from hub.ingest.pipeline import ingest_path, sharing_for

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

GRAPH = statement("tests.ingest_batching.graph", """
    MATCH (n:Entity) OPTIONAL MATCH (n)-[r]->(:Entity)
    RETURN n {.*} AS n, r {.*} AS r
""", Mode.READ)

# Written per write, not per record: they differ with the batching by design.
_PER_WRITE = {"rev", "ingested_at"}


def _declarations(folder: Path, copies: int) -> Path:
    """The WCO samples plus ``copies`` of one with its reference varied, one file each."""
    folder.mkdir()
    for sample in sorted((SAMPLES / "wco-dec").glob("*.xml")):
        (folder / sample.name).write_bytes(sample.read_bytes())
    text = (SAMPLES / "wco-dec" / "TT_IM001b.xml").read_text(encoding="utf-8")
    for i in range(copies):
        varied = re.sub(r"(<FunctionalReferenceID>)[^<]+", rf"\g<1>COPY-{i:03d}", text)
        (folder / f"copy-{i:03d}.xml").write_text(varied, encoding="utf-8")
    return folder


async def _graph(store: FalkorStore) -> set[tuple[str, ...]]:
    def clean(entity: dict[str, Any] | None) -> str:
        shown = {k: v for k, v in (entity or {}).items() if k not in _PER_WRITE}
        return repr(sorted(shown.items()))

    return {(clean(row["n"]), clean(row["r"])) for row in await store.run(GRAPH)}


@pytest.mark.parametrize("batch_records", [1, 7, 60])
async def test_the_graph_does_not_depend_on_how_records_fall_into_batches(
    store: FalkorStore, tmp_path: Path, batch_records: int
) -> None:
    folder = _declarations(tmp_path / "in", copies=40)
    sharing = sharing_for("RS-CUS")
    one_batch = await ingest_path(store, connector("wco-dec"), str(folder), sharing,
                                  data_dir=tmp_path, batch_records=10_000)
    expected = await _graph(store)
    await store.clear()
    await migrate(store)

    report = await ingest_path(store, connector("wco-dec"), str(folder), sharing,
                               data_dir=tmp_path, batch_records=batch_records)
    assert await _graph(store) == expected
    assert (report.files, report.read, report.accepted, report.rejected) == (
        one_batch.files, one_batch.read, one_batch.accepted, 0)
    assert report.bytes_read == one_batch.bytes_read == sum(
        f.stat().st_size for f in folder.iterdir())
