"""Link analysis on the real embedded FalkorDB: expand, paths, shared identifiers, timeline,
network and exports, on a hand-built graph with hidden records in the middle of paths."""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

import networkx as nx
import pytest

from hub.analysis import exports
from hub.analysis.expansion import expand
from hub.analysis.links import ScanFilter, Scanner, Window, visible_because
from hub.analysis.network import network
from hub.analysis.paths import shortest_paths
from hub.analysis.shared import shared_identifiers
from hub.analysis.timeline import timeline
from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.errors import InputError, LimitError, NotFoundError
from hub.graph.cypher import links as statements
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.statements import Statement, statement
from hub.graph.writer import GraphWriter
from hub.model import (
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
from hub.policy.audit import AuditTrail
from hub.principal import Principal, Role
from hub.times import epoch_ms
from hub.visibility import Audience, Visibility

SRC = Provenance("test", "links", 1_700_000_000_000)
RS = Sharing("RS-PHY", "RS", Distribution.PARTY)  # visible to RS agencies
OWN = Sharing("RS-CUS", "RS", Distribution.ORIGINATOR)  # the caller's own
HIDDEN = Sharing("MK-CUS", "MK", Distribution.ORIGINATOR)  # never visible to RS
CEFTA = Sharing("MK-CUS", "MK", Distribution.CEFTA_CUSTOMS)
LISTED = Sharing("AL-CUS", "AL", Distribution.LISTED, ("party:RS",))
ALL_KINDS = tuple(k.label for k in NODE_KINDS) + tuple(k.type for k in REL_KINDS)


def vis(personal: bool = False) -> Visibility:
    records = Audience("RS-CUS", ("RS",), ("CEFTA_CUSTOMS",), ("agency:RS-CUS", "party:RS"))
    return Visibility(records=records, personal=records if personal else Audience.nobody(),
                      kinds=ALL_KINDS)


def op(name: str) -> str:
    return stable_id("Operator", "test", name)


def cons(name: str) -> str:
    return stable_id("Consignment", "test", name)


A, B = op("A"), op("B")
C1, C2, C3 = cons("C1"), cons("C2"), cons("C3")
ADDR, VEH, DRIVER = (stable_id("Address", "a"), stable_id("Vehicle", "BG1"),
                     stable_id("Person", "driver"))
BCP = stable_id("BorderCrossingPoint", "BATROVCI")
SMALL = [cons(f"S{i}") for i in range(10)]  # A exports these: declared 2025-01-01 .. 10
HIDDEN_CONS = [cons(f"H{i}") for i in range(5)]  # hidden consignments of A
HIDDEN_EDGE_CONS = [cons(f"E{i}") for i in range(3)]  # visible, but A's edge to them is hidden
CROSSED_AT = epoch_ms("2025-03-01T12:00:00Z")


def node(label: str, node_id: str, sharing: Sharing = RS, **props: Any) -> NodeRecord:
    return NodeRecord(label, node_id, props, sharing, SRC)


def edge(rel: str, source: str, target: str, sharing: Sharing = RS, **props: Any) -> EdgeRecord:
    return EdgeRecord(rel, source, target, sharing, SRC, props)


def path_graph() -> list[Record]:
    """A and B: a 2-hop path through a hidden consignment, a 2-hop path through a hidden edge,
    and two visible 4-hop paths (through a vehicle and through a driver)."""
    return [
        node("Operator", A, OWN, name="Alfa d.o.o."),
        node("Operator", B, CEFTA, name="Beta DOOEL"),
        node("Consignment", C1, HIDDEN, reference="HIDDEN-1"),
        node("Consignment", C2, RS, reference="MRN-2", declared_at="2025-03-01T08:00:00Z"),
        node("Consignment", C3, LISTED, reference="MRN-3"),
        node("Address", ADDR, RS, text="Bulevar 1", city="Beograd"),
        node("Vehicle", VEH, RS, plate="BG1"),
        node("Person", DRIVER, RS, full_name="Petar Petrović", role="driver"),
        node("BorderCrossingPoint", BCP, CEFTA, name="Batrovci"),
        edge("EXPORTER_OF", A, C1), edge("IMPORTER_OF", B, C1),
        edge("LOCATED_AT", A, ADDR), edge("LOCATED_AT", B, ADDR, HIDDEN),
        edge("EXPORTER_OF", A, C2), edge("TRANSPORTED_BY", C2, VEH), edge("DRIVEN_BY", C2, DRIVER),
        edge("EXPORTER_OF", B, C3, CEFTA), edge("TRANSPORTED_BY", C3, VEH, LISTED),
        edge("DRIVEN_BY", C3, DRIVER),
        edge("CROSSED", C2, BCP, at=CROSSED_AT, direction="exit"),
        *(node("Consignment", c, RS, reference=f"S{i}", declared_at=f"2025-01-{i + 1:02d}")
          for i, c in enumerate(SMALL)),
        *(edge("EXPORTER_OF", A, c) for c in SMALL),
        *(node("Consignment", c, HIDDEN, reference=f"H{i}") for i, c in enumerate(HIDDEN_CONS)),
        *(edge("EXPORTER_OF", A, c) for c in HIDDEN_CONS),
        *(node("Consignment", c, RS, reference=f"E{i}") for i, c in enumerate(HIDDEN_EDGE_CONS)),
        *(edge("EXPORTER_OF", A, c, HIDDEN) for c in HIDDEN_EDGE_CONS),
    ]


@pytest.fixture
async def graph(store: FalkorStore) -> FalkorStore:
    await GraphWriter(store).write(path_graph())
    return store


def scanner(store: FalkorStore, personal: bool = False, **kwargs: Any) -> Scanner:
    return Scanner(store, vis(personal), **kwargs)


# ---- expand --------------------------------------------------------------------------------------

async def test_expand_caps_a_level_and_counts_only_visible_links(graph: FalkorStore) -> None:
    result = await expand(scanner(graph), A, 1, per_level_cap=5)
    nodes = {n.id: n for n in result.graph.nodes}
    seed = nodes[A]
    # A's visible links: C2, ADDR and the ten small consignments. The hidden consignments and
    # the hidden edges are neither shown nor counted.
    assert len(nodes) == 6
    assert seed.level == 0
    assert seed.expanded
    assert seed.more == 12 - 5
    assert seed.more_exact
    assert [(s.level, s.nodes, s.more, s.more_exact) for s in result.levels] == [(1, 5, 7, True)]
    shown = set(nodes) - {A}
    assert not shown & {C1, *HIDDEN_CONS, *HIDDEN_EDGE_CONS}
    assert all(e.source == A for e in result.graph.edges)
    assert len(result.graph.edges) == 5
    everything = await expand(scanner(graph), A, 1, per_level_cap=100)
    ids = {n.id for n in everything.graph.nodes}
    assert ids == {A, C2, ADDR, *SMALL}
    assert everything.graph.nodes[0].more == 0


async def test_expand_two_levels_never_passes_hidden_records(graph: FalkorStore) -> None:
    result = await expand(scanner(graph), A, 2, per_level_cap=100)
    level = {n.id: n.level for n in result.graph.nodes}
    assert level[VEH] == level[DRIVER] == level[BCP] == 2
    # B is two hops away only through the hidden consignment or the hidden LOCATED_AT edge.
    assert B not in level
    assert C1 not in level
    assert C3 not in level  # three hops away
    for n in result.graph.nodes:
        assert n.visible_because  # explained by the same rules as the filter
    reasons = {n.id: n.visible_because for n in result.graph.nodes}
    assert reasons[A] == "owner RS-CUS"
    assert reasons[C2] == "PARTY RS"
    assert reasons[BCP] == "level CEFTA_CUSTOMS"
    assert {e.type for e in result.graph.edges} >= {"TRANSPORTED_BY", "DRIVEN_BY", "CROSSED"}
    # Masked caller: the driver's name is not in the label.
    assert {n.id: n.label for n in result.graph.nodes}[DRIVER] == "Person (masked)"
    granted = await expand(scanner(graph, personal=True), C2, 1)
    person = next(n for n in granted.graph.nodes if n.id == DRIVER)
    assert person.label == "Petar Petrović"
    assert person.personal


async def test_expand_does_not_expand_reference_nodes(graph: FalkorStore) -> None:
    result = await expand(scanner(graph), C2, 2, per_level_cap=100)
    bcp = next(n for n in result.graph.nodes if n.id == BCP)
    assert bcp.level == 1
    assert not bcp.expanded
    assert bcp.more is None
    assert any("reference node" in note for note in result.graph.notes)
    assert C3 in {n.id for n in result.graph.nodes}  # through the vehicle (and the driver)


async def test_expand_filters_by_type_kind_and_time(graph: FalkorStore) -> None:
    located = await expand(scanner(graph), A, 1, rel_types=["LOCATED_AT"])
    assert {n.id for n in located.graph.nodes} == {A, ADDR}
    assert located.graph.nodes[0].more == 0  # other types do not count under this filter
    kinds = await expand(scanner(graph), A, 1, node_kinds=["Address"])
    assert {n.id for n in kinds.graph.nodes} == {A, ADDR}
    window = Window(epoch_ms("2025-01-03T00:00:00Z"), epoch_ms("2025-01-05T23:59:59Z"))
    dated = await expand(scanner(graph), A, 1, window=window, per_level_cap=100)
    # Consignments declared 2025-01-03..05 (date-only text) and the undated address.
    assert {n.id for n in dated.graph.nodes} == {A, ADDR, *SMALL[2:5]}
    crossing = Window(CROSSED_AT - 1000, CROSSED_AT + 1000)
    inside = await expand(scanner(graph), C2, 1, window=crossing)
    assert BCP in {n.id for n in inside.graph.nodes}
    later = await expand(scanner(graph), C2, 1, window=Window(CROSSED_AT + 1000, None))
    assert BCP not in {n.id for n in later.graph.nodes}


async def test_expand_of_a_hidden_record_is_not_found_like_absent(graph: FalkorStore) -> None:
    with pytest.raises(NotFoundError) as hidden:
        await expand(scanner(graph), C1, 1)
    with pytest.raises(NotFoundError) as absent:
        await expand(scanner(graph), cons("nope"), 1)
    assert str(hidden.value).replace(C1, "X") == str(absent.value).replace(cons("nope"), "X")


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"depth": 4}, LimitError), ({"depth": 0}, LimitError),
    ({"per_level_cap": 101}, LimitError), ({"rel_types": ["NOPE"]}, InputError),
    ({"node_kinds": ["Nope"]}, InputError),
])
async def test_expand_limits(graph: FalkorStore, kwargs: dict[str, Any],
                             error: type[Exception]) -> None:
    args = {"depth": 1, **kwargs}
    depth = args.pop("depth")
    with pytest.raises(error):
        await expand(scanner(graph), A, depth, **args)
    with pytest.raises(InputError, match="after until"):
        Window(10, 5)


