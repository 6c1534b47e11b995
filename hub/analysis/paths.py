"""Shortest paths between two entities through visible nodes and edges only, in either direction.

FalkorDB 4.16 applies a WHERE on ``shortestPath``/``allShortestPaths`` after the search: when
the shortest path crosses a hidden record it answers nothing instead of the longer visible
path. So the search is a bidirectional breadth-first search here, one filtered scan per hop
(hub.analysis.links: every node and edge read passes ``@visible`` inside the query), always
growing the smaller side. It stops at the first hop where the two sides meet: then every
shortest path has its node at the forward depth in both visited sets, and the paths are
enumerated from the parents recorded on each side.

Bounds: each scan statement reads at most :data:`BUDGET` rows and a search sends at most
:data:`MAX_STATEMENTS` of them; a side's frontier is cut at :data:`MAX_FRONTIER` nodes;
reference nodes (border crossings, parties, agencies, profiles) are never walked through, only
reached as an end; super-nodes (:data:`SUPER_DEGREE` visible links or more) are reached, so a
path may meet there, but not walked through. When a bound cut the search, ``exhaustive`` is
false: the paths found are real and visible, but a shorter one may exist.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from hub.analysis.links import (
    HUB_KINDS,
    Link,
    LinkGraph,
    ScanFilter,
    Scanner,
    Window,
    check_range,
    check_types,
)
from hub.errors import InputError, NotFoundError
from hub.model import NODE_KINDS

MAX_HOPS = 6
MAX_PATHS = 10
MAX_FRONTIER = 1_000
BUDGET = 5_000
"""Rows one scan statement of a search may read: a search needs every link of a frontier, so
fewer, larger reads waste less than splitting (a split reads its rows again)."""
MAX_STATEMENTS = 8
"""Scan statements one search may send: with :data:`BUDGET`, at most 40,000 links read."""
SUPER_DEGREE = 200
"""A node with this many visible links (a customs broker, a big forwarder) is a super-node: a
path may meet there, but the search does not walk through it."""


@dataclass(frozen=True, slots=True)
class Path:
    """One path: node ids in order from the source, and the edge ids between them."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PathResult:
    """The shortest paths found (all of the same length), their nodes and edges in ``graph``."""

    source: str
    target: str
    paths: tuple[Path, ...]
    graph: LinkGraph
    exhaustive: bool

    @property
    def length(self) -> int | None:
        return len(self.paths[0].edges) if self.paths else None


@dataclass(slots=True)
class _Side:
    depth: int = 0
    dist: dict[str, int] = field(default_factory=dict)
    parents: dict[str, list[tuple[str, Link]]] = field(default_factory=dict)
    frontier: list[str] = field(default_factory=list)
    supers: set[str] = field(default_factory=set)


async def shortest_paths(scanner: Scanner, source: str, target: str, max_hops: int = 6, *,
                         rel_types: Sequence[str] | None = None, window: Window | None = None,
                         limit: int = 3, super_degree: int = SUPER_DEGREE) -> PathResult:
    """Up to ``limit`` (1-10) shortest paths of at most ``max_hops`` (1-6) between two visible
    records, not walking through nodes with ``super_degree`` visible links or more.
    Raises LimitError, InputError, NotFoundError (hidden = absent)."""
    check_range("maxHops", max_hops, 1, MAX_HOPS)
    check_range("limit", limit, 1, MAX_PATHS)
    if source == target:
        raise InputError("from and to are the same record; give two different ids")
    walkable = tuple(k.label for k in NODE_KINDS if k.label not in HUB_KINDS)
    where = ScanFilter(types=check_types(rel_types), kinds=walkable, window=window or Window(),
                       admit=(source, target), detail=False)
    ends = await scanner.nodes([source, target])
    for end in (source, target):
        if end not in ends:
            raise NotFoundError(f"no record with id {end!r} is visible to you")
    scanner.sent = 0
    forward = _Side(dist={source: 0}, frontier=[source])
    backward = _Side(dist={target: 0}, frontier=[target])
    exhaustive = True
    meeting: list[str] = []
    while forward.depth + backward.depth < max_hops and forward.frontier and backward.frontier:
        side = forward if len(forward.frontier) <= len(backward.frontier) else backward
        other = backward if side is forward else forward
        exhaustive &= await _step(scanner, side, where, (source, target), super_degree)
        # The first hop where the sides meet: every shortest path has its node at the forward
        # depth in both visited sets, at exactly the depth each side has reached.
        meeting = sorted(n for n in side.frontier if other.dist.get(n) == other.depth)
        if meeting:
            break
    found = list(_enumerate(forward, backward, meeting, limit))
    supers = len(forward.supers | backward.supers)
    return await _result(scanner, source, target, found, exhaustive=exhaustive,
                         supers=(supers, super_degree))


