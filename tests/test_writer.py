"""The writer path on the real embedded FalkorDB: idempotence, validation, batching."""

from __future__ import annotations

import pytest

from hub.errors import InputError
from hub.graph.falkor import FalkorStore
from hub.graph.statements import Mode, statement
from hub.graph.writer import GraphWriter
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Sharing, stable_id

SHARING = Sharing("RS-CUS", "RS", Distribution.PARTY)
SOURCE = Provenance("test", "row-1", 1_700_000_000_000)

OWNER_OF = statement(
    "tests.writer.owner_of",
    "MATCH (n:Entity {id: $id}) RETURN n.name AS name, n.owner_agency AS owner,"
    " n.distribution AS level",
)

COUNT_ALL = statement(
    "tests.count_all",
    "MATCH (n:Entity) OPTIONAL MATCH (n)-[r]->()"
    " RETURN count(DISTINCT n) AS nodes, count(r) AS edges",
)


def _records(n: int) -> list[NodeRecord | EdgeRecord]:
    records: list[NodeRecord | EdgeRecord] = []
    for i in range(n):
        op = stable_id("Operator", "RS", "PIB", 100000000 + i)
        addr = stable_id("Address", "RS", f"Street {i % 7}")
        records.append(NodeRecord("Operator", op, {"name": f"Firma {i} d.o.o."}, SHARING, SOURCE))
        records.append(NodeRecord("Address", addr, {"text": f"Street {i % 7}"}, SHARING, SOURCE))
        records.append(EdgeRecord("LOCATED_AT", op, addr, SHARING, SOURCE))
    return records


async def test_writing_twice_changes_nothing(store: FalkorStore) -> None:
    writer = GraphWriter(store, batch_size=50)
    first = await writer.write(_records(120))
    second = await writer.write(_records(120))
    counts = (await store.run(COUNT_ALL))[0]
    assert (first.nodes, first.edges, first.unchanged) == (127, 120, 0)
    assert second.unchanged == 247
    assert second.written == 0
    assert counts == {"nodes": 127, "edges": 120}


async def test_a_bad_record_stops_the_batch_before_anything_is_written(store: FalkorStore) -> None:
    records = _records(3)
    records.append(NodeRecord("Operator", stable_id("Operator", "x"), {"colour": "red"}, SHARING,
                              SOURCE))
    with pytest.raises(InputError, match="unknown fields"):
        await GraphWriter(store).write(records)
    assert (await store.run(COUNT_ALL))[0] == {"nodes": 0, "edges": 0}


async def test_edges_to_missing_nodes_are_counted_not_invented(store: FalkorStore) -> None:
    op = stable_id("Operator", "RS", "PIB", "1")
    report = await GraphWriter(store).write([
        NodeRecord("Operator", op, {"name": "A"}, SHARING, SOURCE),
        EdgeRecord("LOCATED_AT", op, stable_id("Address", "nowhere"), SHARING, SOURCE),
    ])
    assert report.dangling_edges == 1
    assert report.edges == 0


def test_edge_ends_must_match_the_model() -> None:
    op = stable_id("Operator", "RS", "PIB", "1")
    from hub.graph.writer import edge_row

    with pytest.raises(InputError, match="is not a Address"):
        edge_row(EdgeRecord("LOCATED_AT", op, op, SHARING, SOURCE))


def test_statement_mode_is_recorded() -> None:
    assert COUNT_ALL.mode is Mode.READ


async def test_only_the_owner_changes_a_record(store: FalkorStore) -> None:
    op = stable_id("Operator", "RS", "PIB", "7")
    addr = stable_id("Address", "RS", "Street 7")
    mine = [NodeRecord("Operator", op, {"name": "Original d.o.o."}, SHARING, SOURCE),
            NodeRecord("Address", addr, {"text": "Street 7"}, SHARING, SOURCE),
            EdgeRecord("LOCATED_AT", op, addr, SHARING, SOURCE)]
    await GraphWriter(store).write(mine)
    other = Sharing("MK-CUS", "MK", Distribution.CEFTA_EU)
    report = await GraphWriter(store).write([
        NodeRecord("Operator", op, {"name": "Rewritten"}, other, SOURCE),
        EdgeRecord("LOCATED_AT", op, addr, other, SOURCE),
    ])
    assert (report.foreign, report.written) == (2, 0)
    row = (await store.run(OWNER_OF, {"id": op}))[0]
    assert row == {"name": "Original d.o.o.", "owner": "RS-CUS", "level": "PARTY"}