async def test_a_super_node_costs_the_budget_and_gives_a_lower_bound(graph: FalkorStore) -> None:
    # Budget 8: A (12 visible links) cannot be read whole; C2 and ADDR can.
    small = scanner(graph, budget=8)
    found = await small.scan([A, C2, ADDR], ScanFilter(), 5, settle_at=5)
    assert not found[A].exact
    assert 5 <= found[A].total <= 8
    assert found[C2].exact
    assert found[C2].total == 4
    assert found[ADDR].exact
    assert found[ADDR].total == 1
    # Without settling, halves are read again until single nodes are left.
    split = await small.scan([A, C2, ADDR], ScanFilter(), 20)
    assert split[C2].exact
    assert split[ADDR].exact
    assert not split[A].exact


async def test_typed_reach_answers_as_the_untyped_one(graph: FalkorStore) -> None:
    # A read of one kind names the relationship types that kind can have (an operator's
    # outgoing and incoming ones apart); it must find and count what the untyped read
    # does, hidden edges (B-ADDR, A-E0..E2) and hidden nodes left out alike, and a neighbour
    # linked both ways (SAME_AS) once.
    lpco = stable_id("Lpco", "licence")
    extra = [edge("SAME_AS", A, B), edge("SAME_AS", B, A), node("Lpco", lpco, RS, number="L1"),
             edge("ISSUED_TO", lpco, A), edge("ISSUED_TO", lpco, B, HIDDEN)]
    await GraphWriter(graph).write(extra)
    records = path_graph() + extra
    kinds = {r.id: r.label for r in records if isinstance(r, NodeRecord)}
    where = ScanFilter()
    for kind in sorted(set(kinds.values()) | set(statements.REACH_BY_KIND)):
        ids = [i for i, k in kinds.items() if k == kind] or [stable_id(kind, "absent")]
        typed = await scanner(graph).reach(ids, where, kind=kind)
        untyped = await scanner(graph).reach(ids, where)
        assert {n: (r.total, sorted((k, sorted(i)) for k, i in r.groups))
                for n, r in typed.items()} == {
            n: (r.total, sorted((k, sorted(i)) for k, i in r.groups))
            for n, r in untyped.items()}, kind
    assert (await scanner(graph).reach([A], where, kind="Operator"))[A].total == 14
    hidden_edge = (await scanner(graph).reach([ADDR], where, kind="Address"))[ADDR]
    assert [i for _, ids in hidden_edge.groups for i in ids] == [A]  # B's edge is hidden