async def _step(scanner: Scanner, side: _Side, where: ScanFilter, ends: tuple[str, str],
                super_degree: int) -> bool:
    """Grow ``side`` by one hop; False when a bound cut what was read."""
    remaining = MAX_STATEMENTS - scanner.sent
    if remaining <= 0:
        side.frontier = []
        return False
    # A read that fills the budget settles its super-nodes (not walked through anyway) and
    # reads the rest again without them.
    adjacency = await scanner.scan(side.frontier, where, BUDGET, settle_at=super_degree,
                                   max_statements=remaining, budget=BUDGET)
    exact = True
    depth = side.depth + 1
    new: list[str] = []
    for node in side.frontier:
        found = adjacency.get(node)
        if found is None:
            continue
        if node not in ends and (found.total >= super_degree or not found.exact):
            side.supers.add(node)  # reached, and a path may meet there, but not walked through
            exact = False
            continue
        exact &= found.exact
        for link in found.links:
            other = link.neighbour
            if link.neighbour_kind in HUB_KINDS and other not in ends:
                continue  # never walk through reference nodes
            seen = side.dist.get(other)
            if seen is None:
                if len(new) >= MAX_FRONTIER:
                    exact = False
                    continue
                side.dist[other] = depth
                new.append(other)
            elif seen != depth:
                continue
            side.parents.setdefault(other, []).append((node, link))
    side.depth = depth
    side.frontier = new
    return exact


_Chain = list[tuple[str, Link]]


def _chains(side: _Side, node: str) -> Iterator[_Chain]:
    """Every shortest chain from ``node`` back to the side's end, as (parent, link) steps;
    each link was scanned from its parent."""
    if side.dist[node] == 0:
        yield []
        return
    for parent, link in sorted(side.parents[node], key=lambda p: (p[0], p[1].edge)):
        for rest in _chains(side, parent):
            yield [(parent, link), *rest]


def _enumerate(forward: _Side, backward: _Side, meeting: list[str],
               limit: int) -> Iterator[tuple[list[str], list[tuple[Link, str, str]]]]:
    """Paths as (node ids from the source, (link, source, target) per edge), at most ``limit``."""
    count = 0
    for middle in meeting:
        for head in _chains(forward, middle):
            for tail in _chains(backward, middle):
                nodes = [parent for parent, _ in reversed(head)] + [middle]
                edges = [(link, *link.ends(parent)) for parent, link in reversed(head)]
                for parent, link in tail:
                    nodes.append(parent)
                    edges.append((link, *link.ends(parent)))
                yield nodes, edges
                count += 1
                if count >= limit:
                    return


async def _result(scanner: Scanner, source: str, target: str,
                  found: list[tuple[list[str], list[tuple[Link, str, str]]]], *,
                  exhaustive: bool, supers: tuple[int, int]) -> PathResult:
    nodes: dict[str, dict[str, object]] = {}
    edges: dict[str, tuple[Link, str, str]] = {}
    for path_nodes, path_edges in found:
        for node in path_nodes:
            nodes.setdefault(node, {})
        for link, a, b in path_edges:
            edges.setdefault(link.edge, (link, a, b))
    # The search read edge ids only; the kept edges get their sharing fields and time now.
    detailed = await scanner.edge_details(edges.values())
    edges = {e: (detailed[e], a, b) for e, (_, a, b) in edges.items() if e in detailed}
    notes: tuple[str, ...] = ()
    if supers[0]:
        notes += (f"{supers[0]} super-node(s) with {supers[1]} or more visible links were "
                  "reached but not walked through",)
    if not exhaustive:
        notes += ("the search was bounded (super-nodes, a very wide frontier): a shorter path "
                  "may exist; narrow relTypes or the time window",)
    graph = await scanner.graph(nodes, edges, notes)
    present = {n.id for n in graph.nodes} | {e.id for e in graph.edges}
    paths = tuple(
        Path(nodes=tuple(path_nodes), edges=tuple(link.edge for link, _, _ in path_edges))
        for path_nodes, path_edges in found
        if all(n in present for n in path_nodes)
        and all(link.edge in present for link, _, _ in path_edges))
    return PathResult(source=source, target=target, paths=paths, graph=graph,
                      exhaustive=exhaustive)
