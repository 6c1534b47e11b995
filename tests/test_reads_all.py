"""Every generated read statement (lists, counts and links of every kind) runs on FalkorDB and
returns exactly the matching visible records."""

from __future__ import annotations

import pytest

from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.writer import GraphWriter
from hub.model import (
    ALL_KIND_NAMES,
    ANY,
    NODE_KINDS,
    REL_KINDS,
    Distribution,
    EdgeRecord,
    NodeRecord,
    Provenance,
    Record,
    Sharing,
    stable_id,
)
from hub.visibility import Audience, Visibility

SHARED = Sharing("RS-CUS", "RS", Distribution.PARTY)
HIDDEN = Sharing("MK-CUS", "MK", Distribution.ORIGINATOR)
SOURCE = Provenance("test", "reads", 1)
VIS = Visibility(records=Audience("RS-PHY", ("RS",)), personal=Audience.nobody(),
                 kinds=ALL_KIND_NAMES)


def _node(label: str, tag: str, sharing: Sharing, value: str) -> NodeRecord:
    kind = next(k for k in NODE_KINDS if k.label == label)
    return NodeRecord(label, stable_id(label, tag), {f: value for f in kind.lookups}, sharing,
                      SOURCE)


@pytest.fixture
async def graph(store: FalkorStore) -> GraphReader:
    records: list[Record] = []
    for kind in NODE_KINDS:
        records += [_node(kind.label, "a", SHARED, "v1"), _node(kind.label, "b", SHARED, "v2"),
                    _node(kind.label, "c", HIDDEN, "v1")]
    for rel in REL_KINDS:
        source = rel.sources[0]
        target = "Operator" if rel.targets == ANY else rel.targets[0]
        a, b = stable_id(source, "a"), stable_id(target, "b")
        records.append(EdgeRecord(rel.type, a, b, SHARED, SOURCE))
        records.append(EdgeRecord(rel.type, a, stable_id(target, "c"), SHARED, SOURCE))
        records.append(EdgeRecord(rel.type, a, stable_id(target, "a"), HIDDEN, SOURCE))
    await GraphWriter(store).write(records)
    return GraphReader(store, VIS)


async def test_lists_and_counts_by_every_lookup(graph: GraphReader) -> None:
    for kind in NODE_KINDS:
        everything = await graph.list(kind.label, {}, 10, "")
        assert [r["id"] for r in everything.rows] == sorted(
            [stable_id(kind.label, "a"), stable_id(kind.label, "b")])
        assert await graph.count(kind.label, {}) == 2
        for field in kind.lookups:
            page = await graph.list(kind.label, {field: "v1"}, 10, "")
            assert [r["id"] for r in page.rows] == [stable_id(kind.label, "a")], (kind, field)
            assert await graph.count(kind.label, {field: "v2"}) == 1


async def test_links_and_counts_of_every_relationship(graph: GraphReader) -> None:
    for rel in REL_KINDS:
        source = rel.sources[0]
        target = "Operator" if rel.targets == ANY else rel.targets[0]
        out = await graph.links(stable_id(source, "a"), rel.type, True, 10, "")
        assert [r["n"]["id"] for r in out.rows] == [stable_id(target, "b")], rel.type
        assert await graph.count_links(stable_id(source, "a"), rel.type, True) == 1
        back = await graph.links(stable_id(target, "b"), rel.type, False, 10, "")
        assert [r["n"]["id"] for r in back.rows] == [stable_id(source, "a")], rel.type
        assert await graph.count_links(stable_id(target, "b"), rel.type, False) == 1