# ---- paths ---------------------------------------------------------------------------------------

async def test_paths_avoid_hidden_nodes_and_edges(graph: FalkorStore) -> None:
    result = await shortest_paths(scanner(graph), A, B, 6, limit=10)
    # The 2-hop paths run through a hidden consignment or a hidden edge: the answer is the
    # visible 4-hop paths, through the vehicle and through the driver, both edges directions.
    assert result.length == 4
    assert result.exhaustive
    assert sorted(p.nodes for p in result.paths) == sorted([(A, C2, VEH, C3, B),
                                                            (A, C2, DRIVER, C3, B)])
    edges = {e.id: e for e in result.graph.edges}
    for path in result.paths:
        for (left, right), edge_id in zip(itertools.pairwise(path.nodes), path.edges,
                                          strict=True):
            assert {edges[edge_id].source, edges[edge_id].target} == {left, right}
    visible = {n.id for n in result.graph.nodes}
    assert C1 not in visible
    assert ADDR not in visible
    one = await shortest_paths(scanner(graph), B, A, 6, limit=1)
    assert len(one.paths) == 1
    assert one.paths[0].nodes[0] == B
    assert one.length == 4


async def test_paths_around_hidden_edges_are_the_same_with_every_type_named(
        graph: FalkorStore) -> None:
    # Around hidden edges between visible records (B-ADDR, A-E0..E2), a search filtered on
    # every relationship type must answer exactly as an unfiltered one, for every pair.
    every_type = [k.type for k in REL_KINDS]
    ends = [A, B, C2, C3, ADDR, VEH, DRIVER, *HIDDEN_EDGE_CONS[:2], SMALL[0]]
    for source, target in itertools.permutations(ends, 2):
        node_level = await shortest_paths(scanner(graph), source, target, 6, limit=10)
        by_edge = await shortest_paths(scanner(graph), source, target, 6, limit=10,
                                       rel_types=every_type)
        assert node_level.length == by_edge.length, (source, target)
        assert node_level.exhaustive == by_edge.exhaustive, (source, target)
        assert sorted((p.nodes, p.edges) for p in node_level.paths) == sorted(
            (p.nodes, p.edges) for p in by_edge.paths), (source, target)


async def test_paths_respect_types_hops_and_time(graph: FalkorStore) -> None:
    no_vehicle = await shortest_paths(scanner(graph), A, B, 6, limit=10,
                                      rel_types=["EXPORTER_OF", "DRIVEN_BY"])
    assert [p.nodes for p in no_vehicle.paths] == [(A, C2, DRIVER, C3, B)]
    short = await shortest_paths(scanner(graph), A, B, 3)
    assert short.paths == ()
    assert short.length is None
    # C2 was declared on 2025-03-01: a window before that removes every path.
    early = Window(None, epoch_ms("2025-02-01T00:00:00Z"))
    assert (await shortest_paths(scanner(graph), A, B, 6, window=early)).paths == ()
    # The same filters hold on a search whose last hop finds the path (maxHops = length).
    last = await shortest_paths(scanner(graph), A, B, 4, limit=10,
                                rel_types=["EXPORTER_OF", "DRIVEN_BY"])
    assert [p.nodes for p in last.paths] == [(A, C2, DRIVER, C3, B)]
    assert (await shortest_paths(scanner(graph), A, B, 4, window=early)).paths == ()
    with pytest.raises(NotFoundError):
        await shortest_paths(scanner(graph), A, C1)
    with pytest.raises(LimitError):
        await shortest_paths(scanner(graph), A, B, 7)
    with pytest.raises(InputError):
        await shortest_paths(scanner(graph), A, A)


