"""The ingest pipeline and ``hub ingest`` on the real embedded FalkorDB and the sample files."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from typer.testing import CliRunner

from connectors import connector
from hub.cli import app
from hub.errors import InputError
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.statements import Mode, statement
from hub.ingest.connector import DraftEdge, DraftNode, Parsed, Rejected
from hub.ingest.pipeline import ingest_path, ingest_stream, sharing_for
from hub.model import Distribution, stable_id

GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
SHARING = sharing_for("RS-CUS")

NODES = statement("tests.ingest.nodes", """
    MATCH (n:Entity) RETURN n.id AS id, n.rev AS rev ORDER BY id
""", Mode.READ)
EDGES = statement("tests.ingest.edges", """
    MATCH (:Entity)-[r]->(:Entity) RETURN r.id AS id, r.rev AS rev ORDER BY id
""", Mode.READ)
EVERYTHING = statement("tests.ingest.everything", """
    MATCH (n:Entity) OPTIONAL MATCH (n)-[r]->(:Entity) RETURN n {.*} AS n, r {.*} AS r
""", Mode.READ)
REFERENCES = statement("tests.ingest.references", """
    MATCH (c:Consignment) RETURN c.reference AS reference ORDER BY reference
""", Mode.READ)
NODE = statement("tests.ingest.node", "MATCH (n:Entity {id: $id}) RETURN n {.*} AS n", Mode.READ)

INPUTS = [
    ("wco-dec", SAMPLES / "wco-dec"),
    ("ephyto", SAMPLES / "ephyto"),
    ("asycuda", SAMPLES / "asycuda"),
    ("seed-plus", GOLDEN / "inputs" / "seed-plus-messages.jsonl"),
    ("aeo-register", GOLDEN / "inputs" / "aeo-register.csv"),
]


async def _snapshot(store: FalkorStore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return await store.run(NODES), await store.run(EDGES)


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=[n for n, _ in INPUTS])
async def test_ingesting_the_same_input_twice_changes_nothing(
    store: FalkorStore, tmp_path: Path, name: str, path: Path
) -> None:
    first = await ingest_path(store, connector(name), str(path), SHARING, data_dir=tmp_path)
    before = await _snapshot(store)
    second = await ingest_path(store, connector(name), str(path), SHARING, data_dir=tmp_path)
    assert first.rejected == 0
    assert first.accepted == first.read > 0
    assert first.written == len(before[0]) + len(before[1])
    assert second.written == 0
    assert second.unchanged == first.written + first.unchanged
    assert await _snapshot(store) == before
    assert not (tmp_path / "rejected").exists()


async def test_a_bad_record_and_a_broken_tail_do_not_stop_the_rest(
    store: FalkorStore, tmp_path: Path
) -> None:
    bad = GOLDEN / "bad" / "wco-dec-broken-after-two.xml"
    report = await ingest_path(store, connector("wco-dec"), str(bad), SHARING, data_dir=tmp_path)
    assert (report.read, report.accepted, report.rejected) == (3, 1, 2)
    assert await store.run(REFERENCES) == [{"reference": "RS-LRN-0001"}]
    assert [(r.origin, r.position) for r in report.rejections] == [
        (bad.name, "line 38 (<Declaration> #2)"), (bad.name, "line 53, column 46")]
    folder = report.rejected_dir
    assert folder is not None
    assert folder.parent == tmp_path / "rejected"
    reasons = [json.loads(line) for line in (folder / "reasons.jsonl").read_text().splitlines()]
    assert [r["fragment"] for r in reasons] == ["00001.xml", None]
    assert "'SRB' is not a two-letter country code" in reasons[0]["reason"]
    assert "RS-LRN-0002" in (folder / "00001.xml").read_text(encoding="utf-8")
    assert "line 53, column 46" in reasons[1]["reason"]


async def test_everything_is_stamped_with_the_submitters_sharing_and_provenance(
    store: FalkorStore, tmp_path: Path
) -> None:
    sharing = sharing_for("MK-CUS", "listed", ["RS", "RS-PHY", "case:42", "RS"])
    messages = GOLDEN / "inputs" / "seed-plus-messages.jsonl"
    await ingest_path(store, connector("seed-plus"), str(messages), sharing, data_dir=tmp_path)
    rows = await store.run(EVERYTHING)
    records = [row["n"] for row in rows] + [row["r"] for row in rows if row["r"] is not None]
    assert len(records) > 10
    for record in records:
        assert (record["owner_agency"], record["owner_party"]) == ("MK-CUS", "MK")
        assert record["distribution"] == "LISTED"
        assert record["share_with"] == ["party:RS", "agency:RS-PHY", "case:42"]
        assert record["source"] == "seed-plus"
        assert record["source_ref"] in {"RS-SEED-2026-000123", "MK-SEED-2026-004321",
                                        "ME-SEED-2026-000077"}


async def test_the_first_mention_in_a_run_wins_and_later_ones_only_add_fields(
    store: FalkorStore, tmp_path: Path
) -> None:
    messages = GOLDEN / "inputs" / "seed-plus-messages.jsonl"
    await ingest_path(store, connector("seed-plus"), str(messages), SHARING, data_dir=tmp_path)
    (exporter,) = await store.run(NODE, {"id": stable_id("Operator", "RS", "PIB", "101134702")})
    assert exporter["n"]["name"] == "AGROPLOD EXPORT D.O.O."  # not the later "Agroplod Export"
    assert exporter["n"]["source_ref"] == "RS-SEED-2026-000123"


class GrowingOperator:
    """Three source records about one operator: the second adds a field, the third is bad."""

    name = "test-growing"
    suffixes = (".txt",)
    fragment_suffix = ".txt"

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        stream.read()
        op = stable_id("Operator", "RS", "PIB", "100000008")
        addr = stable_id("Address", "somewhere")
        yield Parsed("one", "line 1", (DraftNode("Operator", op, {"name": "First"}),), ())
        yield Parsed("two", "line 2", (
            DraftNode("Operator", op, {"name": "Second", "country": "RS"}),
            DraftNode("Address", addr, {"text": "Somewhere 1"}),
        ), (DraftEdge("LOCATED_AT", op, addr),), "raw two")
        yield Parsed("three", "line 3", (
            DraftNode("Operator", stable_id("Operator", "RS", "PIB", "200000005"),
                      {"name": "Third", "colour": "red"}),
        ), (), "raw three")


@pytest.mark.parametrize("batch_records", [1, 100])
async def test_repeats_complete_the_first_record_and_writer_refusals_become_rejections(
    store: FalkorStore, tmp_path: Path, batch_records: int
) -> None:
    run = await ingest_stream(store, GrowingOperator(), io.BytesIO(b"x"), "growing.txt",
                              SHARING, data_dir=tmp_path, batch_records=batch_records)
    (row,) = await store.run(NODE, {"id": stable_id("Operator", "RS", "PIB", "100000008")})
    assert (row["n"]["name"], row["n"]["country"]) == ("First", "RS")
    assert (run.read, run.accepted, run.rejected) == (3, 2, 1)
    (rejection,) = run.rejections
    assert rejection.position == "line 3"
    assert "unknown fields ['colour']" in rejection.reason
    assert run.rejected_dir is not None
    assert (run.rejected_dir / "00001.txt").read_text() == "raw three"
    again = await ingest_stream(store, GrowingOperator(), io.BytesIO(b"x"), "growing.txt",
                                SHARING, data_dir=tmp_path, batch_records=batch_records)
    # Re-run: with one batch, nothing changes. Across batches the operator was written twice (its
    # first record, then the field a later batch added), and a re-run repeats both writes.
    assert again.written == (2 if batch_records == 1 else 0)


async def test_ephyto_attachments_are_never_stored(store: FalkorStore, tmp_path: Path) -> None:
    sample = (SAMPLES / "ephyto" / "SPSCertificateContent.xml").read_bytes()
    big = sample.replace(b"<ns1:ID>123ABC</ns1:ID>", b"<ns1:ID>BIG-1</ns1:ID>").replace(
        b'filename="TestGif.gif">', b'filename="TestGif.gif">' + b"JVBERi0x" * 500_000)
    for origin, data in (("sample.xml", sample), ("big.xml", big)):
        report = await ingest_stream(store, connector("ephyto"), io.BytesIO(data), origin,
                                     SHARING, data_dir=tmp_path)
        assert report.accepted == 1
    rows = await store.run(EVERYTHING)
    values = [str(v) for row in rows for part in (row["n"], row["r"] or {})
              for v in part.values()]
    # two certificates and consignments; the parties, addresses and vessel they share
    assert len({row["n"]["id"] for row in rows}) == 9
    assert max(len(v) for v in values) < 200
    assert not any("JVBERi0" in v for v in values)


async def test_stdin_and_directories_are_inputs_too(store: FalkorStore, tmp_path: Path) -> None:
    data = (SAMPLES / "asycuda" / "IM4-synthetic-1.xml").read_bytes()
    piped = await ingest_path(store, connector("asycuda"), "-", SHARING, data_dir=tmp_path,
                              stdin=io.BytesIO(data))
    assert (piped.files, piped.accepted, piped.bytes_read) == (1, 1, len(data))
    folder = await ingest_path(store, connector("wco-dec"), str(SAMPLES / "wco-dec"), SHARING,
                               data_dir=tmp_path)
    assert (folder.files, folder.accepted, folder.skipped_files) == (6, 6, ["LICENSE"])


async def test_progress_is_reported_by_bytes_read(store: FalkorStore, tmp_path: Path) -> None:
    class Tally:
        total = 0

        def advance(self, count: int) -> None:
            self.total += count

    tally = Tally()
    path = SAMPLES / "ephyto" / "SPSCertificateContent.xml"
    await ingest_path(store, connector("ephyto"), str(path), SHARING, data_dir=tmp_path,
                      progress=tally)
    assert tally.total == path.stat().st_size


def test_sharing_is_checked_before_anything_is_read() -> None:
    assert sharing_for("AL-PHY").distribution is Distribution.PARTY
    for args, message in (
        (("XX-CUS",), "unknown agency 'XX-CUS'"),
        (("RS-CUS", "EVERYONE"), "unknown distribution 'EVERYONE'"),
        (("RS-CUS", "LISTED"), "LISTED needs at least one --share-with"),
        (("RS-CUS", "PARTY", ["Serbia"]), "share-with entry 'Serbia' is not a party code"),
    ):
        with pytest.raises(InputError, match=message):
            sharing_for(*args)


def test_hub_ingest_prints_a_summary_and_exits_non_zero_on_rejections(
    falkor_server: EmbeddedFalkor,
) -> None:
    env = {"HUB_DATA_DIR": str(falkor_server.data_dir), "HUB_GRAPH_NAME": "test_cli_ingest",
           "HUB_GRAPH_URI": "embedded:"}
    runner = CliRunner()
    try:
        good = runner.invoke(app, ["ingest", "asycuda", str(SAMPLES / "asycuda"),
                                   "--agency", "AL-CUS", "--share-with", "RS,MK"], env=env)
        assert good.exit_code == 0, good.output
        assert "read" in good.output
        assert "rejected" in good.output
        bad = runner.invoke(app, ["ingest", "wco-dec",
                                  str(GOLDEN / "bad" / "wco-dec-broken-after-two.xml"),
                                  "--agency", "RS-CUS"], env=env)
        assert bad.exit_code == 1, bad.output
        assert "'SRB' is not a two-letter country code" in bad.output
        unknown = runner.invoke(app, ["ingest", "edifact", "x", "--agency", "RS-CUS"], env=env)
        assert unknown.exit_code == 2
        assert "unknown connector 'edifact'" in unknown.output
    finally:
        graph = FalkorStore.over_socket(str(falkor_server.socket_path), "test_cli_ingest",
                                        timeout_ms=30_000)

        async def drop() -> None:
            await graph.clear()
            await graph.close()

        asyncio.run(drop())


async def test_a_listed_audience_really_sees_what_was_shared_with_it(
    store: FalkorStore, tmp_path: Path
) -> None:
    from hub.graph.reader import GraphReader
    from hub.policy import CasbinPolicy
    from hub.principal import Principal, Role
    from hub.settings import Settings

    sharing = sharing_for("MK-CUS", "listed", ["RS-PHY"])
    messages = GOLDEN / "inputs" / "seed-plus-messages.jsonl"
    await ingest_path(store, connector("seed-plus"), str(messages), sharing, data_dir=tmp_path)
    policy = CasbinPolicy(Settings().policy_dir)

    async def consignments(agency: str, agency_type: str) -> int:
        who = Principal("u", "RS", agency, agency_type, frozenset({Role.ANALYST}), "t")
        return await GraphReader(store, policy.visibility(who)).count("Consignment", {})

    assert await consignments("RS-PHY", "phytosanitary") == 3
    assert await consignments("RS-CUS", "customs") == 0