async def test_paths_never_walk_through_reference_nodes(store: FalkorStore) -> None:
    x, y = cons("X"), cons("Y")
    await GraphWriter(store).write([
        node("Consignment", x, RS, reference="X"), node("Consignment", y, RS, reference="Y"),
        node("BorderCrossingPoint", BCP, RS, name="Batrovci"),
        edge("CROSSED", x, BCP), edge("CROSSED", y, BCP)])
    assert (await shortest_paths(scanner(store), x, y)).paths == ()
    to_bcp = await shortest_paths(scanner(store), x, BCP)
    assert [p.nodes for p in to_bcp.paths] == [(x, BCP)]


async def test_paths_do_not_walk_through_super_nodes(graph: FalkorStore) -> None:
    await GraphWriter(graph).write([node("Consignment", cons("C9"), RS, reference="C9"),
                                    edge("TRANSPORTED_BY", cons("C9"), VEH)])
    both = await shortest_paths(scanner(graph), A, C3, 6, limit=10)
    assert sorted(p.nodes for p in both.paths) == [(A, C2, DRIVER, C3), (A, C2, VEH, C3)]
    # With three links the vehicle is a super-node: reached, not walked through.
    bounded = await shortest_paths(scanner(graph), A, C3, 6, limit=10, super_degree=3)
    assert [p.nodes for p in bounded.paths] == [(A, C2, DRIVER, C3)]
    assert not bounded.exhaustive
    assert any("super-node" in note for note in bounded.graph.notes)
    # The same when the vehicle is met on the last hop the search may take, which reads only
    # the links to the other side and then the nodes they leave from.
    for hops in (3, 4):
        last = await shortest_paths(scanner(graph), A, C3, hops, limit=10, super_degree=3)
        assert [p.nodes for p in last.paths] == [(A, C2, DRIVER, C3)], hops
        unbounded = await shortest_paths(scanner(graph), A, C3, hops, limit=10)
        assert sorted(p.nodes for p in unbounded.paths) == sorted(p.nodes for p in both.paths)


async def test_a_capped_search_says_so_and_returns_only_real_paths(
        graph: FalkorStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # With a frontier cap of one node a hop stops early; nodes left unread stay reached and
    # the other side may still meet them. Whatever is found is a real, visible path.
    monkeypatch.setattr("hub.analysis.paths.MAX_FRONTIER", 1)
    for source, target in ((A, B), (B, A), (A, C3)):
        result = await shortest_paths(scanner(graph), source, target, 6, limit=10)
        assert not result.exhaustive, (source, target)
        edges = {e.id: e for e in result.graph.edges}
        for path in result.paths:
            assert (path.nodes[0], path.nodes[-1]) == (source, target)
            assert not {C1, *HIDDEN_CONS} & set(path.nodes)
            for (left, right), edge_id in zip(itertools.pairwise(path.nodes), path.edges,
                                              strict=True):
                assert {edges[edge_id].source, edges[edge_id].target} == {left, right}


async def test_the_last_hop_reads_only_links_to_the_other_side(graph: FalkorStore) -> None:
    # Only links to members come back, through visible records: the hidden consignment C1 is
    # no frontier node, and B's hidden edge to the address never counts.
    where = ScanFilter(kinds=tuple(k.label for k in NODE_KINDS), admit=(A, B))
    links, complete = await scanner(graph).meet([C2, C1, A, B], [VEH, DRIVER, C3, ADDR], where)
    assert complete
    assert {node: sorted(ids) for node, ids in links.items()} == {
        C2: sorted([VEH, DRIVER]), A: [ADDR], B: [C3]}


FILTERED_SHORTEST = statement(
    "tests.links.filtered_all_shortest_paths",
    # The Cypher form a filtered shortest path would take (CYPHER.md's undirected form).
    """
    MATCH (a:Entity {id: $a})
    MATCH (b:Entity {id: $b})
    WITH a, b
    MATCH p = allShortestPaths((a)-[*..6]-(b))
    WHERE all(x IN nodes(p) WHERE @visible(x)) AND all(r IN relationships(p) WHERE @visible(r))
    RETURN [x IN nodes(p) | x.id] AS ids
    """,
)


async def test_why_paths_is_a_search_and_not_shortest_path_in_cypher(graph: FalkorStore) -> None:
    # FalkorDB 4.16 finds the shortest paths first and filters them after: the 2-hop paths
    # through hidden records are dropped and nothing is left, although visible 4-hop paths
    # exist. If this starts returning them, the engine filters during the search and the
    # Cypher form could replace the bidirectional search in hub.analysis.paths.
    rows = await graph.run(FILTERED_SHORTEST, {"a": A, "b": B, "vis": vis().as_params()})
    assert rows == []
    assert (await shortest_paths(scanner(graph), A, B)).length == 4


# ---- shared identifiers --------------------------------------------------------------------------

O1, O2, O3, O4, D = op("O1"), op("O2"), op("O3"), op("O4"), op("declarant")
PHONE, MAIL, HIDDEN_PHONE = (stable_id("Contact", "phone"), stable_id("Contact", "mail"),
                             stable_id("Contact", "hidden"))
AD12, AD13, AD2, AD3, BIG = (stable_id("Address", n) for n in ("12", "13", "2", "3", "big"))
TRUCK, CA, CB = stable_id("Vehicle", "TRUCK"), cons("CA"), cons("CB")
CROWD = [op(f"crowd{i}") for i in range(4)]


def shared_graph() -> list[Record]:
    return [
        *(node("Operator", o, RS, name=o[-4:]) for o in (O1, O2, O3, O4, D, *CROWD)),
        node("Contact", PHONE, RS, channel="phone", value="+381 11 123"),
        node("Contact", MAIL, RS, channel="email", value="x@y.rs"),
        node("Contact", HIDDEN_PHONE, RS, channel="phone", value="+381 11 999"),
        node("Address", AD12, RS, text="Knez 1", city="Beograd"),
        node("Address", AD13, RS, text="Knez 2", city="Beograd"),
        node("Address", AD2, RS, text="Futoška 1", city="Novi Sad"),
        node("Address", AD3, RS, text="Futoška 9", city=" novi sad"),
        node("Address", BIG, RS, text="Slobodna zona", city="Pančevo"),
        node("Vehicle", TRUCK, RS, plate="NS1"),
        node("Consignment", CA, RS, reference="CA"), node("Consignment", CB, RS, reference="CB"),
        edge("REACHABLE_AT", O1, PHONE), edge("REACHABLE_AT", O2, PHONE),
        edge("REACHABLE_AT", O1, HIDDEN_PHONE), edge("REACHABLE_AT", O4, HIDDEN_PHONE, HIDDEN),
        edge("LOCATED_AT", O1, AD12), edge("LOCATED_AT", O2, AD12),
        edge("LOCATED_AT", O1, AD13), edge("LOCATED_AT", O3, AD13),
        edge("LOCATED_AT", O4, AD13),
        edge("LOCATED_AT", O2, AD2), edge("LOCATED_AT", O3, AD3),
        *(edge("LOCATED_AT", o, BIG) for o in (O1, O2, O3, *CROWD)),
        edge("EXPORTER_OF", O1, CA), edge("IMPORTER_OF", O4, CB),
        edge("TRANSPORTED_BY", CA, TRUCK), edge("TRANSPORTED_BY", CB, TRUCK),
        edge("DECLARANT_OF", D, CA), edge("DECLARANT_OF", D, CB),
    ]


async def test_shared_identifiers_weigh_classes_and_degrees(store: FalkorStore) -> None:
    await GraphWriter(store).write(shared_graph())
    result = await shared_identifiers(scanner(store), [O1, O2, O3, O4], max_degree=5)
    pairs = {frozenset((p.a, p.b)): p for p in result.pairs}
    o1o2 = pairs[frozenset((O1, O2))]
    weights = {i.item_class: i.weight for i in o1o2.items}
    # A phone two operators share: 5 / log2(2 + 2); their address: 3 / log2(4).
    assert weights == {"phone": 2.5, "address": 1.5}
    assert o1o2.score == 4.0
    assert [i.item_class for i in o1o2.items] == ["phone", "address"]  # heaviest first
    o1o3 = pairs[frozenset((O1, O3))]
    assert [(i.id, i.degree) for i in o1o3.items] == [(AD13, 3)]
    assert o1o3.score == pytest.approx(3 / 2.321928, abs=1e-4)
    # O2 and O3 share only cities (one spelt differently; the free zone's city does not count
    # as the free zone is skipped); a city weighs less than an address.
    o2o3 = pairs[frozenset((O2, O3))]
    assert [(i.item_class, i.label, i.weight) for i in o2o3.items] == [
        ("city", "Beograd", 0.5), ("city", "Novi Sad", 0.5)]
    # O1 and O4: the truck of their consignments and the declarant; the phone O4 uses
    # through a hidden edge is not shared.
    o1o4 = {i.id: i for i in pairs[frozenset((O1, O4))].items}
    assert set(o1o4) == {AD13, TRUCK, D}
    assert o1o4[TRUCK].item_class == "vehicle"
    assert o1o4[TRUCK].weight == 1.0
    assert o1o4[D].item_class == "declarant"
    assert o1o4[D].weight == 0.5
    # The free-zone address has 7 visible operators (> max_degree 5): skipped with a note.
    assert all(BIG not in {i.id for i in p.items} for p in result.pairs)
    assert any(BIG in note and "super-node" in note for note in result.notes)
    assert [p.score for p in result.pairs] == sorted((p.score for p in result.pairs),
                                                     reverse=True)


async def test_shared_identifiers_of_one_operator_against_all(store: FalkorStore) -> None:
    await GraphWriter(store).write(shared_graph())
    result = await shared_identifiers(scanner(store), [O1], against_all=True, max_degree=5)
    assert [p.b for p in result.pairs] == [O2, O4, O3]  # 4.0, 0.86+1.0+0.5, 1.29
    assert all(p.a == O1 for p in result.pairs)
    wide = await shared_identifiers(scanner(store), [O1], against_all=True, max_degree=10,
                                    limit=3)
    assert len(wide.pairs) == 3
    assert {p.b for p in wide.pairs} == {O2, O3, O4}
    with pytest.raises(NotFoundError):
        await shared_identifiers(scanner(store), [O1, PHONE])
    with pytest.raises(LimitError):
        await shared_identifiers(scanner(store), [O1])


# ---- timeline ------------------------------------------------------------------------------------

T = op("T")
TC1, TC2, TC3, TC4 = (cons(f"T{i}") for i in range(1, 5))
CTRL, ALERT, LPCO = (stable_id("ControlResult", "k"), stable_id("RiskAlert", "a"),
                     stable_id("Lpco", "l"))


def timeline_graph() -> list[Record]:
    return [
        node("Operator", T, RS, name="Timeline d.o.o."),
        node("Consignment", TC1, RS, reference="T1", declared_at="2025-02-01T10:00:00Z"),
        node("Consignment", TC2, RS, reference="T2", declared_at="2025-02-03T10:00:00Z"),
        node("Consignment", TC3, RS, reference="T3", declared_at="2025-02-02"),
        node("Consignment", TC4, HIDDEN, reference="T4", declared_at="2025-02-02T11:00:00Z"),
        node("BorderCrossingPoint", BCP, RS, name="Batrovci"),
        node("ControlResult", CTRL, RS, control_type="physical", outcome="irregularity",
             controlled_at="2025-02-04T08:00:00Z"),
        node("RiskAlert", ALERT, RS, title="Undervaluation", valid_from="2025-02-02T09:00:00Z"),
        node("Lpco", LPCO, RS, number="PHYTO-1", issued_at="2025-01-20",
             valid_until="2025-06-30"),
        edge("EXPORTER_OF", T, TC1), edge("EXPORTER_OF", T, TC2), edge("EXPORTER_OF", T, TC3),
        edge("EXPORTER_OF", T, TC4),
        edge("CROSSED", TC1, BCP, at=epoch_ms("2025-02-01T12:00:00Z")),
        edge("CROSSED", TC3, BCP, HIDDEN, at=epoch_ms("2025-02-02T12:00:00Z")),
        edge("OF", CTRL, TC2), edge("CONCERNS", ALERT, T), edge("CONCERNS", ALERT, TC1),
        edge("ISSUED_TO", LPCO, T), edge("COVERED_BY", TC1, LPCO),
    ]


EXPECTED = [("lpco_issued", LPCO), ("declared", TC1), ("crossed", None), ("declared", TC3),
            ("alert", ALERT), ("declared", TC2), ("controlled", CTRL), ("lpco_expires", LPCO)]


async def test_timeline_orders_events_and_hides_what_is_hidden(store: FalkorStore) -> None:
    await GraphWriter(store).write(timeline_graph())
    page = await timeline(scanner(store), T, first=100)
    got = [(e.type, e.record.id if e.type != "crossed" else None) for e in page.events]
    assert got == EXPECTED
    assert not page.has_next
    assert [e.at for e in page.events] == sorted(e.at for e in page.events)
    crossing = page.events[2]
    assert crossing.related is not None
    assert crossing.related.id == BCP
    assert crossing.record.id == TC1
    assert crossing.visible_because == "PARTY RS"
    assert all(e.record.id != TC4 for e in page.events)  # hidden consignment
    dated = await timeline(scanner(store), T, first=100, window=Window(
        epoch_ms("2025-02-02T00:00:00Z"), epoch_ms("2025-02-03T23:00:00Z")))
    assert [(e.type, e.record.id) for e in dated.events] == [
        ("declared", TC3), ("alert", ALERT), ("declared", TC2)]


async def test_timeline_pages_by_keyset_without_gaps_or_repeats(store: FalkorStore) -> None:
    await GraphWriter(store).write(timeline_graph())
    seen, after, pages = [], None, 0
    while True:
        page = await timeline(scanner(store), T, first=3, after=after)
        seen += [e.id for e in page.events]
        pages += 1
        after = dict(page.positions)
        if not page.has_next:
            break
    whole = await timeline(scanner(store), T, first=100)
    assert seen == [e.id for e in whole.events]
    assert pages == 3
    own = await timeline(scanner(store), LPCO, first=100)
    assert [(e.type, e.record.id) for e in own.events] == [
        ("lpco_issued", LPCO), ("declared", TC1), ("crossed", TC1), ("alert", ALERT),
        ("lpco_expires", LPCO)]
    with pytest.raises(NotFoundError):
        await timeline(scanner(store), TC4)
    with pytest.raises(LimitError):
        await timeline(scanner(store), T, first=101)


# ---- network -------------------------------------------------------------------------------------

X1, X2, X3, X4, X5, X6 = op("X1"), cons("X2"), op("X3"), op("X4"), stable_id("Address", "X5"), (
    stable_id("Vehicle", "X6"))


async def test_network_measures_on_a_known_graph(store: FalkorStore) -> None:
    await GraphWriter(store).write([
        node("Operator", X1, RS, name="X1"), node("Consignment", X2, RS, reference="X2"),
        node("Operator", X3, RS, name="X3"), node("Operator", X4, RS, name="X4"),
        node("Address", X5, RS, text="X5"), node("Vehicle", X6, RS, plate="X6"),
        edge("EXPORTER_OF", X1, X2), edge("IMPORTER_OF", X3, X2), edge("LOCATED_AT", X4, X5),
        edge("LOCATED_AT", X3, X5, HIDDEN),  # would join the two parts
    ])
    result = await network(scanner(store), [X1, X2, X3, X4, X5, X6], 0)
    m = result.measures
    assert result.components == 3
    assert result.communities == 3
    assert len(result.graph.edges) == 3
    assert {n: m[n].degree for n in m} == {X1: 1, X2: 2, X3: 1, X4: 1, X5: 1, X6: 0}
    assert m[X1].component == m[X2].component == m[X3].component == 0
    assert m[X4].component == m[X5].component == 1
    assert m[X6].component == 2
    # One pair (X1, X3) of the 10 pairs of the other nodes runs through X2.
    assert m[X2].betweenness == pytest.approx(0.1)
    assert m[X1].betweenness == 0
    assert m[X2].pagerank > m[X1].pagerank
    grown = await network(scanner(store), [X1], 2)
    assert {n.id for n in grown.graph.nodes} == {X1, X2, X3}
    assert grown.components == 1
    with pytest.raises(LimitError):
        await network(scanner(store), [X1], 3)


async def test_network_edges_include_links_the_expansion_did_not_walk(graph: FalkorStore) -> None:
    result = await network(scanner(graph), [C2], 1, node_cap=10)
    ends = {frozenset((e.source, e.target)) for e in result.graph.edges}
    assert frozenset((A, C2)) in ends
    assert len(result.graph.nodes) == 5
    inner = await network(scanner(graph), [VEH, DRIVER, C3], 0)
    assert {frozenset((e.source, e.target)) for e in inner.graph.edges} == {
        frozenset((C3, VEH)), frozenset((C3, DRIVER))}


# ---- exports -------------------------------------------------------------------------------------

async def test_exports_parse_back(store: FalkorStore) -> None:
    tricky = op("tricky")
    await GraphWriter(store).write([
        node("Operator", tricky, RS, name="=HYPERLINK(\"x\") & <Co> \x01"),
        node("Consignment", C2, RS, reference="MRN-2", declared_at="2025-03-01T08:00:00Z"),
        node("BorderCrossingPoint", BCP, RS, name="Batrovci"),
        edge("EXPORTER_OF", tricky, C2), edge("CROSSED", C2, BCP, at=CROSSED_AT),
    ])
    result = await network(scanner(store), [tricky], 2)
    graph = result.graph
    graphml = exports.export(graph, exports.ExportFormat.GRAPHML, result.measures)
    parsed = nx.read_graphml(io.StringIO(graphml), force_multigraph=True)
    assert set(parsed.nodes) == {tricky, C2, BCP}
    assert parsed.number_of_edges() == 2
    assert parsed.nodes[tricky]["label"] == "=HYPERLINK(\"x\") & <Co> \ufffd"
    assert parsed.nodes[C2]["degree"] == 2
    assert {d["type"] for _, _, d in parsed.edges(data=True)} == {"EXPORTER_OF", "CROSSED"}

    rows = list(csv.reader(io.StringIO(exports.export(graph, exports.ExportFormat.I2_CSV))))
    assert tuple(rows[0]) == exports.I2_COLUMNS
    assert len(rows) == 3
    by_type = {row[3]: row for row in rows[1:]}
    assert by_type["EXPORTER_OF"][:3] == ["Operator", tricky, "'=HYPERLINK(\"x\") & <Co> \x01"]
    assert by_type["EXPORTER_OF"][7] == "2025-03-01T08:00:00Z"  # the consignment's date
    assert by_type["CROSSED"][7] == "2025-03-01T12:00:00Z"  # the crossing's own time

    data = json.loads(exports.export(graph, exports.ExportFormat.CYTOSCAPE_JSON))
    assert {n["data"]["id"] for n in data["elements"]["nodes"]} == {tricky, C2, BCP}
    assert all({"source", "target", "id"} <= set(e["data"]) for e in data["elements"]["edges"])
    lone = await network(scanner(store), [tricky], 0)
    lone_rows = list(csv.reader(io.StringIO(exports.to_i2_csv(lone.graph))))
    assert lone_rows[1][:3] == ["Operator", tricky, "'=HYPERLINK(\"x\") & <Co> \x01"]


# ---- the access-filter explanation and the plans -------------------------------------------------

def test_visible_because_follows_the_filter_rules() -> None:
    v = vis()
    assert visible_because(OWN.as_props(), v) == "owner RS-CUS"
    assert visible_because(RS.as_props() | {"owner_agency": "RS-PHY"}, v) == "PARTY RS"
    assert visible_because(CEFTA.as_props(), v) == "level CEFTA_CUSTOMS"
    assert visible_because(LISTED.as_props(), v) == "shared with party:RS"
    with pytest.raises(LookupError):
        visible_because(HIDDEN.as_props(), v)


PLAN_PARAMS: dict[str, dict[str, Any]] = {
    "links.neighbours": {"frontier": ["x"], "q": ScanFilter().params(), "k": 5, "budget": 10},
    "links.nodes": {"ids": ["x"]},
    **{s.name: {"frontier": ["x"], "q": ScanFilter().params(), "budget": 10}
       for s in (statements.REACH, *statements.REACH_BY_KIND.values())},
    "links.meet": {"frontier": ["x"], "q": ScanFilter().params(), "budget": 10,
                   "members": ["y"]},
    "links.between": {"pairs": [["a", "b"]], "q": ScanFilter().params()},
    "links.identifiers": {"ids": ["x"], "budget": 10},
    "links.item_operators": {"items": ["x"], "budget": 10},
    "links.timeline.self": {"id": "x", "budget": 10},
    "links.timeline": {"id": "x", "budget": 10, "first": 5, "w": Window().params(),
                       "c": {f"{n}_{k}": None for n in statements.TIMELINE_CLASSES
                             for k in ("t", "id")}},
}


@pytest.mark.parametrize("statement", [s for s in (
    statements.NEIGHBOURS, statements.REACH, *statements.REACH_BY_KIND.values(),
    statements.MEET, statements.BETWEEN, statements.NODES, statements.IDENTIFIERS,
    statements.ITEM_OPERATORS,
    statements.TIMELINE_SELF, statements.TIMELINE)], ids=lambda s: s.name)
async def test_link_statements_start_from_the_id_index(store: FalkorStore,
                                                       statement: Statement) -> None:
    plan = await store.plan(statement, {**PLAN_PARAMS[statement.name], "vis": vis().as_params()})
    assert "Node By Index Scan" in plan, plan
    assert "All Node Scan" not in plan, plan
    assert "Label Scan" not in plan, plan


# ---- through the API -----------------------------------------------------------------------------

SCHEMA = build_schema()


async def api(store: FalkorStore, query: str, personal: bool = False,
              **variables: Any) -> tuple[Any, RequestContext]:
    v = vis(personal)
    ctx = RequestContext(principal=Principal("u", "RS", "RS-CUS", "customs",
                                             frozenset({Role.ANALYST}), "t"),
                         visibility=v, reader=GraphReader(store, v), audit=AuditTrail(store),
                         purpose="case 7")
    result = await SCHEMA.execute(query, variable_values=variables, context_value=ctx)
    if result.errors:
        return {"errors": [(e.message, (e.extensions or {}).get("code"))
                           for e in result.errors]}, ctx
    return result.data, ctx


async def test_api_expand_and_paths(graph: FalkorStore) -> None:
    data, _ = await api(graph, """query($id: ID!) { expand(id: $id, depth: 1, perLevelCap: 3) {
        seed levels { level nodes more moreExact } notes
        nodes { id kind label level visibleBecause expanded more moreExact
                record { id ... on Operator { name } } }
        edges { id type source target visibleBecause } } }""", id=A)
    result = data["expand"]
    assert result["levels"] == [{"level": 1, "nodes": 3, "more": 9, "moreExact": True}]
    assert result["nodes"][0]["record"] == {"id": A, "name": "Alfa d.o.o."}
    data, _ = await api(graph, """query($a: ID!, $b: ID!) { paths(from: $a, to: $b, limit: 5) {
        length exhaustive paths { length nodes { id label } edges { type } } } }""", a=A, b=B)
    assert data["paths"]["length"] == 4
    assert len(data["paths"]["paths"]) == 2
    labels = {n["label"] for p in data["paths"]["paths"] for n in p["nodes"]}
    assert "Person (masked)" in labels
    assert "Petar Petrović" not in labels


async def test_api_personal_labels_are_audited(graph: FalkorStore) -> None:
    query = "query($id: ID!) { expand(id: $id) { nodes { id label } } }"
    data, ctx = await api(graph, query, personal=True, id=C2)
    assert {n["label"] for n in data["expand"]["nodes"]} >= {"Petar Petrović"}
    assert ctx.personal_reads == {DRIVER: "RS-PHY"}
    masked, ctx = await api(graph, query, id=C2)
    assert "Person (masked)" in {n["label"] for n in masked["expand"]["nodes"]}
    assert ctx.personal_reads == {}


async def test_api_shared_timeline_network_export(store: FalkorStore) -> None:
    await GraphWriter(store).write(shared_graph() + timeline_graph())
    data, _ = await api(store, """query($ids: [ID!]!) { sharedIdentifiers(operatorIds: $ids,
        maxDegree: 5) { notes pairs { a b score items { class weight degree reason } } } }""",
                        ids=[O1, O2])
    pair = data["sharedIdentifiers"]["pairs"][0]
    assert pair["score"] == 4.0
    assert [i["class"] for i in pair["items"]] == ["phone", "address"]
    query = """query($id: ID!, $after: String) { timeline(id: $id, first: 5, after: $after) {
        edges { cursor node { id type at time record { id label } } }
        pageInfo { hasNextPage endCursor } } }"""
    first, _ = await api(store, query, id=T)
    page = first["timeline"]
    assert page["pageInfo"]["hasNextPage"]
    assert len(page["edges"]) == 5
    rest, _ = await api(store, query, id=T, after=page["pageInfo"]["endCursor"])
    types = [e["node"]["type"] for e in page["edges"] + rest["timeline"]["edges"]]
    assert types == [t for t, _ in EXPECTED]
    middle, _ = await api(store, query, id=T, after=page["edges"][1]["cursor"])
    assert [e["node"]["type"] for e in middle["timeline"]["edges"]] == types[2:7]
    bad, _ = await api(store, query, id=T, after="bogus")
    assert bad["errors"][0][1] == "bad_input"
    data, _ = await api(store, """query($ids: [ID!]!) { network(ids: $ids, depth: 0) {
        components communities nodes { node { id } degree betweenness } edges { id } } }""",
                        ids=[O1, PHONE, O2])
    assert data["network"]["components"] == 1
    assert len(data["network"]["edges"]) == 2
    data, _ = await api(store, """query($id: ID!) { export(format: CYTOSCAPE_JSON,
        expand: {id: $id, depth: 1}) }""", id=O1)
    assert len(json.loads(data["export"])["elements"]["nodes"]) > 1
    data, _ = await api(store, """query($a: ID!, $b: ID!) { export(format: I2_CSV,
        paths: {from: $a, to: $b}) }""", a=O1, b=O2)
    assert data["export"].startswith("Entity1 Type,")
    data, _ = await api(store, """query($id: ID!) { export(format: GRAPHML,
        network: {ids: [$id], depth: 1}) }""", id=O1)
    assert nx.read_graphml(io.StringIO(data["export"])).number_of_nodes() > 1


@pytest.mark.parametrize(("query", "code"), [
    ('{ expand(id: "x", depth: 5) { seed } }', "limit_exceeded"),
    ('{ expand(id: "operator:none") { seed } }', "not_found"),
    ('{ expand(id: "x", relTypes: ["NOPE"]) { seed } }', "bad_input"),
    ('{ paths(from: "a", to: "b", maxHops: 9) { length } }', "limit_exceeded"),
    ('{ paths(from: "a", to: "b", limit: 11) { length } }', "limit_exceeded"),
    ('{ sharedIdentifiers(operatorIds: []) { notes } }', "limit_exceeded"),
    ('{ timeline(id: "x", first: 0) { notes } }', "limit_exceeded"),
    ('{ network(ids: ["x"], nodeCap: 501) { components } }', "limit_exceeded"),
    ('{ export(format: GRAPHML) }', "bad_input"),
    ('{ expand(id: "x", since: 10, until: 5) { seed } }', "bad_input"),
])
async def test_api_errors_carry_codes(graph: FalkorStore, query: str, code: str) -> None:
    data, _ = await api(graph, query)
    assert data["errors"][0][1] == code, data
